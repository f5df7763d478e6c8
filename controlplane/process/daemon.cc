// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The control plane's single-threaded loop: attach, reconcile/replay, punts, events, timers.
#include "controlplane/process/daemon.hh"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>

#include "common/abi/validate.hh"
#include "common/crypto/encoding.hh"
#include "controlplane/process/convert.hh"
#include "controlplane/process/keys.hh"

namespace edgerelay::cp::process {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

constexpr uint64_t ms = 1'000'000;
constexpr uint64_t heartbeat_timeout = 1000 * ms;
constexpr uint64_t tick_interval = 100 * ms;
constexpr uint64_t attach_interval = 1000 * ms;
// Own commands (reconcile, routes, readback) are numbered in the upper half, so their replies
// are never mistaken for the peer manager's, which counts up from 1.
constexpr uint64_t own_seq_base = 1ull << 63;
constexpr std::size_t max_inflight = 1u << 16;
constexpr std::size_t max_pending_inject = 1024;
constexpr std::size_t max_events_per_loop = 4096;
constexpr std::size_t max_punts_per_loop = 256;

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

const char* command_name(abi::command_type t)
{
    static constexpr const char* names[] = {
        "none",          "add_peer",       "remove_peer",      "set_endpoint",
        "install_keypair", "retire_keypair", "add_route",      "remove_route",
        "add_allowed_ip", "remove_allowed_ip", "add_splice",   "remove_splice",
        "set_limits",    "readback",       "send_keepalive"};
    auto i = std::size_t(t);
    return i < std::size(names) ? names[i] : "unknown";
}

bool incompatible(const std::string& attach_error)
{
    return attach_error.find("speaks ABI") != std::string::npos ||
           attach_error.find("mismatch") != std::string::npos ||
           attach_error.find("bad magic") != std::string::npos;
}

const char* state_text(handshake::state s)
{
    switch (s) {
    case handshake::state::zeroed:
        return "idle";
    case handshake::state::created_initiation:
        return "initiation sent";
    case handshake::state::consumed_initiation:
        return "initiation received";
    case handshake::state::created_response:
        return "response sent";
    case handshake::state::consumed_response:
        return "response received";
    }
    return "unknown";
}

// Reads a preshared key file (`wg genpsk` form), which must be private like a private key.
std::optional<crypto::secret32> read_psk(const std::string& path, std::string& error)
{
    try {
        config::check_key_file_mode(path);
    } catch (const config::config_error& e) {
        error = std::string(e.what());
        return std::nullopt;
    }
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    auto k = crypto::key_from_base64(line);
    crypto::wipe(line.data(), line.size());
    if (!k) {
        error = path + ": not a preshared key (one base64 line, as `wg genpsk` prints)";
        return std::nullopt;
    }
    crypto::secret32 s;
    std::memcpy(s.data(), k->data(), 32);
    crypto::wipe(k->data(), k->size());
    return s;
}

cp::peer_config to_pm(abi::peer_id id, const config::peer_config& pc)
{
    cp::peer_config out;
    out.id = id;
    out.public_key = pc.public_key;
    if (pc.preshared_key) {
        out.psk = *pc.preshared_key;
    }
    out.endpoint.remote = pc.endpoint;
    for (const auto& p : pc.allowed_ips) {
        out.allowed_ips.push_back(to_abi(p));
    }
    out.persistent_keepalive_s = pc.persistent_keepalive;
    return out;
}

std::string dir_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

} // namespace

void control_daemon::request_stop() noexcept
{
    g_stop.store(true, std::memory_order_relaxed);
}

void control_daemon::request_reload() noexcept
{
    g_reload.store(true, std::memory_order_relaxed);
}

control_daemon::control_daemon(std::string config_path, drop_name_fn drop_name)
    : _config_path(std::move(config_path)), _drop_name(drop_name)
{
    _cfg = config::load(_config_path);

    auto priv = load_or_create_private_key(_cfg.identity.private_key_file);
    _identity = std::make_unique<static_identity>(priv.key);
    if (priv.created) {
        log("generated a new WireGuard private key in %s (mode 0600); public key %s",
            _cfg.identity.private_key_file.c_str(), key_text(_identity->pub).c_str());
    }
    auto node = load_or_create_node_key(_cfg.identity.node_key_file);
    _node_key = std::move(node.key);
    if (node.created) {
        log("generated a new Ed25519 node key in %s (mode 0600)",
            _cfg.identity.node_key_file.c_str());
    }
    _pm = std::make_unique<peer_manager>(*_identity, _clock, *this);

    std::string error;
    if (_socket.open(_cfg.control_socket, error) < 0) {
        throw std::runtime_error(error);
    }
    _registry_path = dir_of(_cfg.control_socket) + "/" + _cfg.instance + ".peers";
    std::vector<std::string> warnings;
    if (int rc = _registry.load(_registry_path, warnings); rc < 0) {
        log("cannot read peer id registry %s: %s; peer ids are assigned afresh",
            _registry_path.c_str(), std::strerror(-rc));
    }
    for (const auto& w : warnings) {
        log("%s", w.c_str());
    }
    load_peers_and_routes();
    _start_ns = abi::segment::now_ns();
    if (discovery::mesh_enabled(_cfg)) {
        _mesh = std::make_unique<discovery::mesh_manager>(_cfg, _identity->pub, _node_key, *this);
        _mesh->start(); // throws (exit 1) when the DHT port cannot bind
    }
    open_http();
}

