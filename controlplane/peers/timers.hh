// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard's protocol timing constants (whitepaper §6.1) and the per-peer timer state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp {

/// An initiator starts a new handshake once its current keypair is this old.
inline constexpr nanos rekey_after_time = std::chrono::seconds(120);
/// Keypairs older than this are never used again: they are retired.
inline constexpr nanos reject_after_time = std::chrono::seconds(180);
/// A handshake is retried for this long before we give up on it.
inline constexpr nanos rekey_attempt_time = std::chrono::seconds(90);
/// Spacing between handshake attempts (plus jitter), and the minimum spacing of initiations.
inline constexpr nanos rekey_timeout = std::chrono::seconds(5);
/// Upper bound of the random jitter added to rekey_timeout, so two peers that lost their
/// session at the same moment do not keep colliding.
inline constexpr nanos rekey_timeout_jitter_max = std::chrono::milliseconds(333);
/// After receiving data, answer with a keepalive if we send nothing for this long.
inline constexpr nanos keepalive_timeout = std::chrono::seconds(10);
/// Every key and the handshake state are wiped this long after the last session was derived.
inline constexpr nanos zero_key_material_after = reject_after_time * 3;
/// Retries after the first initiation before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT.
inline constexpr uint32_t max_timer_handshakes = uint32_t(rekey_attempt_time / rekey_timeout);

/// One peer's timers, as deadlines on the monotonic clock (empty = not armed). They mirror the
/// kernel module's timer_list objects; peer_manager::tick() fires the ones that are due.
struct peer_timers {
    std::optional<nanos> retransmit_handshake; ///< resend the initiation, or give up
    std::optional<nanos> send_keepalive;       ///< passive keepalive after received data
    std::optional<nanos> new_handshake;        ///< sent data but heard nothing back
    std::optional<nanos> zero_key_material;    ///< wipe keys after 3 * REJECT_AFTER_TIME
    std::optional<nanos> persistent_keepalive; ///< NAT keepalive every N seconds
    bool need_another_keepalive = false;       ///< data arrived while send_keepalive was armed
    uint32_t handshake_attempts = 0;           ///< retries of the current handshake
    std::optional<nanos> last_sent_handshake;  ///< monotonic time of our last initiation
};

} // namespace edgerelay::cp
