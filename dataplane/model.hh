// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The fast path's data model: keypairs, peers and their underlay paths.
// Written only by the applier thread, read by workers; old objects are freed after a
// QSBR grace period, so a worker holding a pointer inside one burst is always safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/wire/endpoint.hh"
#include "dataplane/limits.hh"
#include "dataplane/replay_window.hh"

namespace edgerelay::dp {

/// A WireGuard session's keys and counters (one handshake's result).
struct alignas(64) keypair {
    // --- written once by the applier before publishing, then read-only ---
    uint8_t recv_key[32];   ///< decrypts the peer's transport messages
    uint8_t send_key[32];   ///< encrypts ours
    uint32_t local_index;   ///< our receiver index: the peer writes it in its type-4 header
    uint32_t remote_index;  ///< the peer's receiver index: we write it in ours
    peer_id peer;           ///< owning peer
    uint32_t flags;         ///< keypair_flag bits
    uint64_t birth_tsc;     ///< TSC at handshake completion (age checks without syscalls)
    uint64_t reject_tsc;    ///< birth_tsc + REJECT_AFTER_TIME in TSC ticks
    uint64_t rekey_tsc;     ///< birth_tsc + REKEY_AFTER_TIME (initiator only; else UINT64_MAX)

    // --- written by workers; own cache line because several cores touch it ---
    alignas(64) std::atomic<uint64_t> send_counter{0}; ///< next counter; reserved per burst with fetch_add
    std::atomic<uint8_t> rekey_signalled{0};           ///< set once when a rekey event was raised
    std::atomic<uint8_t> expired_signalled{0};         ///< set once when an expiry event was raised
    std::atomic<uint8_t> confirmed_signalled{0};       ///< set once when first used from `next`

    // --- written by the worker that owns the peer's flow (RSS / SO_REUSEPORT hash) ---
    alignas(64) replay_window replay;
};

enum keypair_flag : uint32_t {
    keypair_initiator = 1u << 0, ///< we sent the initiation (only the initiator rekeys by time)
};

/// Where and how to send to a peer: replaced whole by the applier on endpoint change.
struct alignas(64) path {
    wire::endpoint remote;  ///< the peer's underlay endpoint
    wire::endpoint local;   ///< our address and port on that underlay
    uint16_t port_index;    ///< index of the underlay port in the worker's port list
    uint8_t src_mac[6];     ///< our MAC on that port (Ethernet ports only)
    uint8_t dst_mac[6];     ///< next-hop MAC toward remote (Ethernet ports only)
};

/// A peer: a relay or an endpoint we hold a tunnel with. Fixed slot in the peer table.
struct alignas(64) peer {
    std::atomic<const path*> route_path{nullptr};   ///< nullptr: no endpoint known yet
    std::atomic<keypair*> current{nullptr};         ///< used to send
    std::atomic<keypair*> previous{nullptr};        ///< still accepted on receive
    std::atomic<keypair*> next{nullptr};            ///< responder side, unconfirmed
    peer_id id = no_peer;
    std::atomic<uint8_t> active{0};                 ///< 0: slot free
    /// peer_flag bits, written by the applier before `active` is released, read-only after.
    uint32_t flags = 0;
    /// TSC of the last handshake_wanted a worker raised for this peer: with no keypair to send
    /// with, WireGuard starts a handshake, and every worker sending to the peer would ask.
    mutable std::atomic<uint64_t> handshake_wanted_tsc{0};
};

enum peer_flag : uint32_t {
    /// A relay-to-relay tunnel: inner sources outside its allowed IPs are accepted (they were
    /// checked where they entered the mesh). Same bit as abi::peer_flag_transit.
    peer_transit = 1u << 0,
};
static_assert(sizeof(peer) == 64);
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<keypair*>::is_always_lock_free);

} // namespace edgerelay::dp