control_daemon::~control_daemon() = default;

// ---- peers and routes ---------------------------------------------------------------------

void control_daemon::load_peers_and_routes()
{
    std::vector<crypto::key32> keys;
    for (std::size_t i = 0; i < _cfg.peers.size(); ++i) {
        const auto& pc = _cfg.peers[i];
        std::string error;
        if (add_peer(pc, true, nullptr, error) < 0) {
            throw std::runtime_error(_config_path + ": peers[" + std::to_string(i) + "]: " + error);
        }
        keys.push_back(pc.public_key);
    }
    _registry.retain_config(keys);
    // Peers added with add-peer before a restart come back with the same ids.
    std::vector<std::pair<crypto::key32, std::vector<std::string>>> runtime;
    for (const auto& [key, e] : _registry.entries()) {
        if (e.runtime && !_peers.contains(e.id)) {
            runtime.emplace_back(key, e.add_peer_args);
        }
    }
    for (const auto& [key, args] : runtime) {
        std::string error;
        auto a = parse_add_peer(args, error);
        config::peer_config pc;
        std::optional<crypto::secret32> psk;
        if (a && !a->psk_file.empty()) {
            psk = read_psk(a->psk_file, error);
        }
        if (!a || (!a->psk_file.empty() && !psk)) {
            log("dropping run-time peer %s from %s: %s", key_text(key).c_str(),
                _registry_path.c_str(), error.c_str());
            _registry.erase(key);
            continue;
        }
        pc.public_key = a->public_key;
        pc.endpoint = a->endpoint;
        pc.allowed_ips = a->allowed_ips;
        pc.preshared_key = std::move(psk);
        pc.persistent_keepalive = a->persistent_keepalive;
        pc.name = a->name;
        if (add_peer(pc, false, &*a, error) < 0) {
            log("dropping run-time peer %s: %s", key_text(key).c_str(), error.c_str());
            _registry.erase(key);
        }
    }
    _routes = routes_of(_cfg);
    if (int rc = save_registry(); rc < 0) {
        log("cannot write peer id registry %s: %s; a restarted control plane may renumber peers",
            _registry_path.c_str(), std::strerror(-rc));
    }
}

int control_daemon::save_registry()
{
    return _registry.save(_registry_path);
}

int control_daemon::add_peer(const config::peer_config& pc, bool from_config, const add_peer_args* runtime,
                     std::string& error)
{
    if (_registry.find(pc.public_key) != nullptr) {
        abi::peer_id existing = _registry.find(pc.public_key)->id;
        if (_peers.contains(existing)) {
            error = "peer " + key_text(pc.public_key) + " is already configured";
            return -EEXIST;
        }
    }
    abi::peer_id id = _registry.assign(pc.public_key, !from_config,
                                       runtime ? format_add_peer(*runtime)
                                               : std::vector<std::string>{});
    int rc = _pm->add_peer(to_pm(id, pc));
    if (rc < 0) {
        _registry.erase(pc.public_key);
        error = rc == -EEXIST ? "public key already used by another peer"
                : pc.public_key == _identity->pub
                    ? "this is the relay's own public key; a relay cannot be its own peer"
                    : "invalid peer (zero key or bad allowed IP)";
        return rc;
    }
    peer_info info;
    info.name = pc.name;
    info.from_config = from_config;
    info.cfg = pc;
    if (runtime != nullptr) {
        info.runtime = *runtime;
    }
    _peers[id] = std::move(info);
    return 0;
}

void control_daemon::remove_peer(abi::peer_id id)
{
    // Routes through the peer go first: a route must never point at a missing peer.
    std::erase_if(_routes, [&](const route_entry& r) {
        if (r.hop == id) {
            send_route(abi::command_type::remove_route, r);
            return true;
        }
        return false;
    });
    _pm->remove_peer(id);
    if (auto it = _peers.find(id); it != _peers.end()) {
        _registry.erase(it->second.cfg.public_key);
        _peers.erase(it);
    }
}

