// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The table applier: the dataplane's one non-worker thread and the only writer of every table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "common/abi/records.hh"
#include "common/abi/segment.hh"
#include "dataplane/limits.hh"
#include "dataplane/model.hh"
#include "dataplane/tables/peer_table.hh"
#include "dataplane/tables/table_set.hh"
#include "dataplane/worker_ctx.hh"

namespace edgerelay::dp {

/// What the applier needs to know about one underlay port to build paths.
struct applier_port {
    /// Ethernet port (DPDK): paths carry MACs. Otherwise (UDP sockets) MACs stay zero.
    bool ethernet = false;
    uint8_t mac[6] = {};         ///< our MAC, used when set_endpoint's src_mac is all zero
    uint8_t gateway_mac[6] = {}; ///< default next hop, used when set_endpoint's dst_mac is zero
    /// Our address per family (0: IPv4, 1: IPv6) and overlay port, used as a path's source
    /// when set_endpoint leaves `local` empty (Ethernet ports must write a source address).
    wire::endpoint address[2]{};
};

struct applier_config {
    uint32_t max_peers = 1024; ///< ids beyond this (or the peer table's capacity) are refused
    uint16_t n_workers = 1;    ///< workers that hand dp_events to on_worker_event
    uint16_t n_ports = 1;      ///< underlay ports 0 .. n_ports-1 (≤ max_ports)
    uint64_t tsc_hz = 0;       ///< TSC ticks per second; 0 asks DPDK (rte_get_tsc_hz)
    std::array<applier_port, max_ports> ports{};
    /// Events not caused by a command (worker events, expiries) kept while the event ring is
    /// full; beyond this they are dropped and counted. Replies are never dropped: commands wait.
    std::size_t async_backlog = 4096;
};

/// Counters of the applier itself (applier thread only; read them from that thread).
struct applier_stats {
    uint64_t commands = 0;          ///< commands popped and answered
    uint64_t commands_failed = 0;   ///< of which answered with an error
    uint64_t worker_events = 0;     ///< dp_events received from workers
    uint64_t worker_events_bad = 0; ///< of which refused (bad worker id, port or endpoint)
    uint64_t events_dropped = 0;    ///< async events lost because the control plane is not reading
    uint64_t keypairs_expired = 0;  ///< keypairs retired because their reject time passed
    uint64_t keypairs_wiped = 0;    ///< keys zeroed in place after 3 × REJECT_AFTER_TIME
    uint64_t keepalives_lost = 0;   ///< send_keepalive refused because worker 0 lags
};

/// The only writer of the tables (docs/DESIGN.md §1, STYLE.md "Publishing table updates").
///
/// It consumes the segment's command ring, validates each command (abi::validate, then checks
/// against the tables), applies it, and answers exactly one reply event carrying the command's
/// seq. Old paths and keypairs go to a deferred list with a QSBR token and are freed once every
/// worker has passed a quiescent state, so neither poll_commands nor tick ever waits for workers
/// (the IPv6 prefix tables may wait, bounded, inside their own add/remove).
///
/// Events: the applier is the single producer of the segment's main event ring, for replies,
/// readback items and the events it forwards from workers, so the control plane sees all of
/// them in one causal order (a readback never overtakes an endpoint change, nor the reverse).
/// The per-worker event rings of the segment are left unused: workers hand their dp_events to
/// this thread in-process and never write the segment themselves.
///
/// Threading: every member function runs on the applier thread, except pop_keepalive (worker 0).
class applier {
public:
    /// @param tables the tables to write; must outlive the applier
    /// @param seg the segment this dataplane owns; must outlive the applier
    applier(table_set& tables, abi::segment& seg, const applier_config& cfg);
    ~applier();
    applier(const applier&) = delete;
    applier& operator=(const applier&) = delete;

    /// Pops and applies up to budget commands, answering each. Stops early when the ring is
    /// empty or when the event ring is full (commands then wait in their ring: no reply is
    /// ever dropped).
    /// @param now_tsc the TSC now (keypair birth times and readback ages are relative to it)
    /// @return commands handled.
    unsigned poll_commands(unsigned budget, uint64_t now_tsc);
    /// Same, at rte_rdtsc().
    unsigned poll_commands(unsigned budget);

    /// Handles an event a worker raised, first locally so the dataplane stays right without a
    /// control plane (endpoint_roamed: new path; keypair_confirmed: next promoted, old previous
    /// retired; keypair_expired: retired), then forwards it on the event ring
    /// (endpoint_roamed only when the path changed, keypair_confirmed only when the promotion
    /// happened: workers repeat the former until they see the new path).
    void on_worker_event(uint16_t worker, const dp_event& e);

