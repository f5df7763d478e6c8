// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The single list of reasons the fast path drops a packet (VPP foreach_*_error, DERP dropReason).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/wire/verdict.hh"

namespace edgerelay::dp {

/// Reasons after parsing, in pipeline order. Parse failures come first, from WIRE_VERDICTS,
/// so that every malformed case keeps its own name on the dataplane's counters too.
#define RELAY_DROP_REASONS(X)                                                                     \
    WIRE_VERDICTS(X)                                                                              \
    X(not_overlay_port, "UDP destination is not the overlay port")                                \
    X(unknown_receiver, "no keypair for the receiver index")                                      \
    X(keypair_expired, "keypair older than REJECT_AFTER_TIME")                                    \
    X(keypair_exhausted, "counter reached REJECT_AFTER_MESSAGES")                                 \
    X(replay, "counter already seen or older than the window")                                    \
    X(auth_failed, "AEAD tag did not verify")                                                     \
    X(cryptokey_mismatch, "inner source not in the sending peer's allowed IPs")                   \
    X(no_route, "no route for the inner destination")                                             \
    X(route_loop, "route points back to the peer the packet came from")                           \
    X(peer_gone, "next-hop peer slot is not active")                                              \
    X(no_keypair, "next-hop peer has no current keypair")                                         \
    X(no_endpoint, "next-hop peer has no known endpoint")                                         \
    X(too_big, "packet does not fit the buffer after encapsulation")                              \
    X(no_local_port, "local delivery but no access port on this worker")                          \
    X(punt_full, "slow-path ring full; packet not punted")                                        \
    X(tx_full, "port refused the packet (queue full)")                                            \
    X(control_too_big, "inner packet for the control plane longer than a punt record")            \
    X(control_from_access, "control route reached from the access side, not from a tunnel")

enum class drop_reason : uint8_t {
#define X(name, text) name,
    RELAY_DROP_REASONS(X)
#undef X
        count // keep last
};
inline constexpr size_t drop_reason_count = static_cast<size_t>(drop_reason::count);

/// Parse verdicts map 1:1 onto the first drop reasons (verdict::ok has no drop reason).
constexpr drop_reason drop_reason_of(wire::verdict v) noexcept
{
    return static_cast<drop_reason>(static_cast<uint8_t>(v) - 1);
}

/// The reason's counter name ("replay", "ipv4_fragment", ...).
const char* drop_reason_name(drop_reason r) noexcept;

/// A one-line explanation for operators.
const char* drop_reason_text(drop_reason r) noexcept;

} // namespace edgerelay::dp
