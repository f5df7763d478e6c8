// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// /metrics: the snapshot as Prometheus families, every one written even when it has no series
// so that dashboards and the mesh tests can rely on the names being there.
#include <chrono>
#include <map>
#include <set>

#include "common/crypto/encoding.hh"
#include "controlplane/api/prometheus.hh"
#include "controlplane/api/routes.hh"

namespace edgerelay::cp::api {
namespace {

using mt = metric_type;

// The peer label: its name, or its public key when it has none or shares it with another
// peer (two series must never carry the same label set).
std::vector<std::string> peer_labels(const snapshot& s)
{
    std::vector<std::string> out;
    out.reserve(s.peers.size());
    std::set<std::string> seen;
    for (const auto& p : s.peers) {
        std::string label = p.view.name;
        if (label.empty() || seen.contains(label)) {
            label = crypto::key_to_base64(p.view.public_key.data());
        }
        seen.insert(label);
        out.push_back(std::move(label));
    }
    return out;
}

void labelled(prometheus_writer& w, std::string_view label, const std::vector<labelled_count>& counts)
{
    for (const auto& [value, n] : counts) {
        w.sample(metric_labels{{std::string(label), value}}, n);
    }
}

} // namespace

std::vector<labelled_count> drops_by_reason(const snapshot& s)
{
    if (!s.drops.empty()) {
        return s.drops;
    }
    std::map<std::string, uint64_t> sum;
    for (const auto& w : s.workers) {
        for (const auto& [reason, n] : w.view.drops) {
            sum[reason] += n;
        }
    }
    return {sum.begin(), sum.end()};
}

std::string render_metrics(const snapshot& s)
{
    prometheus_writer w;
    w.family("edgerelay_up", "1 while the control plane answers.", mt::gauge);
    w.sample(uint64_t(1));
    w.family("edgerelay_ready", "1 when /ready answers 200.", mt::gauge);
    w.sample(uint64_t(not_ready_reasons(s.ready).empty() ? 1 : 0));
    w.family("edgerelay_dataplane_attached", "1 while the dataplane's segment is mapped.", mt::gauge);
    w.sample(uint64_t(s.itf.attached ? 1 : 0));
    w.family("edgerelay_uptime_seconds", "Seconds since the control plane started.", mt::gauge);
    w.sample(s.uptime_s);

    auto names = peer_labels(s);
    w.family("edgerelay_peers", "Configured peers.", mt::gauge);
    w.sample(uint64_t(s.peers.size()));
    struct peer_counter {
        const char* name;
        const char* help;
        uint64_t (*get)(const peer_entry&);
    };
    static constexpr peer_counter counters[] = {
        {"edgerelay_peer_rx_packets_total", "Packets received from the peer.",
         [](const peer_entry& p) { return p.view.rx_packets; }},
        {"edgerelay_peer_rx_bytes_total", "Bytes received from the peer.",
         [](const peer_entry& p) { return p.view.rx_bytes; }},
        {"edgerelay_peer_tx_packets_total", "Packets sent to the peer.",
         [](const peer_entry& p) { return p.view.tx_packets; }},
        {"edgerelay_peer_tx_bytes_total", "Bytes sent to the peer.",
         [](const peer_entry& p) { return p.view.tx_bytes; }},
    };
    for (const auto& c : counters) {
        w.family(c.name, c.help, mt::counter);
        for (size_t i = 0; i < s.peers.size(); ++i) {
            w.sample(metric_labels{{"peer", names[i]}}, c.get(s.peers[i]));
        }
    }
    w.family("edgerelay_peer_last_handshake_timestamp_seconds",
             "Unix time of the peer's latest completed handshake (peers that had one).", mt::gauge);
    for (size_t i = 0; i < s.peers.size(); ++i) {
        if (const auto& t = s.peers[i].view.latest_handshake) {
            w.sample(metric_labels{{"peer", names[i]}},
                     uint64_t(std::chrono::duration_cast<std::chrono::seconds>(*t).count()));
        }
    }

    w.family("edgerelay_drops_total", "Packets dropped by the dataplane, by reason.", mt::counter);
    labelled(w, "reason", drops_by_reason(s));
    w.family("edgerelay_handshakes_total", "WireGuard handshakes, by result.", mt::counter);
    labelled(w, "result", s.handshakes);
    w.family("edgerelay_rekeys_total", "Session rekeys started.", mt::counter);
    w.sample(s.rekeys);

    struct worker_counter {
        const char* name;
        const char* help;
        uint64_t process::worker_view::*field;
    };
    static constexpr worker_counter wcounters[] = {
        {"edgerelay_worker_rx_packets_total", "Packets received by the worker.", &process::worker_view::rx_packets},
        {"edgerelay_worker_rx_bytes_total", "Bytes received by the worker.", &process::worker_view::rx_bytes},
        {"edgerelay_worker_tx_packets_total", "Packets sent by the worker.", &process::worker_view::tx_packets},
        {"edgerelay_worker_tx_bytes_total", "Bytes sent by the worker.", &process::worker_view::tx_bytes},
    };
    for (const auto& c : wcounters) {
        w.family(c.name, c.help, mt::counter);
        for (const auto& we : s.workers) {
            w.sample(metric_labels{{"worker", std::to_string(we.view.worker)}}, we.view.*c.field);
        }
    }
    w.family("edgerelay_worker_busy_ratio", "Share of the worker's loop turns that found packets.", mt::gauge);
    for (const auto& we : s.workers) {
        if (we.busy_ratio) {
            w.sample(metric_labels{{"worker", std::to_string(we.view.worker)}}, *we.busy_ratio);
        }
    }

    w.family("edgerelay_ring_depth", "Entries waiting in a segment ring.", mt::gauge);
    for (const auto& r : s.rings) {
        w.sample(metric_labels{{"ring", r.ring}}, r.depth);
    }
    w.family("edgerelay_ring_capacity", "Size of a segment ring.", mt::gauge);
    for (const auto& r : s.rings) {
        if (r.capacity != 0) {
            w.sample(metric_labels{{"ring", r.ring}}, r.capacity);
        }
    }

    w.family("edgerelay_dht_nodes", "Nodes in the DHT routing table (0 when the DHT is off).", mt::gauge);
    w.sample(s.dht_nodes.value_or(0));
    w.family("edgerelay_dht_records_total", "Relay records read from the DHT, by verdict.", mt::counter);
    labelled(w, "verdict", s.dht_records);

    w.family("edgerelay_neighbour_up", "1 while the tunnel neighbour answers probes.", mt::gauge);
    for (const auto& n : s.neighbours) {
        w.sample(metric_labels{{"neighbour", n.name}}, uint64_t(n.up ? 1 : 0));
    }
    w.family("edgerelay_neighbour_loss_ratio", "Probe loss to the neighbour over the window.", mt::gauge);
    for (const auto& n : s.neighbours) {
        w.sample(metric_labels{{"neighbour", n.name}}, n.loss);
    }
    w.family("edgerelay_probes_lost_total", "Probes to the neighbour not answered in time.", mt::counter);
    for (const auto& n : s.neighbours) {
        w.sample(metric_labels{{"neighbour", n.name}}, n.lost);
    }
    w.family("edgerelay_neighbour_down_transitions_total",
             "Neighbours that went from up to down or held (failovers).", mt::counter);
    w.sample(s.mesh.neighbour_downs);
    w.family("edgerelay_neighbour_holds_total", "Neighbours held down by the flap circuit breaker.",
             mt::counter);
    w.sample(s.mesh.neighbour_holds);
    w.family("edgerelay_route_changes_total", "Mesh routes installed, replaced or withdrawn.", mt::counter);
    w.sample(s.mesh.route_changes);
    w.family("edgerelay_probe_rtt_seconds", "Round-trip times of health probes.", mt::histogram);
    for (const auto& n : s.neighbours) {
        if (n.rtt.counts.size() == n.rtt.upper_bounds.size() + 1) {
            w.histogram(metric_labels{{"neighbour", n.name}}, n.rtt.upper_bounds, n.rtt.counts, n.rtt.sum);
        }
    }

    w.family("edgerelay_routes", "Prefixes installed in the dataplane.", mt::gauge);
    w.sample(uint64_t(s.routes.size()));
    return w.take();
}

} // namespace edgerelay::cp::api