std::vector<control_daemon::route_entry> control_daemon::routes_of(const config::config& c) const
{
    std::vector<route_entry> out;
    for (const auto& r : c.routes) {
        route_entry e{to_abi(r.dest), abi::next_hop_local};
        if (!r.local) {
            const auto* reg = _registry.find(c.peers.at(r.peer).public_key);
            if (reg == nullptr) {
                continue; // peer failed to load; already reported
            }
            e.hop = reg->id;
        }
        out.push_back(e);
    }
    return out;
}

void control_daemon::send_route(abi::command_type t, const route_entry& r)
{
    abi::command c;
    c.type = t;
    c.body.route.dst = r.dst;
    c.body.route.hop = r.hop;
    c.seq = own_seq_base + ++_seq;
    abi::seal(c);
    command(c);
}

void control_daemon::reload()
{
    config::config n;
    try {
        n = config::load(_config_path);
    } catch (const config::config_error& e) {
        log("reload failed, keeping the running configuration: %s", e.what());
        return;
    }
    if (n.instance != _cfg.instance || n.identity != _cfg.identity ||
        n.control_socket != _cfg.control_socket || n.listen_port != _cfg.listen_port) {
        log("reload: instance, identity, control_socket and listen_port changes need a restart "
            "of edgerelay-controlplane; they are ignored until then");
    }
    // Peers, by public key: gone, changed (re-added: new keys need a new handshake), new.
    std::map<crypto::key32, const config::peer_config*> wanted;
    for (const auto& pc : n.peers) {
        wanted[pc.public_key] = &pc;
    }
    std::vector<abi::peer_id> gone;
    for (const auto& [id, info] : _peers) {
        if (!info.from_config) {
            continue;
        }
        auto it = wanted.find(info.cfg.public_key);
        if (it == wanted.end() || !(*it->second == info.cfg)) {
            gone.push_back(id);
        }
    }
    // Route removals before peer removals; then peers added, then routes added.
    for (abi::peer_id id : gone) {
        remove_peer(id);
    }
    int added = 0;
    for (const auto& pc : n.peers) {
        const auto* reg = _registry.find(pc.public_key);
        if (reg != nullptr && _peers.contains(reg->id)) {
            continue;
        }
        std::string error;
        if (add_peer(pc, true, nullptr, error) < 0) {
            log("reload: peer %s not added: %s", key_text(pc.public_key).c_str(), error.c_str());
            continue;
        }
        ++added;
        abi::peer_id id = _registry.find(pc.public_key)->id;
        if (_phase == phase::running && !_draining && !pc.endpoint.empty()) {
            _pm->initiate(id);
        }
    }
    _cfg.peers = n.peers;
    _cfg.routes = n.routes;
    std::vector<route_entry> new_routes = routes_of(n);
    auto same = [](const route_entry& a, const route_entry& b) {
        return same_prefix(a.dst, b.dst) && a.hop == b.hop;
    };
    int routes_changed = 0;
    for (const auto& r : _routes) {
        if (std::none_of(new_routes.begin(), new_routes.end(),
                         [&](const route_entry& x) { return same(x, r); })) {
            send_route(abi::command_type::remove_route, r);
            ++routes_changed;
        }
    }
    for (const auto& r : new_routes) {
        if (std::none_of(_routes.begin(), _routes.end(),
                         [&](const route_entry& x) { return same(x, r); })) {
            send_route(abi::command_type::add_route, r);
            ++routes_changed;
        }
    }
    _routes = std::move(new_routes);
    save_registry();
    log("reloaded %s: %zu peers removed or changed, %d added, %d route changes",
        _config_path.c_str(), gone.size(), added, routes_changed);
}

// ---- the sink -----------------------------------------------------------------------------

void control_daemon::command(const abi::command& c)
{
    if (c.type == abi::command_type::add_peer) {
        // The slot may have carried another peer: its counters start where they are now (no
        // traffic can move them before the keypair that follows this command).
        const abi::peer_id id = c.body.add_peer.peer;
        _transfer_base[id] = _seg ? std::pair{_seg->header().generation.load(std::memory_order_relaxed),
                                              _seg->peer_counters_sum(id)}
                                  : std::pair{uint64_t{0}, abi::peer_transfer{}};
    }
    _sessions.observe(c, _clock.now());
    switch (_phase) {
    case phase::detached:
        return; // the sync at attach sends the whole desired state
    case phase::syncing:
        _held.push_back(c);
        return;
    case phase::running:
        send(c);
        return;
    }
}

void control_daemon::inject(const abi::injected_packet& p)
{
    if (_phase != phase::running || !_seg) {
        return; // handshake messages are retransmitted by the timers
    }
    if (_pending_inject.empty() && _seg->injects().push(p)) {
        return;
    }
    if (_pending_inject.size() >= max_pending_inject) {
        // Prefer fresher handshake messages: an old initiation is superseded anyway.
        _pending_inject.pop_front();
    }
    _pending_inject.push_back(p);
}

