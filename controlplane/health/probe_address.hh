// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The deterministic IPv6 ULA each relay's control plane answers health probes on.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/crypto/secret.hh"

namespace edgerelay::cp::health {

/// An IPv6 address in network byte order.
using probe_addr = std::array<uint8_t, 16>;

/// fd65:6467:6572::/48: a ULA (RFC 4193) whose 40 "global ID" bits spell "edger". Probe
/// addresses are inner (tunnel) addresses only, never seen on the underlay.
inline constexpr std::array<uint8_t, 6> probe_prefix = {0xfd, 0x65, 0x64, 0x67, 0x65, 0x72};

/// The probe address of the relay whose WireGuard public key is wg_public_key: probe_prefix
/// followed by the first 80 bits of BLAKE2s-256("edgerelay probe address v1" || key). Every
/// relay computes every other relay's address from the key alone, with no exchange; the
/// dataplane routes a relay's own address to its control plane and a neighbour's into the
/// neighbour's tunnel (an allowed IP of that peer).
probe_addr probe_address(const crypto::key32& wg_public_key) noexcept;

/// True when addr lies in probe_prefix (it may still belong to no relay we know).
bool is_probe_shaped(std::span<const uint8_t, 16> addr) noexcept;

} // namespace edgerelay::cp::health
