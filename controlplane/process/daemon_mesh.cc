// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The daemon's mesh side (relay tunnels and mesh routes for the mesh manager) and the data
// behind the HTTP API. Apart from daemon.cc so the event loop stays readable.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "common/crypto/encoding.hh"
#include "controlplane/process/convert.hh"
#include "controlplane/process/daemon.hh"

namespace edgerelay::cp::process {

namespace {

[[gnu::format(printf, 1, 2)]] void log(const char* fmt, ...)
{
    std::va_list ap;
    va_start(ap, fmt);
    std::fputs("edgerelay-controlplane: ", stderr);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}

std::string key_text(const crypto::key32& k)
{
    return crypto::key_to_base64(k.data());
}

api::histogram_data histogram_of(const health::rtt_histogram& h)
{
    api::histogram_data d;
    d.upper_bounds.assign(health::rtt_histogram::bounds_seconds.begin(),
                          health::rtt_histogram::bounds_seconds.end());
    for (std::size_t i = 0; i < health::rtt_histogram::bucket_count; ++i) {
        d.counts.push_back(h.bucket(i));
    }
    d.sum = h.sum_seconds();
    d.count = h.count();
    return d;
}

} // namespace

// ---- mesh_host ----------------------------------------------------------------------------

std::optional<abi::peer_id> control_daemon::add_relay_peer(const crypto::key32& wg_key,
                                                           const wire::endpoint& endpoint,
                                                           const std::string& name)
{
    if (const auto* e = _registry.find(wg_key); e != nullptr && _peers.contains(e->id)) {
        return std::nullopt; // a static or run-time peer has this key: it keeps it
    }
    // Registered like a configuration peer (not a run-time one), so a restarted control plane
    // drops the id at start-up and the mesh adds the tunnel again from fresh records.
    abi::peer_id id = _registry.assign(wg_key, false);
    cp::peer_config pc;
    pc.id = id;
    pc.public_key = wg_key;
    pc.endpoint.remote = endpoint;
    pc.transit = true; // packets from other relays carry sources from behind them
    // Keepalives every 10 s keep NAT bindings and the passive timers of an idle tunnel warm.
    pc.persistent_keepalive_s = 10;
    if (int rc = _pm->add_peer(pc); rc < 0) {
        _registry.erase(wg_key);
        log("mesh: cannot add relay peer %s: %s", key_text(wg_key).c_str(), std::strerror(-rc));
        return std::nullopt;
    }
    peer_info info;
    info.name = name;
    info.from_config = false;
    info.mesh = true;
    info.cfg.public_key = wg_key;
    info.cfg.endpoint = endpoint;
    info.cfg.name = name;
    _peers[id] = std::move(info);
    save_registry();
    if (_phase == phase::running && !_draining) {
        _pm->initiate(id);
    }
    return id;
}

void control_daemon::drop_mesh_routes_via(abi::peer_id id)
{
    for (auto it = _mesh_routes.begin(); it != _mesh_routes.end();) {
        if (it->second.hop == id) {
            send_route(abi::command_type::remove_route, it->second);
            it = _mesh_routes.erase(it);
        } else {
            ++it;
        }
    }
}

void control_daemon::remove_relay_peer(abi::peer_id id)
{
    auto it = _peers.find(id);
    if (it == _peers.end() || !it->second.mesh) {
        return;
    }
    drop_mesh_routes_via(id); // a route must never point at a missing peer
    remove_peer(id);
    save_registry();
}

void control_daemon::ensure_session(abi::peer_id id)
{
    if (_phase != phase::running || _draining) {
        return;
    }
    auto s = _pm->snapshot(id);
    if (s && !s->keypair_index[0]) {
        _pm->initiate(id); // -EALREADY within REKEY_TIMEOUT: fine
    }
}

void control_daemon::set_mesh_route(const abi::prefix& dst, std::optional<abi::next_hop> hop)
{
    for (const auto& r : _routes) {
        if (same_prefix(r.dst, dst)) {
            return; // the configuration's route wins
        }
    }
    std::string text = format_prefix(dst);
    auto it = _mesh_routes.find(text);
    if (!hop) {
        if (it != _mesh_routes.end()) {
            send_route(abi::command_type::remove_route, it->second);
            _mesh_routes.erase(it);
        }
        return;
    }
    if (it != _mesh_routes.end() && it->second.hop == *hop) {
        return;
    }
    route_entry e{dst, *hop};
    // add_route over an existing prefix replaces the next hop in one step (no gap).
    send_route(abi::command_type::add_route, e);
    _mesh_routes[text] = e;
}

void control_daemon::send_inner(abi::peer_id id, std::span<const uint8_t> packet)
{
    if (packet.empty() || packet.size() > abi::max_packet_bytes) {
        return;
    }
    abi::injected_packet p;
    p.kind = abi::inject_kind::inner_packet;
    p.peer = id;
    p.len = static_cast<uint16_t>(packet.size());
    std::memcpy(p.bytes, packet.data(), packet.size());
    inject(p);
}

std::vector<abi::prefix> control_daemon::static_prefixes() const
{
    std::vector<abi::prefix> out;
    for (const auto& [id, info] : _peers) {
        (void)id;
        if (info.mesh) {
            continue;
        }
        for (const auto& p : info.cfg.allowed_ips) {
            out.push_back(to_abi(p));
        }
    }
    return out;
}

bool control_daemon::dataplane_running() const
{
    return _seg.has_value() && _dp_alive && _phase == phase::running;
}

void control_daemon::service_mesh(uint64_t now)
{
    if (!_mesh) {
        return;
    }
    auto wall = static_cast<uint64_t>(_clock.wall().count() / 1'000'000'000);
    _mesh->service(now, wall);
}

// ---- HTTP ---------------------------------------------------------------------------------

void control_daemon::open_http()
{
    _http_provider.readiness = [this] { return readiness(); };
    _http_provider.snapshot = [this] { return snapshot(); };
    std::string error;
    if (_http.open(_cfg.http_address, error) < 0) {
        // Not fatal: forwarding and the control socket do not depend on it.
        log("HTTP API not available on %s: %s", config::format_endpoint(_cfg.http_address).c_str(),
            error.c_str());
        return;
    }
    log("HTTP API on %s", config::format_endpoint(_cfg.http_address).c_str());
}

api::readiness control_daemon::readiness() const
{
    api::readiness r;
    r.dataplane_attached = _seg.has_value();
    r.dataplane_heartbeating = _seg.has_value() && _dp_alive;
    r.tables_programmed = ready();
    r.dht_joined = !_mesh || _mesh->dht_joined();
    r.draining = _draining;
    return r;
}

api::snapshot control_daemon::snapshot()
{
    api::snapshot s;
    s.itf = interface();
    s.now_wall = _clock.wall();
    s.uptime_s = (abi::segment::now_ns() - _start_ns) / 1'000'000'000;
    s.ready = readiness();
    for (auto& v : peer_views()) {
        api::peer_entry e;
        e.view = std::move(v);
        s.peers.push_back(std::move(e));
    }
    s.routes = route_views();
    for (auto& w : worker_views()) {
        api::worker_entry e;
        e.view = std::move(w);
        s.workers.push_back(std::move(e));
    }
    const auto& hc = _pm->counters();
    s.handshakes = {
        {"initiation_sent", hc.initiations_sent},
        {"response_sent", hc.responses_sent},
        {"cookie_reply_sent", hc.cookie_replies_sent},
        {"initiation_accepted", hc.initiations_accepted},
        {"initiation_crossed", hc.initiations_crossed},
        {"response_accepted", hc.responses_accepted},
        {"crossed_completed", hc.crossed_completed},
        {"cookie_reply_accepted", hc.cookie_replies_accepted},
        {"dropped_malformed", hc.dropped_malformed},
        {"dropped_bad_mac", hc.dropped_bad_mac},
        {"dropped_rate_limited", hc.dropped_rate_limited},
        {"dropped_unknown_peer", hc.dropped_unknown_peer},
        {"dropped_rejected", hc.dropped_rejected},
        {"abandoned", hc.handshakes_abandoned},
    };
    s.rekeys = _rekeys;
    if (_seg) {
        for (uint16_t w = 0; w < _seg->lim().workers && w < abi::max_workers; ++w) {
            s.rings.push_back(api::ring_entry{"punt" + std::to_string(w),
                                              _seg->punts(w).read_available(),
                                              abi::punt_ring_capacity});
        }
    }
    s.rings.push_back(api::ring_entry{"commands_pending", _pending.size(), 0});
    if (!_mesh) {
        return s;
    }
    if (auto d = _mesh->dht_stats()) {
        s.dht_nodes = d->routing_nodes;
        for (std::size_t i = 0; i < static_cast<std::size_t>(dht::record_verdict::count); ++i) {
            auto v = static_cast<dht::record_verdict>(i);
            s.dht_records.emplace_back(std::string(dht::verdict_name(v)), d->verdicts[v]);
        }
    }
    s.mesh.neighbour_downs = _mesh->counters().failovers;
    s.mesh.neighbour_holds = _mesh->counters().holds;
    s.mesh.route_changes = _mesh->counters().route_changes;
    for (const auto& n : _mesh->neighbours()) {
        api::neighbour_entry e;
        e.name = n.name;
        e.up = n.status.state == health::link_state::up;
        if (n.status.has_rtt) {
            e.rtt_s = static_cast<double>(n.status.rtt_ewma.count()) / 1e9;
        }
        e.loss = n.status.loss_ratio;
        e.lost = n.status.lost;
        e.late = n.status.late;
        if (n.histogram != nullptr) {
            e.rtt = histogram_of(*n.histogram);
        }
        s.neighbours.push_back(std::move(e));
    }
    const auto& relays = _mesh->topology().relays();
    for (const auto& [key, st] : relays) {
        api::topology_node node;
        node.id = key_text(key);
        node.region = st.region;
        node.self = key == _mesh->self();
        node.name = node.self ? _cfg.instance : node.id.substr(0, 8);
        if (st.has_location) {
            node.latitude = st.location.lat;
            node.longitude = st.location.lon;
        }
        s.nodes.push_back(std::move(node));
        for (const auto& l : st.links) {
            api::topology_edge e;
            e.from = key_text(key);
            e.to = key_text(l.neighbour);
            if (l.rtt_us != 0) {
                e.rtt_s = static_cast<double>(l.rtt_us) / 1e6;
            }
            e.loss = static_cast<double>(l.loss_permille) / 1000.0;
            e.up = l.up;
            s.edges.push_back(std::move(e));
        }
    }
    return s;
}

} // namespace edgerelay::cp::process