void control_daemon::send(abi::command c)
{
    if (c.seq == 0) {
        c.seq = own_seq_base + ++_seq;
        abi::seal(c);
    }
    if (_inflight.size() >= max_inflight) {
        _inflight.erase(_inflight.begin());
    }
    uint32_t subject = c.type == abi::command_type::add_route ||
                               c.type == abi::command_type::remove_route
                           ? c.body.route.hop
                           : c.body.peer.peer;
    _inflight[c.seq] = inflight{c.type, subject};
    if (_pending.empty() && _seg && _seg->commands().push(c)) {
        crypto::wipe(&c, sizeof c);
        return;
    }
    // Never dropped: the applier catches up and the queue drains in order.
    _pending.push_back(c);
    crypto::wipe(&c, sizeof c);
}

void control_daemon::flush()
{
    while (!_pending.empty() && _seg->commands().push(_pending.front())) {
        crypto::wipe(&_pending.front(), sizeof(abi::command));
        _pending.pop_front();
    }
    while (!_pending_inject.empty() && _seg->injects().push(_pending_inject.front())) {
        _pending_inject.pop_front();
    }
}

// ---- the segment --------------------------------------------------------------------------

int control_daemon::try_attach(uint64_t now)
{
    if (_last_attach_try != 0 && now - _last_attach_try < attach_interval) {
        return 0;
    }
    _last_attach_try = now;
    const std::string name = abi::segment::name_for(_cfg.instance);
    auto r = abi::segment::attach(name);
    if (!r) {
        if (incompatible(r.error)) {
            log("%s", r.error.c_str());
            return -EPROTO;
        }
        if (_seg) {
            return 0; // the old mapping is still there; keep waiting quietly
        }
        log("waiting for edgerelay-dataplane (segment %s not found: %s)", name.c_str(),
            r.error.c_str());
        return 0;
    }
    uint64_t hb = r.seg->header().dp_heartbeat_ns.load(std::memory_order_relaxed);
    if (_seg && (hb == 0 || now - hb > heartbeat_timeout)) {
        return 0; // the same dead mapping under the name, or a dataplane still starting
    }
    _seg.emplace(std::move(*r.seg));
    on_attached();
    return 0;
}

void control_daemon::on_attached()
{
    auto& h = _seg->header();
    _generation = h.generation.load(std::memory_order_acquire);
    _dp_alive = true;
    log("attached to %s (dataplane pid %llu, generation %llu, %u workers)", _seg->name().c_str(),
        (unsigned long long)h.dataplane_pid, (unsigned long long)_generation,
        unsigned(_seg->lim().workers));
    start_sync();
}

void control_daemon::start_sync()
{
    // Whatever was queued was meant for the state before; the sync recomputes all of it.
    _pending.clear();
    _held.clear();
    _pending_inject.clear();
    _inflight.clear();
    _readback.clear();
    _phase = phase::syncing;
    abi::command c;
    c.type = abi::command_type::readback;
    c.seq = own_seq_base + ++_seq;
    abi::seal(c);
    _readback_seq = c.seq;
    _phase = phase::running; // let send() reach the ring
    send(c);
    _phase = phase::syncing;
}

std::vector<abi::command> control_daemon::desired_commands()
{
    std::vector<abi::command> want;
    const nanos now = _clock.now();
    const uint64_t reject_ms = _seg->lim().reject_after_time_ms;
    for (const auto& s : _pm->snapshots()) {
        abi::command c;
        c.type = abi::command_type::add_peer;
        c.body.add_peer = abi::cmd_add_peer{s.id, s.transit ? abi::peer_flag_transit : 0u};
        want.push_back(c);
        if (!s.endpoint.remote.empty()) {
            abi::command e;
            e.type = abi::command_type::set_endpoint;
            e.body.set_endpoint.peer = s.id;
            e.body.set_endpoint.port_index = s.endpoint.port_index;
            e.body.set_endpoint.remote = s.endpoint.remote;
            e.body.set_endpoint.local = s.endpoint.local;
            want.push_back(e);
        }
        for (const auto& pfx : s.allowed_ips) {
            abi::command a;
            a.type = abi::command_type::add_allowed_ip;
            a.body.allowed_ip.peer = s.id;
            a.body.allowed_ip.src = pfx;
            want.push_back(a);
        }
        // Replay order follows the dataplane's slot rules: previous then current, both into
        // current (the second pushes the first to previous), then next.
        const auto& idx = s.keypair_index; // current, previous, next
        std::pair<std::optional<uint32_t>, abi::key_slot> order[] = {
            {idx[1], abi::key_slot::current},
            {idx[0], abi::key_slot::current},
            {idx[2], abi::key_slot::next}};
        for (const auto& [index, slot] : order) {
            if (index) {
                if (auto k = _sessions.replay(*index, slot, now, reject_ms)) {
                    want.push_back(*k);
                }
            }
        }
    }
    for (const auto& r : _routes) {
        abi::command c;
        c.type = abi::command_type::add_route;
        c.body.route.dst = r.dst;
        c.body.route.hop = r.hop;
        want.push_back(c);
    }
    for (const auto& [text, r] : _mesh_routes) {
        (void)text;
        abi::command c;
        c.type = abi::command_type::add_route;
        c.body.route.dst = r.dst;
        c.body.route.hop = r.hop;
        want.push_back(c);
    }
    return want;
}

