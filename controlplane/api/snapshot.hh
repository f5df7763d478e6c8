// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The plain data the HTTP API renders: what the daemon copies out of its state per request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/process/format.hh"

namespace edgerelay::cp::api {

/// A label value and a count: drops by reason, handshakes by result, DHT records by verdict.
using labelled_count = std::pair<std::string, uint64_t>;

/// What /ready checks. Each false member is one reason in the 503 answer.
struct readiness {
    bool dataplane_attached = false;    ///< the segment is mapped
    bool dataplane_heartbeating = false; ///< its heartbeat advanced recently
    bool tables_programmed = false;     ///< the reconcile after attach has completed
    bool dht_joined = false;            ///< the DHT has a routing table (or DHT is disabled)
    bool draining = false;              ///< a draining relay reports not ready on purpose
};

/// A peer, as the CLI sees it.
struct peer_entry {
    process::peer_view view;
};

/// A worker: the CLI's view plus the share of its loop turns that found work, if measured.
struct worker_entry {
    process::worker_view view;
    std::optional<double> busy_ratio; ///< 0..1
};

/// A ring of the segment and how full it is.
struct ring_entry {
    std::string ring;      ///< "commands", "events", "punt0", ...
    uint64_t depth = 0;    ///< entries waiting
    uint64_t capacity = 0; ///< 0 if unknown
};

/// Observations in buckets with fixed upper bounds (seconds for RTTs).
struct histogram_data {
    std::vector<double> upper_bounds; ///< ascending, finite
    std::vector<uint64_t> counts;     ///< per bucket, not cumulative; size upper_bounds + 1 (overflow last)
    double sum = 0;
    uint64_t count = 0; ///< must equal the sum of counts
};

/// A tunnel neighbour as the health prober sees it.
struct neighbour_entry {
    std::string name;              ///< relay name or node key
    bool up = false;
    std::optional<double> rtt_s;   ///< latest smoothed RTT
    double loss = 0;               ///< 0..1 over the probe window
    uint64_t lost = 0;             ///< probes unanswered within the reply timeout
    uint64_t late = 0;             ///< of those, answered after it
    histogram_data rtt;            ///< probe RTTs in seconds
};

/// The mesh's own event counts: they survive the neighbours they are about.
struct mesh_events {
    uint64_t neighbour_downs = 0; ///< up → down (or held) transitions of any neighbour
    uint64_t neighbour_holds = 0; ///< circuit-breaker holds
    uint64_t route_changes = 0;   ///< mesh routes installed, replaced or withdrawn
};

/// A relay in the link-state graph.
struct topology_node {
    std::string id;                ///< node key (hex or base64, as the DHT layer names it)
    std::string name;
    std::string region;
    std::optional<double> latitude, longitude;
    bool self = false;
};

/// A measured link between two relays (directed, as each relay publishes its own view).
struct topology_edge {
    std::string from, to;          ///< topology_node ids
    std::optional<double> rtt_s;
    double loss = 0;
    bool up = false;
};

/// Everything the JSON endpoints and /metrics print. Built by the daemon on each request;
/// members it cannot fill yet stay empty and are simply omitted or written as empty lists.
struct snapshot {
    process::interface_view itf;
    nanos now_wall{0};          ///< wall time, turns handshake times into ages
    uint64_t uptime_s = 0;
    readiness ready;

    std::vector<peer_entry> peers;
    std::vector<process::route_view> routes;
    std::vector<worker_entry> workers;

    std::vector<labelled_count> drops;      ///< reason → total over all workers
    std::vector<labelled_count> handshakes; ///< result ("completed", "failed", "timeout", ...) → count
    uint64_t rekeys = 0;
    std::vector<ring_entry> rings;

    std::optional<uint64_t> dht_nodes;        ///< routing-table size; nullopt when DHT is off
    std::vector<labelled_count> dht_records;  ///< verdict ("valid", "bad_signature", "stale", ...) → count

    std::vector<neighbour_entry> neighbours;
    mesh_events mesh;
    std::vector<topology_node> nodes;
    std::vector<topology_edge> edges;
};

} // namespace edgerelay::cp::api
