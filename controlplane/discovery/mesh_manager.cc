// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The mesh on the control plane's loop: DHT records in, tunnels, probes and routes out.
#include "controlplane/discovery/mesh_manager.hh"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "common/crypto/encoding.hh"
#include "controlplane/health/probe_address.hh"
#include "controlplane/process/convert.hh"
#include "controlplane/routing/neighbour_policy.hh"

namespace edgerelay::cp::discovery {

namespace {

constexpr uint64_t ms = 1'000'000;
constexpr uint64_t sec = 1000 * ms;
// Lookups are frequent while the mesh is young (a relay just started and knows nobody), then
// relax: records are refreshed by their owners and a lookup costs a DHT traversal.
constexpr uint64_t lookup_fast = 3 * sec;
constexpr uint64_t lookup_slow = 20 * sec;
// The record: republished every publish_refresh (well before record_lifetime), and at most
// every publish_min_gap when our links change (a flapping link must not flood the DHT).
constexpr uint64_t publish_refresh = 60 * sec;
constexpr uint64_t publish_retry = 5 * sec;
constexpr uint64_t publish_min_gap = 2 * sec;
constexpr uint64_t record_lifetime_s = 300;
// Routes follow measured costs at most once a second; up/down changes recompute at once.
constexpr uint64_t recompute_interval = 1 * sec;
constexpr uint64_t select_interval = 5 * sec;
constexpr uint64_t session_kick_interval = 2 * sec;

[[gnu::format(printf, 1, 2)]] void log(const char* fmt, ...)
{
    std::va_list ap;
    va_start(ap, fmt);
    std::fputs("edgerelay-controlplane: mesh: ", stderr);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}

std::string short_key(const crypto::key32& k)
{
    return crypto::key_to_base64(k.data()).substr(0, 8);
}

// The probe prefix (fd65:6467:6572::/48) doubles as the mesh-wide rendezvous: every relay
// lists it among its prefixes, so the DHT announces every relay under it and one
// lookup_prefix finds relays of every region (region lookups alone never cross regions).
config::prefix probe_space()
{
    config::prefix p;
    p.family = 6;
    std::copy(health::probe_prefix.begin(), health::probe_prefix.end(), p.addr);
    p.len = 48;
    return p;
}

bool is_probe_space(const config::prefix& p)
{
    return p.family == 6 && p.len >= 48 &&
           std::equal(health::probe_prefix.begin(), health::probe_prefix.end(), p.addr);
}

// Published costs are rounded: RTT up to whole milliseconds, loss down to 5 % steps. Jitter
// below that (scheduling noise on a busy host) must not move routes between equal paths.
uint32_t published_rtt_us(const health::neighbour_status& s)
{
    if (!s.has_rtt) {
        return 0;
    }
    auto us = static_cast<uint64_t>(s.rtt_ewma.count() / 1000);
    uint64_t rounded = (us / 1000 + 1) * 1000;
    return static_cast<uint32_t>(std::min<uint64_t>(rounded, UINT32_MAX));
}

uint16_t published_loss(const health::neighbour_status& s)
{
    double l = std::clamp(s.loss_ratio, 0.0, 1.0);
    auto permille = static_cast<uint16_t>(l * 1000);
    return static_cast<uint16_t>(permille / 50 * 50);
}

routing::candidate candidate_of(const crypto::key32& wg, const std::string& region,
                                double lat, double lon, bool has_location)
{
    routing::candidate c;
    c.key = wg;
    c.region = region;
    c.has_location = has_location;
    c.location = routing::geo_point{lat, lon};
    return c;
}

} // namespace

bool mesh_enabled(const config::config& c) noexcept
{
    return !c.bootstrap.empty() || !c.region.empty();
}

std::vector<wire::endpoint> announced_endpoints(const config::config& c)
{
    if (!c.announce.endpoints.empty()) {
        return c.announce.endpoints;
    }
    std::vector<wire::endpoint> out;
    auto usable = [](const wire::endpoint& e) {
        return !e.empty() && std::any_of(e.addr, e.addr + 16, [](uint8_t b) { return b != 0; });
    };
    if (c.dataplane.driver != config::driver_kind::dpdk && usable(c.dataplane.io_uring.bind)) {
        wire::endpoint e = c.dataplane.io_uring.bind;
        e.port = c.listen_port;
        out.push_back(e);
    }
    if (c.dataplane.driver != config::driver_kind::io_uring) {
        for (const auto& p : c.dataplane.ports) {
            if (p.role != config::port_role::underlay || !p.address) {
                continue;
            }
            wire::endpoint e;
            e.family = p.address->family;
            std::memcpy(e.addr, p.address->addr, 16);
            e.port = c.listen_port;
            if (usable(e)) {
                out.push_back(e);
            }
        }
    }
    return out;
}

mesh_manager::mesh_manager(const config::config& cfg, const crypto::key32& wg_public,
                           const crypto::ed25519_keypair& node_key, mesh_host& host)
    : _cfg(cfg), _self(wg_public), _node_key(node_key), _host(host),
      _prober(wg_public, [&] {
          health::prober_config pc;
          pc.interval = std::chrono::milliseconds(cfg.health.interval_ms);
          pc.detect_multiplier = cfg.health.misses;
          pc.reply_timeout = std::chrono::milliseconds(cfg.health.timeout_ms); // 0: the default
          std::memcpy(&pc.seed, wg_public.data(), sizeof pc.seed);
          return pc;
      }())
{
    if (!_cfg.region.empty()) {
        _regions.insert(_cfg.region);
    }
}

mesh_manager::~mesh_manager() = default;

void mesh_manager::start()
{
    dht::dht_options o;
    o.port = _cfg.dht.port;
    o.bootstrap = _cfg.bootstrap;
    o.state_file = _cfg.dht.state_file;
    _dht = std::make_unique<dht::dht_node>(o, _node_key);
    _started = true;
    auto eps = announced_endpoints(_cfg);
    log("DHT node on UDP port %u, %zu bootstrap relays, region \"%s\", announcing %zu endpoints",
        unsigned(_dht->port()), _cfg.bootstrap.size(), _cfg.region.c_str(), eps.size());
    if (eps.empty()) {
        log("no endpoint to announce (the io_uring bind address is a wildcard): other relays "
            "cannot call this one; set announce.endpoints");
    }
}

void mesh_manager::service(uint64_t now_ns, uint64_t wall_s)
{
    if (!_started) {
        return;
    }
    _now = now_ns;
    take_records(_dht->poll(wall_s), now_ns, wall_s);
    (void)_dht->take_finished_lookups();
    lookups(now_ns);
    if (_neighbours_dirty || now_ns - _last_select >= select_interval) {
        select_neighbours(wall_s);
        _last_select = now_ns;
        _neighbours_dirty = false;
    }
    probe(now_ns);
    if (_routes_dirty || now_ns - _last_recompute >= recompute_interval) {
        recompute_routes();
        _last_recompute = now_ns;
        _routes_dirty = false;
    }
    publish(now_ns, wall_s);
}

void mesh_manager::take_records(std::vector<dht::relay_record> records, uint64_t now_ns,
                                uint64_t wall_s)
{
    for (auto& r : records) {
        if (r.node_key == _node_key.public_key) {
            continue;
        }
        crypto::key32 wg;
        std::memcpy(wg.data(), r.wg_key.data(), 32);
        if (wg == _self) {
            continue; // someone else claims our WireGuard key: never a tunnel to ourselves
        }
        // A WireGuard key moving to another node key: the old binding goes.
        if (auto it = _node_of_wg.find(wg); it != _node_of_wg.end() && it->second != r.node_key) {
            continue; // first come keeps it until its record expires
        }
        auto& rel = _relays[r.node_key];
        bool fresh = rel.record.node_key != r.node_key;
        rel.record = std::move(r);
        rel.wg = wg;
        _node_of_wg[wg] = rel.record.node_key;
        if (!rel.record.region.empty()) {
            _regions.insert(rel.record.region);
        }
        if (fresh) {
            log("found relay %s (region \"%s\", %zu prefixes, %zu links)", short_key(wg).c_str(),
                rel.record.region.c_str(), rel.record.prefixes.size(), rel.record.links.size());
        }
        _neighbours_dirty = true;
        _routes_dirty = true;
    }
    // Expired (or withdrawn) records leave the database; their tunnels go in select.
    for (auto it = _relays.begin(); it != _relays.end();) {
        if (it->second.record.expiry <= wall_s) {
            log("relay %s: record expired or withdrawn", short_key(it->second.wg).c_str());
            if (it->second.peer != abi::no_peer) {
                _prober.remove(it->second.wg);
                _wg_of_peer.erase(it->second.peer);
                _host.remove_relay_peer(it->second.peer);
                ++_counters.relay_peers_removed;
            }
            _db.remove(it->second.wg);
            _node_of_wg.erase(it->second.wg);
            it = _relays.erase(it);
            _routes_dirty = true;
        } else {
            ++it;
        }
    }
    if (_routes_dirty) {
        rebuild_db(now_ns);
    }
}

void mesh_manager::rebuild_db(uint64_t now_ns)
{
    // From scratch: a record's links name neighbours by node key, and only records we hold
    // translate them, so a record that arrived before its neighbours' must be read again.
    _db = routing::link_state_db{};
    for (const auto& [node, rel] : _relays) {
        (void)node;
        _db.update(state_of(rel.record), std::chrono::nanoseconds(now_ns));
    }
    update_self(now_ns);
}

void mesh_manager::update_self(uint64_t now_ns)
{
    routing::relay_state s;
    s.key = _self;
    s.has_location = _cfg.location.has_value();
    if (_cfg.location) {
        s.location = routing::geo_point{_cfg.location->latitude, _cfg.location->longitude};
    }
    s.region = _cfg.region;
    for (const auto& p : _cfg.announce.prefixes) {
        s.prefixes.push_back(p);
    }
    for (const auto& p : _host.static_prefixes()) {
        auto c = process::to_config(p);
        if (std::find(s.prefixes.begin(), s.prefixes.end(), c) == s.prefixes.end()) {
            s.prefixes.push_back(c);
        }
    }
    for (const auto& o : overrides()) {
        s.links.push_back(routing::link{o.neighbour, o.rtt_us, o.loss_permille, o.up});
    }
    s.seq = ++_self_seq;
    _db.update(std::move(s), std::chrono::nanoseconds(now_ns));
}

void mesh_manager::lookups(uint64_t now_ns)
{
    // Fast only until we know somebody: every lookup fetches every record again, and storing
    // nodes may block a source that queries them more than 5 times a second (libtorrent's
    // dht_block_ratelimit); 3 s lookups of a known mesh made discovery worse, not better.
    uint64_t interval = _relays.empty() ? lookup_fast : lookup_slow;
    if (_last_lookup != 0 && now_ns - _last_lookup < interval) {
        return;
    }
    _last_lookup = now_ns;
    _dht->lookup_prefix(probe_space());
    for (const auto& r : _regions) {
        _dht->lookup_region(r);
    }
}

void mesh_manager::select_neighbours(uint64_t wall_s)
{
    (void)wall_s;
    std::vector<routing::candidate> all;
    routing::candidate me = candidate_of(_self, _cfg.region,
                                         _cfg.location ? _cfg.location->latitude : 0,
                                         _cfg.location ? _cfg.location->longitude : 0,
                                         _cfg.location.has_value());
    all.push_back(me);
    for (const auto& [node, rel] : _relays) {
        (void)node;
        all.push_back(candidate_of(rel.wg, rel.record.region, rel.record.latitude,
                                   rel.record.longitude, true));
    }
    std::vector<crypto::key32> mine = routing::neighbour_policy(me, all, _cfg.dht.k_nearest);
    std::set<crypto::key32> want(mine.begin(), mine.end());
    // Tunnels are symmetric: we also keep the relays whose own policy picks us, computed over
    // the same candidates. (Not "whoever lists us as a link": two relays that once picked each
    // other would keep each other alive through their published links forever.)
    for (const auto& [node, rel] : _relays) {
        (void)node;
        for (const auto& c : all) {
            if (c.key != rel.wg) {
                continue;
            }
            auto theirs = routing::neighbour_policy(c, all, _cfg.dht.k_nearest);
            if (std::find(theirs.begin(), theirs.end(), _self) != theirs.end()) {
                want.insert(rel.wg);
            }
            break;
        }
    }
    for (auto& [node, rel] : _relays) {
        (void)node;
        bool wanted = want.contains(rel.wg);
        if (wanted && rel.peer == abi::no_peer) {
            wire::endpoint ep;
            for (const auto& e : rel.record.endpoints) {
                if (!e.empty()) {
                    ep = e;
                    break;
                }
            }
            if (ep.empty()) {
                continue; // nowhere to send a handshake; it will call us if it can
            }
            rel.name = "relay-" + (rel.record.region.empty() ? std::string("none")
                                                              : rel.record.region) +
                       "-" + short_key(rel.wg);
            auto id = _host.add_relay_peer(rel.wg, ep, rel.name);
            if (!id) {
                continue;
            }
            rel.peer = *id;
            _wg_of_peer[*id] = rel.wg;
            _prober.add(rel.wg);
            ++_counters.relay_peers_added;
            log("tunnel to %s (%s) as peer %u", rel.name.c_str(),
                config::format_endpoint(ep).c_str(), unsigned(*id));
            _routes_dirty = true;
        } else if (!wanted && rel.peer != abi::no_peer) {
            log("tunnel to %s no longer selected; removing peer %u", rel.name.c_str(),
                unsigned(rel.peer));
            _prober.remove(rel.wg);
            _wg_of_peer.erase(rel.peer);
            _host.remove_relay_peer(rel.peer);
            rel.peer = abi::no_peer;
            ++_counters.relay_peers_removed;
            _routes_dirty = true;
        }
    }
}

void mesh_manager::probe(uint64_t now_ns)
{
    if (!_host.dataplane_running()) {
        return;
    }
    std::vector<health::outgoing_probe> out;
    _prober.tick(std::chrono::nanoseconds(now_ns), out);
    for (const auto& p : out) {
        auto it = _node_of_wg.find(p.neighbour);
        if (it == _node_of_wg.end()) {
            continue;
        }
        auto rel = _relays.find(it->second);
        if (rel == _relays.end() || rel->second.peer == abi::no_peer) {
            continue;
        }
        _host.send_inner(rel->second.peer, p.packet);
        ++_counters.probes_sent;
    }
    auto transitions = _prober.drain_transitions();
    for (const auto& t : transitions) {
        std::string name = short_key(t.neighbour);
        if (auto it = _node_of_wg.find(t.neighbour); it != _node_of_wg.end()) {
            if (auto rel = _relays.find(it->second); rel != _relays.end()) {
                name = rel->second.name;
            }
        }
        log("neighbour %s: %s -> %s", name.c_str(), health::to_string(t.from),
            health::to_string(t.to));
        if (t.from == health::link_state::up) {
            ++_counters.failovers;
        }
        if (t.to == health::link_state::held) {
            ++_counters.holds;
        }
    }
    if (!transitions.empty()) {
        // The failover path: recompute now, in this loop turn, not at the next interval.
        recompute_routes();
        _last_recompute = now_ns;
    }
    if (now_ns - _last_session_kick >= session_kick_interval) {
        _last_session_kick = now_ns;
        for (const auto& [node, rel] : _relays) {
            (void)node;
            if (rel.peer == abi::no_peer) {
                continue;
            }
            auto st = _prober.status(rel.wg);
            if (!st || st->state != health::link_state::up) {
                _host.ensure_session(rel.peer);
            }
        }
    }
}

void mesh_manager::on_inner_packet(abi::peer_id from, std::span<const uint8_t> packet,
                                   uint64_t now_ns)
{
    (void)from;
    ++_counters.probe_packets_in;
    auto receipt = _prober.on_packet(std::chrono::nanoseconds(now_ns), packet);
    if (receipt.disposition == health::probe_disposition::malformed) {
        ++_malformed_probes;
        return;
    }
    if (receipt.reply) {
        auto it = _node_of_wg.find(receipt.reply->neighbour);
        if (it == _node_of_wg.end()) {
            return;
        }
        auto rel = _relays.find(it->second);
        if (rel != _relays.end() && rel->second.peer != abi::no_peer) {
            _host.send_inner(rel->second.peer, receipt.reply->packet);
        }
    }
}

std::string mesh_manager::link_signature() const
{
    std::string s;
    for (const auto& k : _prober.neighbours()) {
        auto st = _prober.status(k);
        s += short_key(k);
        s += st && st->state == health::link_state::up ? "+" : "-";
    }
    return s;
}

dht::relay_record mesh_manager::own_record(uint64_t wall_s) const
{
    dht::relay_record r;
    r.node_key = _node_key.public_key;
    std::memcpy(r.wg_key.data(), _self.data(), 32);
    r.endpoints = announced_endpoints(_cfg);
    r.region = _cfg.region;
    if (_cfg.location) {
        r.latitude = _cfg.location->latitude;
        r.longitude = _cfg.location->longitude;
    }
    r.capacity = _cfg.dataplane.max_peers;
    r.load = static_cast<uint32_t>(_wg_of_peer.size());
    std::set<std::string> seen;
    auto add = [&](const config::prefix& p) {
        if (seen.insert(config::format_prefix(p)).second) {
            r.prefixes.push_back(p);
        }
    };
    for (const auto& p : _cfg.announce.prefixes) {
        add(p);
    }
    for (const auto& p : _host.static_prefixes()) {
        add(process::to_config(p));
    }
    add(probe_space());
    for (const auto& k : _prober.neighbours()) {
        auto it = _node_of_wg.find(k);
        auto st = _prober.status(k);
        if (it == _node_of_wg.end() || !st) {
            continue;
        }
        dht::relay_link l;
        l.node_key = it->second;
        l.up = st->state == health::link_state::up;
        l.rtt_us = published_rtt_us(*st);
        l.loss_permille = published_loss(*st);
        r.links.push_back(l);
    }
    r.timestamp = wall_s;
    r.expiry = wall_s + record_lifetime_s;
    return r;
}

void mesh_manager::publish(uint64_t now_ns, uint64_t wall_s)
{
    if (_draining) {
        return;
    }
    std::string sig = link_signature();
    bool due = _last_publish == 0 || now_ns - _last_publish >= publish_refresh ||
               (_counters.publishes == 0 && now_ns - _last_publish >= publish_retry) ||
               (!_dht->joined() && now_ns - _last_publish >= publish_retry);
    bool changed = sig != _published_links && now_ns - _last_publish >= publish_min_gap;
    if (!due && !changed) {
        return;
    }
    _last_publish = now_ns;
    if (_dht->publish(own_record(wall_s))) {
        ++_counters.publishes;
        _published_links = sig;
    } else {
        log("relay record refused by the DHT layer (larger than 1000 bytes?)");
    }
}

routing::relay_state mesh_manager::state_of(const dht::relay_record& r) const
{
    routing::relay_state s;
    std::memcpy(s.key.data(), r.wg_key.data(), 32);
    s.has_location = true;
    s.location = routing::geo_point{r.latitude, r.longitude};
    s.region = r.region;
    for (const auto& p : r.prefixes) {
        if (!is_probe_space(p)) {
            s.prefixes.push_back(p);
        }
    }
    for (const auto& l : r.links) {
        crypto::key32 wg{};
        if (l.node_key == _node_key.public_key) {
            wg = _self;
        } else if (auto it = _relays.find(l.node_key); it != _relays.end()) {
            wg = it->second.wg;
        } else {
            continue; // a neighbour we have no record of: no key to name it by
        }
        if (std::any_of(s.links.begin(), s.links.end(),
                        [&](const routing::link& x) { return x.neighbour == wg; }) ||
            wg == s.key) {
            continue;
        }
        routing::link x;
        x.neighbour = wg;
        x.rtt_us = l.rtt_us;
        x.loss_permille = l.loss_permille;
        x.up = l.up;
        s.links.push_back(x);
    }
    s.seq = static_cast<uint64_t>(std::max<int64_t>(r.seq, 0));
    return s;
}

std::vector<routing::local_override> mesh_manager::overrides() const
{
    std::vector<routing::local_override> out;
    for (const auto& k : _prober.neighbours()) {
        auto st = _prober.status(k);
        if (!st) {
            continue;
        }
        routing::local_override o;
        o.neighbour = k;
        o.up = st->state == health::link_state::up;
        o.rtt_us = published_rtt_us(*st);
        o.loss_permille = published_loss(*st);
        out.push_back(o);
    }
    return out;
}

void mesh_manager::recompute_routes()
{
    ++_counters.route_recomputes;
    update_self(_now);
    const auto ov = overrides();
    // A neighbour our prober holds down is taken out of the graph as a node, not only as our
    // link: other relays' records reach us through the DHT seconds late and still show their
    // links to it up, and routing through them toward it loops (A via B, B via A) until the
    // records catch up. Tunnels are symmetric, so a neighbour that stops answering us is far
    // more likely dead than reachable only around us.
    routing::link_state_db db;
    {
        std::set<crypto::key32> dead;
        for (const auto& o : ov) {
            if (!o.up) {
                dead.insert(o.neighbour);
            }
        }
        for (const auto& [key, st] : _db.relays()) {
            if (dead.contains(key)) {
                continue;
            }
            routing::relay_state copy = st;
            std::erase_if(copy.links, [&](const routing::link& l) { return dead.contains(l.neighbour); });
            db.update(std::move(copy), st.received);
        }
    }
    auto table = routing::compute_routes(_self, db, ov);
    // Hysteresis: a route keeps its next hop while that neighbour is up and still reaches the
    // prefix, unless another path has been at least 20 % (and 2 ms) cheaper for 5 s
    // (routing::route_hysteresis). Equal paths whose measured costs wobble around each other
    // must not swap the flow back and forth (reordering, and a failover that is no longer about
    // the path the flow is on). The cost via one neighbour is the shortest path with our other
    // links taken down, computed once per neighbour.
    std::map<crypto::key32, std::map<std::string, uint64_t>> via_cost;
    auto cost_via = [&](const crypto::key32& nh, const std::string& text) -> std::optional<uint64_t> {
        auto it = via_cost.find(nh);
        if (it == via_cost.end()) {
            auto only = ov;
            for (auto& o : only) {
                o.up = o.up && o.neighbour == nh;
            }
            std::map<std::string, uint64_t> costs;
            for (const auto& r : routing::compute_routes(_self, db, only).routes) {
                if (r.next_hop == nh) {
                    costs[config::format_prefix(r.dst)] = r.cost_us;
                }
            }
            it = via_cost.emplace(nh, std::move(costs)).first;
        }
        auto c = it->second.find(text);
        return c == it->second.end() ? std::nullopt : std::optional<uint64_t>(c->second);
    };
    std::map<std::string, std::pair<abi::prefix, abi::next_hop>> want;
    // Our own probe address goes to this control plane: that is how probes reach the prober.
    {
        config::prefix own;
        own.family = 6;
        auto a = _prober.address();
        std::memcpy(own.addr, a.data(), 16);
        own.len = 128;
        want[config::format_prefix(own)] = {process::to_abi(own), abi::next_hop_control};
    }
    for (const auto& r : table.routes) {
        if (is_probe_space(r.dst)) {
            continue;
        }
        auto it = _node_of_wg.find(r.next_hop);
        if (it == _node_of_wg.end()) {
            continue;
        }
        auto rel = _relays.find(it->second);
        if (rel == _relays.end() || rel->second.peer == abi::no_peer) {
            continue; // not (yet) a tunnel of ours
        }
        std::string text = config::format_prefix(r.dst);
        abi::next_hop hop = rel->second.peer;
        std::optional<routing::hop_cost> kept; // the installed hop, if it can stay
        auto inst = _installed.find(text);
        if (inst != _installed.end() && inst->second.second == hop) {
            kept = routing::hop_cost{r.next_hop, r.cost_us};
        } else if (inst != _installed.end()) {
            auto old_wg = _wg_of_peer.find(inst->second.second);
            auto st = old_wg == _wg_of_peer.end() ? std::nullopt : _prober.status(old_wg->second);
            if (st && st->state == health::link_state::up) {
                if (auto old_cost = cost_via(old_wg->second, text)) {
                    kept = routing::hop_cost{old_wg->second, *old_cost};
                }
            }
        }
        const auto now = std::chrono::nanoseconds(_now);
        if (_hysteresis.choose(text, kept, {r.next_hop, r.cost_us}, now) != r.next_hop) {
            hop = inst->second.second; // not better enough for long enough: stay
        }
        want[text] = {process::to_abi(r.dst), hop};
    }
    for (auto it = _installed.begin(); it != _installed.end();) {
        if (!want.contains(it->first)) {
            _host.set_mesh_route(it->second.first, std::nullopt);
            ++_counters.route_changes;
            log("route %s withdrawn", it->first.c_str());
            _hysteresis.forget(it->first);
            it = _installed.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [text, entry] : want) {
        auto it = _installed.find(text);
        if (it != _installed.end() && it->second.second == entry.second) {
            continue;
        }
        _host.set_mesh_route(entry.first, entry.second);
        ++_counters.route_changes;
        if (entry.second != abi::next_hop_control) {
            std::string via = "peer " + std::to_string(entry.second);
            if (auto w = _wg_of_peer.find(entry.second); w != _wg_of_peer.end()) {
                if (auto n = _node_of_wg.find(w->second); n != _node_of_wg.end()) {
                    via = _relays.at(n->second).name;
                }
            }
            log("route %s via %s", text.c_str(), via.c_str());
        }
        _installed[text] = entry;
    }
}

void mesh_manager::drain()
{
    if (_started && !_draining) {
        _dht->withdraw();
        log("record withdrawn (drain)");
    }
    _draining = true;
}

void mesh_manager::forget_peer(abi::peer_id id)
{
    auto it = _wg_of_peer.find(id);
    if (it == _wg_of_peer.end()) {
        return;
    }
    _prober.remove(it->second);
    if (auto n = _node_of_wg.find(it->second); n != _node_of_wg.end()) {
        if (auto rel = _relays.find(n->second); rel != _relays.end()) {
            rel->second.peer = abi::no_peer;
        }
    }
    _wg_of_peer.erase(it);
    for (auto r = _installed.begin(); r != _installed.end();) {
        r = r->second.second == id ? _installed.erase(r) : std::next(r);
    }
    _routes_dirty = true;
}

bool mesh_manager::is_relay_peer(abi::peer_id id) const
{
    return _wg_of_peer.contains(id);
}

std::vector<neighbour_view> mesh_manager::neighbours() const
{
    std::vector<neighbour_view> out;
    for (const auto& [node, rel] : _relays) {
        if (rel.peer == abi::no_peer) {
            continue;
        }
        auto st = _prober.status(rel.wg);
        if (!st) {
            continue;
        }
        neighbour_view v;
        v.wg_key = rel.wg;
        v.node_key = node;
        v.peer = rel.peer;
        v.name = rel.name;
        v.status = *st;
        v.histogram = _prober.histogram(rel.wg);
        out.push_back(std::move(v));
    }
    return out;
}

std::optional<dht::dht_stats> mesh_manager::dht_stats() const
{
    if (!_dht) {
        return std::nullopt;
    }
    return _dht->stats();
}

bool mesh_manager::dht_joined() const
{
    return _dht && _dht->joined();
}

} // namespace edgerelay::cp::discovery