namespace {

/// A restarted control plane takes over the sessions the dataplane kept: the peer manager
/// mirrors them (views, rekey, expiry, zeroing) and the session store keeps their keys for a
/// later dataplane restart, as if we had installed them. Keypairs we already know (a reattach
/// to the dataplane we programmed) are left as they are.
/// @return how many keypairs were adopted.
std::size_t adopt_readback_keypairs(peer_manager& pm, session_store& sessions,
                                    const dp_state& rb, nanos now, uint64_t reject_after_time_ms)
{
    std::size_t adopted = 0;
    // Readback order (current before previous and next) is the order adopt_keypair needs.
    for (const abi::ev_rb_keypair& k : rb.keypairs) {
        if (k.age_ms >= reject_after_time_ms || !pm.snapshot(k.peer)) {
            continue; // refused by the dataplane already, or a peer reconcile removes
        }
        transport_keys t;
        std::memcpy(t.send_key.data(), k.send_key, sizeof k.send_key);
        std::memcpy(t.recv_key.data(), k.recv_key, sizeof k.recv_key);
        t.local_index = k.local_index;
        t.remote_index = k.remote_index;
        t.initiator = k.initiator != 0;
        int rc = pm.adopt_keypair(k.peer, k.slot, std::move(t),
                                  std::chrono::milliseconds(k.age_ms));
        if (rc == 0 || rc == -EEXIST) {
            sessions.adopt(k, now); // keeps an existing record of ours
            adopted += rc == 0 ? 1 : 0;
        }
    }
    return adopted;
}

} // namespace

void control_daemon::finish_sync()
{
    // Before desired_commands: the adopted keypairs then count as wanted and already there,
    // so reconcile neither reinstalls them nor starts handshakes for their peers.
    const std::size_t adopted = adopt_readback_keypairs(*_pm, _sessions, _readback, _clock.now(),
                                                        _seg->lim().reject_after_time_ms);
    std::vector<abi::command> want = desired_commands();
    reconcile_plan plan = reconcile(_readback, want, _seg->lim().reject_after_time_ms);
    for (auto& c : want) {
        crypto::wipe(&c, sizeof c);
    }
    _phase = phase::running;
    for (auto& c : plan.commands) {
        send(c);
        crypto::wipe(&c, sizeof c);
    }
    while (!_held.empty()) {
        send(_held.front());
        crypto::wipe(&_held.front(), sizeof(abi::command));
        _held.pop_front();
    }
    // Endpoints the dataplane learned while we were away are newer than ours.
    for (const auto& [id, rb] : _readback.peers) {
        if (!rb.remote.empty()) {
            abi::event ev;
            ev.type = abi::event_type::endpoint_roamed;
            ev.body.endpoint_roamed.peer = id;
            ev.body.endpoint_roamed.port_index = rb.port_index;
            ev.body.endpoint_roamed.remote = rb.remote;
            _pm->on_event(ev);
        }
    }
    std::size_t started = 0;
    if (!_draining) {
        for (abi::peer_id id : plan.initiate) {
            started += _pm->initiate(id) == 0 ? 1 : 0;
        }
    }
    log("programmed dataplane generation %llu: found %zu peers, %zu keypairs, %zu routes; sent "
        "%zu commands; started %zu handshakes",
        (unsigned long long)_generation, _readback.peers.size(), _readback.keypairs.size(),
        _readback.routes.size(), plan.commands.size(), started);
    if (adopted > 0) {
        log("adopted %zu keypairs the dataplane held", adopted);
    }
    _readback.clear(); // wipes the readback's key bytes
}