    /// Housekeeping: retires keypairs whose reject time passed, zeroes in place the keys of
    /// retired keypairs still waiting for a grace period after 3 × REJECT_AFTER_TIME, frees
    /// what waited for a grace period, flushes queued events and beats the dp heartbeat.
    void tick(uint64_t now_tsc);

    /// Worker 0: the next peer the control plane asked a keepalive for (send_keepalive).
    /// @return false when there is none.
    bool pop_keepalive(peer_id& peer) noexcept { return _keepalives.pop(peer); }

    /// The limits of the last set_limits (or WireGuard's defaults).
    const abi::cmd_set_limits& limits() const noexcept { return _limits; }
    const applier_stats& stats() const noexcept { return _stats; }
    /// Paths and keypairs waiting for their grace period (table_set's own deferrals excluded).
    std::size_t deferred() const noexcept { return _deferred.size(); }
    /// Events waiting for room in the event ring.
    std::size_t backlog() const noexcept { return _outbox.size(); }

    /// Capacity of the keepalive queue read by worker 0.
    static constexpr std::size_t keepalive_capacity = 1024;

private:
    /// A prefix as the shadow tables key it (family, length, masked address).
    struct pfx_key {
        uint8_t family;
        uint8_t length;
        std::array<uint8_t, 16> addr;
        auto operator<=>(const pfx_key&) const = default;
    };

    /// Writer-side record of what points at a peer, so remove_peer can clean up.
    struct peer_shadow {
        std::set<pfx_key> routes;
        std::set<pfx_key> allowed;
    };

    struct deferred_free {
        uint64_t token;    ///< QSBR token taken after the object was unlinked
        uint64_t wipe_tsc; ///< keypairs: zero the keys in place after this (3 × reject)
        keypair* kp;
        path* p;
        bool wiped;
    };

    struct pending_event {
        abi::event ev;
        bool async; ///< not an answer to a command: may be dropped under backlog
    };

    abi::error apply(const abi::command& c);
    abi::error add_peer(const abi::cmd_add_peer& b);
    abi::error remove_peer(const abi::cmd_peer& b);
    abi::error set_endpoint(const abi::cmd_set_endpoint& b);
    abi::error install_keypair(const abi::cmd_install_keypair& b);
    abi::error retire_keypair(const abi::cmd_retire_keypair& b);
    abi::error add_route(const abi::cmd_route& b);
    abi::error remove_route(const abi::cmd_route& b);
    abi::error add_allowed_ip(const abi::cmd_allowed_ip& b);
    abi::error remove_allowed_ip(const abi::cmd_allowed_ip& b);
    abi::error send_keepalive(const abi::cmd_peer& b);
    abi::error readback(uint64_t seq);

    bool peer_known(peer_id id) const noexcept;
    path* path_create(uint16_t port, const wire::endpoint& remote, const wire::endpoint& local,
                      const uint8_t* src_mac, const uint8_t* dst_mac) noexcept;
    void publish_path(peer_id id, path* p);
    /// Removes kp from every slot of its peer that still holds it.
    void unlink_keypair(keypair* kp) noexcept;
    /// kp is in no slot any more: unmap its index and free it after a grace period.
    void retire(keypair* kp);
    /// Retires kp unless another slot of its peer still holds it.
    void retire_if_unlinked(keypair* kp);
    void defer(keypair* kp, path* p);
    void reclaim() noexcept;

    static pfx_key key_of(const abi::prefix& pf) noexcept;
    static abi::prefix to_prefix(const pfx_key& k) noexcept;
    int prefix_add(bool allowed, const abi::prefix& pf, next_hop hop);
    int prefix_remove(bool allowed, const abi::prefix& pf);
    next_hop prefix_find(bool allowed, const abi::prefix& pf) const;

    uint64_t ms_to_tsc(uint64_t ms) const noexcept;
    uint64_t tsc_to_ms(uint64_t ticks) const noexcept;

    void emit(const abi::event& ev, bool async);
    void flush() noexcept;
    abi::event make_event(abi::event_type t, uint16_t worker) const noexcept;

    table_set& _tables;
    abi::segment& _seg;
    applier_config _cfg;
    uint32_t _max_peers;
    uint64_t _now = 0;
    abi::cmd_set_limits _limits{};
    applier_stats _stats{};
    std::vector<peer_shadow> _shadow;                // indexed by peer id
    std::set<std::pair<uint64_t, keypair*>> _expiry; // (reject_tsc, kp) of every linked keypair
    std::vector<deferred_free> _deferred;
    std::deque<pending_event> _outbox;
    std::size_t _outbox_async = 0;
    // applier: producer, worker 0: consumer.
    boost::lockfree::spsc_queue<peer_id, boost::lockfree::capacity<keepalive_capacity>> _keepalives;
};

} // namespace edgerelay::dp
