// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Reconcile: the dataplane's state as read back and the desired state → the commands to send.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/abi/records.hh"

namespace edgerelay::cp::process {

/// The dataplane's tables as one readback reported them (rb_* events up to readback_done).
struct dp_state {
    std::map<abi::peer_id, abi::ev_rb_peer> peers;
    std::vector<abi::ev_rb_keypair> keypairs;
    std::vector<abi::ev_rb_route> routes;
    std::vector<abi::cmd_allowed_ip> allowed_ips;

    /// Records an rb_* event. @return false (and ignores it) for any other event type.
    bool add(const abi::event& ev);
    void clear();
    /// Whether the peer has a keypair it can send with (current or next) younger than the
    /// reject age; then a restarted control plane must not start a handshake for it.
    bool has_live_keypair(abi::peer_id id, uint64_t reject_after_time_ms) const noexcept;
};

/// What reconcile decided.
struct reconcile_plan {
    /// Commands to send, in order: stale routes, allowed IPs and peers removed first, then
    /// what is missing added in the order of `want`. Commands copied from `want` keep their
    /// seq and crc; the others (removals) have seq 0 and no crc: the caller numbers and seals
    /// them.
    std::vector<abi::command> commands;
    /// Peers of `want` with an endpoint but no live keypair: start a handshake with them.
    std::vector<abi::peer_id> initiate;
};

/// Compares the dataplane's state with the full desired state and returns what to change.
///
/// `want` is what a fresh dataplane would need: add_peer, set_endpoint, add_allowed_ip,
/// add_route and install_keypair commands. What the dataplane already holds is kept, so a
/// restarted control plane disturbs no traffic:
///  - add_peer is skipped for a peer id the dataplane has;
///  - set_endpoint is skipped when the dataplane knows any endpoint for the peer (a roam it
///    saw while we were away is newer than the configuration);
///  - add_allowed_ip / add_route are skipped when present with the same owner / next hop, and
///    preceded by a removal when present with another;
///  - install_keypair is skipped when the dataplane has that local index for the peer;
///  - keypairs the dataplane holds are never retired here: they expire on their own.
/// Routes, allowed IPs and peers the dataplane has but `want` does not are removed (the
/// configuration is the truth), removing a peer drops its keypairs with it.
///
/// @param have the readback.
/// @param want desired commands; other command types are passed through unchanged.
/// @param reject_after_time_ms the segment's limit, for judging keypairs live.
reconcile_plan reconcile(const dp_state& have, std::span<const abi::command> want,
                         uint64_t reject_after_time_ms);

} // namespace edgerelay::cp::process