void control_daemon::handle_event(const abi::event& ev)
{
    switch (ev.type) {
    case abi::event_type::reply: {
        const auto& r = ev.body.reply;
        auto it = _inflight.find(r.seq);
        if (r.code != abi::error::ok) {
            if (it != _inflight.end()) {
                log("dataplane refused %s (%s %u): %s", command_name(it->second.type),
                    it->second.type == abi::command_type::add_route ||
                            it->second.type == abi::command_type::remove_route
                        ? "next hop"
                        : "peer",
                    unsigned(it->second.subject), abi::error_name(r.code));
            } else {
                log("dataplane refused command seq %llu (%s): %s", (unsigned long long)r.seq,
                    command_name(r.command), abi::error_name(r.code));
            }
        }
        if (it != _inflight.end()) {
            _inflight.erase(it);
        }
        return;
    }
    case abi::event_type::readback_done:
        if (_phase == phase::syncing && ev.body.readback_done.seq == _readback_seq) {
            finish_sync();
        }
        return;
    case abi::event_type::rb_peer:
    case abi::event_type::rb_route:
    case abi::event_type::rb_allowed_ip:
    case abi::event_type::rb_splice:
        if (_phase == phase::syncing) {
            _readback.add(ev);
        }
        return;
    case abi::event_type::rb_keypair:
        if (_phase == phase::syncing) {
            _readback.add(ev);
        }
        _pm->on_event(ev);
        return;
    case abi::event_type::rekey_needed:
        ++_rekeys;
        _pm->on_event(ev);
        return;
    case abi::event_type::keypair_expired:
        _sessions.forget(ev.body.keypair_ref.local_index);
        _pm->on_event(ev);
        return;
    default:
        _pm->on_event(ev);
        return;
    }
}

void control_daemon::pump_events()
{
    abi::event ev;
    for (std::size_t n = 0; n < max_events_per_loop && _seg->events().pop(ev); ++n) {
        handle_event(ev);
        if (!_seg) {
            break;
        }
    }
    crypto::wipe(&ev, sizeof ev); // an rb_keypair carries keys
}

void control_daemon::pump_punts()
{
    const auto& lim = _seg->lim();
    for (uint16_t w = 0; w < lim.workers && w < abi::max_workers; ++w) {
        auto& ring = _seg->punts(w);
        // WireGuard's rule: a handshake queue more than 1/8 full means under load.
        bool under_load = ring.read_available() > abi::punt_ring_capacity / 8;
        abi::punted_packet pkt;
        for (std::size_t n = 0; n < max_punts_per_loop && ring.pop(pkt); ++n) {
            if (abi::validate(pkt, lim) != abi::error::ok) {
                continue;
            }
            if (pkt.kind == abi::punt_kind::inner_packet) {
                // Only the mesh routes anything to the control plane (our probe address).
                if (_mesh) {
                    _mesh->on_inner_packet(pkt.peer, std::span(pkt.bytes, pkt.len),
                                           abi::segment::now_ns());
                }
                continue;
            }
            if (_draining && pkt.len >= 4 && pkt.bytes[0] == 1) {
                ++_punts_dropped_draining; // no new sessions while draining
                continue;
            }
            _pm->on_punted(pkt, under_load);
        }
    }
}

void control_daemon::service(uint64_t now)
{
    auto& h = _seg->header();
    uint64_t hb = h.dp_heartbeat_ns.load(std::memory_order_relaxed);
    bool alive = hb != 0 && (now < hb || now - hb <= heartbeat_timeout);
    if (!alive) {
        if (_dp_alive) {
            log("dataplane not heartbeating (last beat %llu ms ago); not ready until it is back",
                (unsigned long long)(hb == 0 ? 0 : (now - hb) / ms));
            _dp_alive = false;
        }
        // A restarted dataplane may have replaced the segment: look it up by name again.
        try_attach(now);
        return;
    }
    if (!_dp_alive) {
        _dp_alive = true;
        log("dataplane heartbeating again");
    }
    uint64_t gen = h.generation.load(std::memory_order_acquire);
    if (gen != _generation) {
        log("dataplane restarted (generation %llu -> %llu): replaying peers, sessions and routes",
            (unsigned long long)_generation, (unsigned long long)gen);
        _generation = gen;
        start_sync();
    }
    pump_events();
    if (_phase == phase::running) {
        pump_punts();
        if (now - _last_tick >= tick_interval) {
            _last_tick = now;
            _pm->tick();
        }
    }
    flush();
    _seg->heartbeat(now);
    if (now - _last_housekeeping >= attach_interval) {
        _last_housekeeping = now;
        std::set<uint32_t> live;
        for (const auto& s : _pm->snapshots()) {
            for (const auto& i : s.keypair_index) {
                if (i) {
                    live.insert(*i);
                }
            }
        }
        _sessions.retain(live);
    }
}

bool control_daemon::ready() const noexcept
{
    return _seg && _dp_alive && _phase == phase::running &&
           (_seg->header().dp_flags.load(std::memory_order_relaxed) & abi::dp_flag_ready) != 0;
}

