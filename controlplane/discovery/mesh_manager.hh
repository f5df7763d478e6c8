// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The mesh: discovery through the DHT, relay tunnels, health probes and link-state routes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/abi/records.hh"
#include "common/config/config.hh"
#include "common/crypto/ed25519.hh"
#include "controlplane/discovery/mesh_host.hh"
#include "controlplane/dht/dht_node.hh"
#include "controlplane/health/prober.hh"
#include "controlplane/routing/compute_routes.hh"
#include "controlplane/routing/link_state_db.hh"
#include "controlplane/routing/route_hysteresis.hh"

namespace edgerelay::cp::discovery {

/// Whether a configuration asks for the mesh: a region or bootstrap relays. Purely static
/// configurations run no DHT, no prober and no HTTP-visible topology.
bool mesh_enabled(const config::config& c) noexcept;

/// The endpoints a relay announces: announce.endpoints, else the io_uring bind address or the
/// underlay ports' addresses with listen_port. Empty when only wildcards are known.
std::vector<wire::endpoint> announced_endpoints(const config::config& c);

/// One relay tunnel as the HTTP API shows it.
struct neighbour_view {
    crypto::key32 wg_key{};
    std::array<uint8_t, 32> node_key{};
    abi::peer_id peer = abi::no_peer;
    std::string name;
    health::neighbour_status status;
    const health::rtt_histogram* histogram = nullptr; ///< valid until the next service()
};

/// Counters for /metrics and the log.
struct mesh_counters {
    uint64_t publishes = 0;
    uint64_t route_recomputes = 0;
    uint64_t route_changes = 0;
    uint64_t relay_peers_added = 0;
    uint64_t relay_peers_removed = 0;
    uint64_t probes_sent = 0;
    uint64_t probe_packets_in = 0;
    uint64_t failovers = 0; ///< neighbour up → down transitions that triggered a recompute
    uint64_t holds = 0;     ///< neighbours held down by the prober's circuit breaker
};

/// Runs the mesh on the control plane's loop: publish our relay record and refresh it, look
/// relays up (our region, the regions we learn, and the probe prefix that every relay
/// announces), keep tunnels to the relays the neighbour policy selects (and to those that
/// select us), probe them BFD-style, and program latency-shortest routes to every prefix other
/// relays own. A neighbour going down recomputes the routes in the same loop turn.
class mesh_manager {
  public:
    /// @param node_key our Ed25519 identity (signs the record); copied.
    mesh_manager(const config::config& cfg, const crypto::key32& wg_public,
                 const crypto::ed25519_keypair& node_key, mesh_host& host);
    ~mesh_manager();
    mesh_manager(const mesh_manager&) = delete;
    mesh_manager& operator=(const mesh_manager&) = delete;

    /// Starts the DHT node. @throw std::runtime_error when its socket cannot bind.
    void start();

    /// Does whatever is due. now_ns: CLOCK_MONOTONIC; wall_s: Unix seconds.
    void service(uint64_t now_ns, uint64_t wall_s);

    /// An inner packet the dataplane punted to the control plane (sent to our probe address).
    /// Answers probe requests and takes RTT samples from replies; anything else is counted.
    void on_inner_packet(abi::peer_id from, std::span<const uint8_t> packet, uint64_t now_ns);

    /// Drain: withdraw our record; tunnels and routes stay until the process exits.
    void drain();
    /// A relay peer was removed behind our back (control socket): forget it.
    void forget_peer(abi::peer_id id);

    // Views.
    bool is_relay_peer(abi::peer_id id) const;
    std::vector<neighbour_view> neighbours() const;
    const routing::link_state_db& topology() const noexcept { return _db; }
    const crypto::key32& self() const noexcept { return _self; }
    std::optional<dht::dht_stats> dht_stats() const;
    bool dht_joined() const;
    const mesh_counters& counters() const noexcept { return _counters; }
    uint64_t malformed_probes() const noexcept { return _malformed_probes; }

  private:
    struct relay {
        dht::relay_record record;
        crypto::key32 wg{};
        abi::peer_id peer = abi::no_peer; // no_peer: not a neighbour
        std::string name;
    };

    void take_records(std::vector<dht::relay_record> records, uint64_t now_ns, uint64_t wall_s);
    void lookups(uint64_t now_ns);
    void select_neighbours(uint64_t wall_s);
    void probe(uint64_t now_ns);
    void publish(uint64_t now_ns, uint64_t wall_s);
    void recompute_routes();
    void rebuild_db(uint64_t now_ns);
    void update_self(uint64_t now_ns);
    routing::relay_state state_of(const dht::relay_record& r) const;
    dht::relay_record own_record(uint64_t wall_s) const;
    std::vector<routing::local_override> overrides() const;
    std::string link_signature() const;

    config::config _cfg;
    crypto::key32 _self{};
    crypto::ed25519_keypair _node_key;
    mesh_host& _host;
    std::unique_ptr<dht::dht_node> _dht;
    health::prober _prober;
    routing::link_state_db _db;

    std::map<std::array<uint8_t, 32>, relay> _relays; // by node key, ourselves excluded
    std::map<crypto::key32, std::array<uint8_t, 32>> _node_of_wg;
    std::map<abi::peer_id, crypto::key32> _wg_of_peer;
    std::set<std::string> _regions;                          // to look up
    std::map<std::string, std::pair<abi::prefix, abi::next_hop>> _installed; // by prefix text
    routing::route_hysteresis _hysteresis;
    std::vector<abi::prefix> _owned;

    bool _started = false;
    bool _draining = false;
    bool _routes_dirty = true;
    bool _neighbours_dirty = true;
    uint64_t _last_lookup = 0;
    uint64_t _last_publish = 0;
    uint64_t _last_recompute = 0;
    uint64_t _last_select = 0;
    uint64_t _last_session_kick = 0;
    std::string _published_links;
    uint64_t _malformed_probes = 0;
    uint64_t _self_seq = 0;
    uint64_t _now = 0;
    mesh_counters _counters;
};

} // namespace edgerelay::cp::discovery
