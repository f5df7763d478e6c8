// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The JSON endpoints' bodies, rendered from an api::snapshot (shapes documented in README.md).
#include <chrono>

#include "common/crypto/encoding.hh"
#include "controlplane/api/routes.hh"
#include "controlplane/process/json.hh"

namespace edgerelay::cp::api {
namespace {

using process::json_writer;

template <typename T>
void optional_value(json_writer& j, const std::optional<T>& v)
{
    if (v) {
        j.value(*v);
    } else {
        j.null();
    }
}

void optional_ms(json_writer& j, const std::optional<double>& seconds)
{
    if (seconds) {
        j.value(*seconds * 1000.0);
    } else {
        j.null();
    }
}

void counts_object(json_writer& j, const std::vector<labelled_count>& counts)
{
    j.begin_object();
    for (const auto& [label, n] : counts) {
        j.key(label).value(n);
    }
    j.end_object();
}

} // namespace

std::string render_health_json()
{
    json_writer j;
    j.begin_object().key("status").value("ok").end_object();
    return j.take();
}

std::string render_ready_json(const readiness& r)
{
    auto reasons = not_ready_reasons(r);
    json_writer j;
    j.begin_object();
    j.key("ready").value(reasons.empty());
    j.key("reasons").begin_array();
    for (const auto& s : reasons) {
        j.value(s);
    }
    j.end_array();
    j.key("checks").begin_object();
    j.key("dataplane_attached").value(r.dataplane_attached);
    j.key("dataplane_heartbeating").value(r.dataplane_heartbeating);
    j.key("tables_programmed").value(r.tables_programmed);
    j.key("dht_joined").value(r.dht_joined);
    j.key("draining").value(r.draining);
    j.end_object();
    j.end_object();
    return j.take();
}

std::string render_peers_json(const snapshot& s)
{
    json_writer j;
    j.begin_object();
    j.key("interface").value(s.itf.instance);
    j.key("peers").begin_array();
    for (const auto& p : s.peers) {
        process::write_peer_json(j, p.view, s.now_wall);
    }
    j.end_array();
    j.end_object();
    return j.take();
}

std::string render_routes_json(const snapshot& s)
{
    json_writer j;
    j.begin_object();
    j.key("routes").begin_array();
    for (const auto& r : s.routes) {
        j.begin_object();
        j.key("prefix").value(r.prefix);
        j.key("via").value(r.via);
        j.key("local").value(r.hop == abi::next_hop_local);
        j.key("next_hop").value(uint64_t(r.hop));
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return j.take();
}

std::string render_topology_json(const snapshot& s)
{
    json_writer j;
    j.begin_object();
    j.key("self");
    const topology_node* self = nullptr;
    for (const auto& n : s.nodes) {
        if (n.self) {
            self = &n;
            break;
        }
    }
    if (self) {
        j.value(self->id);
    } else {
        j.null();
    }
    j.key("nodes").begin_array();
    for (const auto& n : s.nodes) {
        j.begin_object();
        j.key("id").value(n.id);
        j.key("name").value(n.name);
        j.key("region").value(n.region);
        j.key("latitude");
        optional_value(j, n.latitude);
        j.key("longitude");
        optional_value(j, n.longitude);
        j.key("self").value(n.self);
        j.end_object();
    }
    j.end_array();
    j.key("edges").begin_array();
    for (const auto& e : s.edges) {
        j.begin_object();
        j.key("from").value(e.from);
        j.key("to").value(e.to);
        j.key("rtt_ms");
        optional_ms(j, e.rtt_s);
        j.key("loss").value(e.loss);
        j.key("up").value(e.up);
        j.end_object();
    }
    j.end_array();
    j.key("neighbours").begin_array();
    for (const auto& n : s.neighbours) {
        j.begin_object();
        j.key("name").value(n.name);
        j.key("up").value(n.up);
        j.key("rtt_ms");
        optional_ms(j, n.rtt_s);
        j.key("loss").value(n.loss);
        j.key("probes").value(n.rtt.count);
        j.key("lost").value(n.lost);
        j.key("late").value(n.late);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return j.take();
}

std::string render_stats_json(const snapshot& s)
{
    json_writer j;
    j.begin_object();
    j.key("interface").value(s.itf.instance);
    j.key("uptime_seconds").value(s.uptime_s);
    j.key("dataplane").begin_object();
    j.key("attached").value(s.itf.attached);
    j.key("ready").value(s.itf.ready);
    j.key("generation").value(s.itf.generation);
    j.end_object();
    j.key("peers").value(uint64_t(s.peers.size()));
    j.key("routes").value(uint64_t(s.routes.size()));
    j.key("workers").begin_array();
    for (const auto& we : s.workers) {
        const auto& w = we.view;
        j.begin_object();
        j.key("worker").value(unsigned(w.worker));
        j.key("rx_packets").value(w.rx_packets);
        j.key("rx_bytes").value(w.rx_bytes);
        j.key("tx_packets").value(w.tx_packets);
        j.key("tx_bytes").value(w.tx_bytes);
        j.key("busy_ratio");
        optional_value(j, we.busy_ratio);
        j.key("drops");
        counts_object(j, w.drops);
        j.end_object();
    }
    j.end_array();
    j.key("drops");
    counts_object(j, drops_by_reason(s));
    j.key("handshakes");
    counts_object(j, s.handshakes);
    j.key("rekeys").value(s.rekeys);
    j.key("rings").begin_array();
    for (const auto& r : s.rings) {
        j.begin_object();
        j.key("ring").value(r.ring);
        j.key("depth").value(r.depth);
        j.key("capacity").value(r.capacity);
        j.end_object();
    }
    j.end_array();
    j.key("dht").begin_object();
    j.key("nodes");
    optional_value(j, s.dht_nodes);
    j.key("records");
    counts_object(j, s.dht_records);
    j.end_object();
    j.end_object();
    return j.take();
}

} // namespace edgerelay::cp::api