int control_daemon::run()
{
    log("edgerelay-controlplane for instance %s, public key %s, control socket %s",
        _cfg.instance.c_str(), key_text(_identity->pub).c_str(), _cfg.control_socket.c_str());
    auto handler = [this](std::string_view line) { return handle_request(line); };
    while (!g_stop.load(std::memory_order_relaxed)) {
        if (g_reload.exchange(false)) {
            reload();
        }
        uint64_t now = abi::segment::now_ns();
        if (!_seg) {
            if (try_attach(now) < 0) {
                return exit_incompatible;
            }
        } else {
            service(now);
        }
        service_mesh(now);
        if (_http.is_open()) {
            _http.poll([this](const api::http_request& r) { return api::dispatch(r, _http_provider); },
                       now);
        }
        // The socket's poll() is the loop's 1 ms sleep: no busy spinning.
        _socket.poll(1, handler);
    }
    log("stopping; the dataplane keeps forwarding with its current keypairs");
    return exit_ok;
}

// ---- the control socket -------------------------------------------------------------------

std::string control_daemon::via_text(abi::next_hop hop) const
{
    if (hop == abi::next_hop_local) {
        return "local";
    }
    auto it = _peers.find(hop);
    if (it == _peers.end()) {
        return "peer " + std::to_string(hop);
    }
    return it->second.name.empty() ? key_text(it->second.cfg.public_key) : it->second.name;
}

std::optional<abi::peer_id> control_daemon::peer_by_key_text(const std::string& text) const
{
    auto key = crypto::key_from_base64(text);
    if (!key) {
        for (const auto& [id, info] : _peers) {
            if (!info.name.empty() && info.name == text) {
                return id;
            }
        }
        return std::nullopt;
    }
    const auto* e = _registry.find(*key);
    if (e == nullptr || !_peers.contains(e->id)) {
        return std::nullopt;
    }
    return e->id;
}

interface_view control_daemon::interface() const
{
    interface_view v;
    v.instance = _cfg.instance;
    v.public_key = _identity->pub;
    v.listen_port = _cfg.listen_port;
    v.attached = _seg.has_value();
    v.ready = ready();
    v.draining = _draining;
    v.generation = _generation;
    return v;
}

