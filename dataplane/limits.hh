// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Compile-time limits and WireGuard protocol constants used by the fast path.
#pragma once

#include <cstdint>

namespace edgerelay::dp {

using peer_id = uint32_t;
inline constexpr peer_id no_peer = UINT32_MAX;

inline constexpr uint16_t max_burst = 32;
inline constexpr uint16_t max_workers = 16;

/// Route next hop: a peer id, local delivery to the access side, or the control plane. The
/// values equal abi::next_hop_local and abi::next_hop_control.
using next_hop = uint32_t;
inline constexpr next_hop next_hop_local = 0x00FFFFFEu; ///< fits rte_lpm's 24-bit next hop
/// Punt the authenticated inner packet to the control plane (mesh health probes).
inline constexpr next_hop next_hop_control = 0x00FFFFFDu;
inline constexpr next_hop next_hop_none = 0x00FFFFFFu;
inline constexpr peer_id max_peer_id = 0x00FFFFFCu; ///< peer ids stay below the special hops

// WireGuard's message limits (wireguard.com/protocol, messages.h of the Linux module).
inline constexpr uint64_t rekey_after_messages = 1ull << 60;
inline constexpr uint64_t reject_after_messages = UINT64_MAX - (1ull << 13);
inline constexpr uint64_t rekey_after_time_s = 120;
inline constexpr uint64_t reject_after_time_s = 180;
inline constexpr uint64_t rekey_timeout_s = 5;

} // namespace edgerelay::dp