std::vector<peer_view> control_daemon::peer_views() const
{
    std::vector<peer_view> out;
    for (const auto& s : _pm->snapshots()) {
        peer_view v;
        v.id = s.id;
        v.public_key = s.public_key;
        v.endpoint = config::format_endpoint(s.endpoint.remote);
        for (const auto& p : s.allowed_ips) {
            v.allowed_ips.push_back(format_prefix(p));
        }
        v.latest_handshake = s.latest_handshake;
        v.rx_bytes = s.rx_bytes;
        v.tx_bytes = s.tx_bytes;
        if (_seg) {
            // Inner bytes and packets summed over workers, minus the slot's counts when this
            // peer was added (only if they were read from this same segment generation): a
            // reused peer slot must not show its previous owner's traffic.
            abi::peer_transfer t = _seg->peer_counters_sum(s.id);
            auto base = _transfer_base.find(s.id);
            if (base != _transfer_base.end() &&
                base->second.first == _seg->header().generation.load(std::memory_order_relaxed)) {
                const abi::peer_transfer& b = base->second.second;
                auto since = [](uint64_t now, uint64_t then) { return now > then ? now - then : 0; };
                t.rx_bytes = since(t.rx_bytes, b.rx_bytes);
                t.tx_bytes = since(t.tx_bytes, b.tx_bytes);
                t.rx_packets = since(t.rx_packets, b.rx_packets);
                t.tx_packets = since(t.tx_packets, b.tx_packets);
            }
            v.rx_bytes = t.rx_bytes;
            v.tx_bytes = t.tx_bytes;
            v.rx_packets = t.rx_packets;
            v.tx_packets = t.tx_packets;
        }
        v.persistent_keepalive_s = s.persistent_keepalive_s;
        v.handshake_state = state_text(s.handshake_state);
        v.has_session = s.keypair_index[0].has_value();
        if (auto it = _peers.find(s.id); it != _peers.end()) {
            v.name = it->second.name;
            v.from_config = it->second.from_config;
        }
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<route_view> control_daemon::route_views() const
{
    std::vector<route_view> out;
    for (const auto& r : _routes) {
        out.push_back(route_view{format_prefix(r.dst), via_text(r.hop), r.hop});
    }
    for (const auto& [text, r] : _mesh_routes) {
        out.push_back(route_view{text, r.hop == abi::next_hop_control ? std::string("control")
                                                                      : via_text(r.hop),
                                 r.hop});
    }
    return out;
}

std::vector<worker_view> control_daemon::worker_views()
{
    std::vector<worker_view> out;
    if (!_seg) {
        return out;
    }
    for (uint16_t w = 0; w < _seg->lim().workers && w < abi::max_workers; ++w) {
        const auto& st = _seg->stats(w);
        worker_view v;
        v.worker = w;
        v.rx_packets = st.rx_packets.load(std::memory_order_relaxed);
        v.rx_bytes = st.rx_bytes.load(std::memory_order_relaxed);
        v.tx_packets = st.tx_packets.load(std::memory_order_relaxed);
        v.tx_bytes = st.tx_bytes.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < abi::drop_counter_slots; ++i) {
            uint64_t n = st.drops[i].load(std::memory_order_relaxed);
            if (n == 0) {
                continue;
            }
            const char* name = _drop_name ? _drop_name(i) : nullptr;
            v.drops.emplace_back(name ? name : "slot_" + std::to_string(i), n);
        }
        out.push_back(std::move(v));
    }
    return out;
}

std::string control_daemon::handle_request(std::string_view line)
{
    std::string error;
    auto req = parse_request(line, error);
    if (!req) {
        return encode_error(error);
    }
    const nanos wall = _clock.wall();
    const std::string& cmd = req->command;
    if (cmd == "show") {
        return encode_response(true, req->json ? format_show_json(interface(), peer_views(), wall)
                                               : format_show(interface(), peer_views(), wall));
    }
    if (cmd == "peers") {
        return encode_response(true, req->json ? format_peers_json(peer_views(), wall)
                                               : format_peers(peer_views(), wall));
    }
    if (cmd == "routes") {
        return encode_response(true, req->json ? format_routes_json(route_views())
                                               : format_routes(route_views()));
    }
    if (cmd == "stats") {
        if (!_seg) {
            return encode_error("not attached to edgerelay-dataplane; start it for instance " +
                                _cfg.instance);
        }
        auto w = worker_views();
        return encode_response(true, req->json ? format_stats_json(w) : format_stats(w));
    }
    if (cmd == "drain") {
        if (req->args.size() > 1 ||
            (req->args.size() == 1 && req->args[0] != "on" && req->args[0] != "off")) {
            return encode_error("usage: drain [on|off]");
        }
        _draining = req->args.empty() || req->args[0] == "on";
        log("drain %s by operator", _draining ? "on" : "off");
        if (_draining && _mesh) {
            _mesh->drain(); // other relays drop our record and route around us
        }
        return encode_response(true, req->json ? std::string(_draining ? "{\"draining\":true}"
                                                                       : "{\"draining\":false}")
                                 : _draining ? "draining: new handshakes are refused; live "
                                               "sessions continue until their keys expire"
                                             : "not draining");
    }
    if (cmd == "add-peer") {
        if (_draining) {
            return encode_error("draining; `drain off` first to add peers");
        }
        auto a = parse_add_peer(req->args, error);
        if (!a) {
            return encode_error(error);
        }
        config::peer_config pc;
        pc.public_key = a->public_key;
        pc.endpoint = a->endpoint;
        pc.allowed_ips = a->allowed_ips;
        pc.persistent_keepalive = a->persistent_keepalive;
        pc.name = a->name;
        if (!a->psk_file.empty()) {
            pc.preshared_key = read_psk(a->psk_file, error);
            if (!pc.preshared_key) {
                return encode_error(error);
            }
        }
        if (add_peer(pc, false, &*a, error) < 0) {
            return encode_error(error);
        }
        abi::peer_id id = _registry.find(pc.public_key)->id;
        save_registry();
        if (_phase == phase::running && !pc.endpoint.empty()) {
            _pm->initiate(id);
        }
        log("added peer %s (id %u) from the control socket", key_text(pc.public_key).c_str(),
            unsigned(id));
        return encode_response(true, req->json ? "{\"id\":" + std::to_string(id) + "}"
                                               : "added peer " + key_text(pc.public_key) +
                                                     " as id " + std::to_string(id));
    }
    if (cmd == "remove-peer") {
        if (req->args.size() != 1) {
            return encode_error("usage: remove-peer <pubkey or name>");
        }
        auto id = peer_by_key_text(req->args[0]);
        if (!id) {
            return encode_error("no peer " + req->args[0] + "; `edgerelayctl peers` lists them");
        }
        bool from_config = _peers.at(*id).from_config;
        if (_mesh && _peers.at(*id).mesh) {
            _mesh->forget_peer(*id); // it comes back if the policy still selects it
            drop_mesh_routes_via(*id);
        }
        remove_peer(*id);
        save_registry();
        log("removed peer %s (id %u) from the control socket", req->args[0].c_str(),
            unsigned(*id));
        return encode_response(true, req->json ? std::string("{\"removed\":true}")
                                 : from_config
                                     ? "removed; the peer is in the configuration file and comes "
                                       "back at the next reload or restart unless removed there"
                                     : "removed");
    }
    return encode_error("unhandled command " + cmd);
}

} // namespace edgerelay::cp::process
