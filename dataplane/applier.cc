// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The table applier: validates segment commands, publishes table updates, frees after QSBR.
#include "dataplane/applier.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <sodium/utils.h>

#include "common/abi/validate.hh"

namespace edgerelay::dp {
namespace {

using abi::error;

constexpr uint16_t applier_worker_id = UINT16_MAX; // abi::event::worker for our own events

static_assert(next_hop_local == abi::next_hop_local && next_hop_control == abi::next_hop_control);
static_assert(uint32_t{peer_transit} == abi::peer_flag_transit);
static_assert(max_peer_id < next_hop_control);

// A route target that is not a peer: nothing in a peer's shadow points at it.
bool special_hop(next_hop h) noexcept
{
    return h == next_hop_local || h == next_hop_control || h == next_hop_none;
}

constexpr keypair_slot slots_in_readback_order[] = {
    // current first: a control plane replaying this order rebuilds the same slots (installing
    // into an empty current never demotes anything).
    keypair_slot::current,
    keypair_slot::previous,
    keypair_slot::next,
};

bool all_zero(const uint8_t* p, std::size_t n) noexcept
{
    return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

uint32_t v4_host(const uint8_t* a) noexcept
{
    return (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) | (uint32_t{a[2]} << 8) | a[3];
}

abi::prefix v4_prefix(uint32_t host, uint8_t length) noexcept
{
    abi::prefix p{};
    p.family = 4;
    p.length = length;
    p.addr[0] = static_cast<uint8_t>(host >> 24);
    p.addr[1] = static_cast<uint8_t>(host >> 16);
    p.addr[2] = static_cast<uint8_t>(host >> 8);
    p.addr[3] = static_cast<uint8_t>(host);
    return p;
}

abi::prefix v6_prefix(const prefix_table6::address& a, uint8_t length) noexcept
{
    abi::prefix p{};
    p.family = 6;
    p.length = length;
    std::memcpy(p.addr, a.data(), 16);
    return p;
}

error from_errno(int rc) noexcept
{
    switch (rc) {
    case 0:
        return error::ok;
    case -ENOSPC:
        return error::table_full;
    case -EEXIST:
        return error::duplicate;
    case -ENOENT:
        return error::not_found;
    case -ETIMEDOUT:
        return error::timeout;
    default:
        return error::internal;
    }
}

keypair* slot_load(const peer& p, keypair_slot s) noexcept
{
    switch (s) {
    case keypair_slot::current:
        return p.current.load(std::memory_order_relaxed);
    case keypair_slot::previous:
        return p.previous.load(std::memory_order_relaxed);
    case keypair_slot::next:
        return p.next.load(std::memory_order_relaxed);
    }
    return nullptr;
}

abi::key_slot to_abi(keypair_slot s) noexcept
{
    switch (s) {
    case keypair_slot::current:
        return abi::key_slot::current;
    case keypair_slot::previous:
        return abi::key_slot::previous;
    case keypair_slot::next:
        return abi::key_slot::next;
    }
    return abi::key_slot::current;
}

keypair_slot from_abi(abi::key_slot s) noexcept
{
    switch (s) {
    case abi::key_slot::previous:
        return keypair_slot::previous;
    case abi::key_slot::next:
        return keypair_slot::next;
    default:
        return keypair_slot::current;
    }
}

void path_destroy(path* p) noexcept
{
    if (p != nullptr) {
        p->~path();
        rte_free(p);
    }
}

} // namespace

applier::applier(table_set& tables, abi::segment& seg, const applier_config& cfg)
    : _tables(tables), _seg(seg), _cfg(cfg)
{
    _cfg.n_ports = std::min<uint16_t>(_cfg.n_ports, max_ports);
    if (_cfg.tsc_hz == 0) {
        _cfg.tsc_hz = rte_get_tsc_hz();
    }
    _max_peers = std::min(_cfg.max_peers, _tables.peers().capacity());
    _shadow.resize(_max_peers);
    _limits.punt_rate_pps = 1000;
    _limits.punt_burst = 100;
    _limits.rekey_after_messages = rekey_after_messages;
    _limits.reject_after_messages = reject_after_messages;
    _limits.rekey_after_time_ms = rekey_after_time_s * 1000;
    _limits.reject_after_time_ms = seg.lim().reject_after_time_ms != 0
                                       ? seg.lim().reject_after_time_ms
                                       : reject_after_time_s * 1000;
}

applier::~applier()
{
    // Normally the workers are stopped by now; if one is still online and stuck, leaking is
    // better than freeing memory it may read.
    if (!_deferred.empty() && _tables.synchronize() == 0) {
        for (const deferred_free& d : _deferred) {
            keypair_destroy(d.kp);
            path_destroy(d.p);
        }
    }
}

// ---- commands -----------------------------------------------------------------------------

unsigned applier::poll_commands(unsigned budget)
{
    return poll_commands(budget, rte_rdtsc());
}

unsigned applier::poll_commands(unsigned budget, uint64_t now_tsc)
{
    _now = now_tsc;
    reclaim();
    unsigned done = 0;
    while (done < budget) {
        flush();
        if (!_outbox.empty()) {
            break; // the control plane is behind: leave commands in their ring
        }
        abi::command c;
        if (!_seg.commands().pop(c)) {
            break;
        }
        ++done;
        error e = abi::validate(c, _seg.lim());
        if (e == error::ok) {
            e = apply(c);
        }
        abi::event ev = make_event(abi::event_type::reply, applier_worker_id);
        ev.body.reply = abi::ev_reply{c.seq, c.type, e, 0};
        emit(ev, false);
        ++_stats.commands;
        if (e != error::ok) {
            ++_stats.commands_failed;
        }
    }
    flush();
    return done;
}

error applier::apply(const abi::command& c)
{
    switch (c.type) {
    case abi::command_type::add_peer:
        return add_peer(c.body.add_peer);
    case abi::command_type::remove_peer:
        return remove_peer(c.body.peer);
    case abi::command_type::set_endpoint:
        return set_endpoint(c.body.set_endpoint);
    case abi::command_type::install_keypair:
        return install_keypair(c.body.install_keypair);
    case abi::command_type::retire_keypair:
        return retire_keypair(c.body.retire_keypair);
    case abi::command_type::add_route:
        return add_route(c.body.route);
    case abi::command_type::remove_route:
        return remove_route(c.body.route);
    case abi::command_type::add_allowed_ip:
        return add_allowed_ip(c.body.allowed_ip);
    case abi::command_type::remove_allowed_ip:
        return remove_allowed_ip(c.body.allowed_ip);
    case abi::command_type::send_keepalive:
        return send_keepalive(c.body.peer);
    case abi::command_type::set_limits:
        _limits = c.body.set_limits;
        return error::ok;
    case abi::command_type::readback:
        return readback(c.seq);
    case abi::command_type::add_splice:
    case abi::command_type::remove_splice:
        return error::unsupported; // no splice table yet
    case abi::command_type::none:
    case abi::command_type::count:
        break;
    }
    return error::unknown_type; // validate() already refused these
}

bool applier::peer_known(peer_id id) const noexcept
{
    return id < _max_peers && _tables.peers().get(id) != nullptr;
}

error applier::add_peer(const abi::cmd_add_peer& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if ((b.flags & ~abi::peer_flags_known) != 0) {
        return error::bad_reserved; // validate() refused it already; keep the table clean anyway
    }
    uint32_t flags = (b.flags & abi::peer_flag_transit) ? uint32_t{peer_transit} : 0u;
    return from_errno(_tables.peers().activate(b.peer, flags));
}

error applier::remove_peer(const abi::cmd_peer& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    // Stop sending to it first, then receiving from it. An IPv6 removal may time out: stop
    // there with the peer still active, so that a retry finds the rest in the shadow.
    peer_shadow& sh = _shadow[b.peer];
    while (!sh.routes.empty()) {
        abi::prefix pf = to_prefix(*sh.routes.begin());
        if (int rc = prefix_remove(false, pf); rc != 0 && rc != -ENOENT) {
            return from_errno(rc);
        }
        sh.routes.erase(sh.routes.begin());
    }
    while (!sh.allowed.empty()) {
        abi::prefix pf = to_prefix(*sh.allowed.begin());
        if (int rc = prefix_remove(true, pf); rc != 0 && rc != -ENOENT) {
            return from_errno(rc);
        }
        sh.allowed.erase(sh.allowed.begin());
    }
    keypair* kps[3];
    for (int i = 0; i < 3; ++i) {
        kps[i] = _tables.peers().swap_keypair(b.peer, slots_in_readback_order[i], nullptr);
    }
    for (int i = 0; i < 3; ++i) {
        // The same keypair may have sat in two slots (rotation in progress): retire it once.
        if (kps[i] != nullptr && (i == 0 || kps[i] != kps[0]) && (i < 2 || kps[i] != kps[1])) {
            retire(kps[i]);
        }
    }
    if (const path* old = _tables.peers().swap_path(b.peer, nullptr)) {
        defer(nullptr, const_cast<path*>(old));
    }
    return from_errno(_tables.peers().deactivate(b.peer));
}

path* applier::path_create(uint16_t port, const wire::endpoint& remote, const wire::endpoint& local,
                           const uint8_t* src_mac, const uint8_t* dst_mac) noexcept
{
    void* mem =
        rte_zmalloc_socket("path", sizeof(path), alignof(path), static_cast<int>(rte_socket_id()));
    if (mem == nullptr) {
        return nullptr;
    }
    auto* p = new (mem) path{};
    p->remote = remote;
    p->local = local;
    p->port_index = port;
    const applier_port& pi = _cfg.ports[port];
    if (p->local.empty()) {
        // No source given: the port's own address of the remote's family, on our overlay
        // port. Sockets (io_uring) leave it empty and let the kernel choose.
        p->local = pi.address[remote.family == 6 ? 1 : 0];
    }
    if (pi.ethernet) {
        bool own = src_mac != nullptr && !all_zero(src_mac, 6);
        bool gw = dst_mac != nullptr && !all_zero(dst_mac, 6);
        std::memcpy(p->src_mac, own ? src_mac : pi.mac, 6);
        std::memcpy(p->dst_mac, gw ? dst_mac : pi.gateway_mac, 6);
    }
    return p;
}

void applier::publish_path(peer_id id, path* p)
{
    if (const path* old = _tables.peers().swap_path(id, p)) {
        defer(nullptr, const_cast<path*>(old));
    }
}

error applier::set_endpoint(const abi::cmd_set_endpoint& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (b.port_index >= _cfg.n_ports) {
        return error::bad_port;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    path* p = path_create(b.port_index, b.remote, b.local, b.src_mac, b.dst_mac);
    if (p == nullptr) {
        return error::internal;
    }
    publish_path(b.peer, p);
    return error::ok;
}

uint64_t applier::ms_to_tsc(uint64_t ms) const noexcept
{
    unsigned __int128 t = static_cast<unsigned __int128>(ms) * _cfg.tsc_hz / 1000;
    return t > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(t);
}

uint64_t applier::tsc_to_ms(uint64_t ticks) const noexcept
{
    return static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * 1000 / _cfg.tsc_hz);
}

error applier::install_keypair(const abi::cmd_install_keypair& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    if (_tables.index().find(b.local_index) != nullptr) {
        return error::duplicate;
    }
    uint64_t age = ms_to_tsc(b.age_ms);
    uint64_t birth = _now >= age ? _now - age : 0;
    uint64_t reject = birth + ms_to_tsc(_limits.reject_after_time_ms);
    if (reject <= _now || b.send_counter >= _limits.reject_after_messages) {
        return error::expired; // set_limits may be stricter than the segment's limits
    }
    keypair* kp = keypair_create();
    if (kp == nullptr) {
        return error::table_full;
    }
    std::memcpy(kp->send_key, b.send_key, sizeof(kp->send_key));
    std::memcpy(kp->recv_key, b.recv_key, sizeof(kp->recv_key));
    kp->local_index = b.local_index;
    kp->remote_index = b.remote_index;
    kp->peer = b.peer;
    kp->flags = b.initiator ? uint32_t{keypair_initiator} : 0u;
    kp->birth_tsc = birth;
    kp->reject_tsc = reject;
    kp->rekey_tsc = b.initiator ? birth + ms_to_tsc(_limits.rekey_after_time_ms) : UINT64_MAX;
    kp->send_counter.store(b.send_counter, std::memory_order_relaxed);
    if (int rc = _tables.index().add(b.local_index, kp); rc != 0) {
        keypair_destroy(kp); // never published: no grace period needed
        return from_errno(rc);
    }
    _expiry.insert({reject, kp});

    // Slot rules follow WireGuard's add_new_keypair (noise.c); the peer-table stores are
    // release stores, so a worker that sees kp sees it whole.
    peer_table& pt = _tables.peers();
    peer& p = *pt.slot(b.peer);
    switch (b.slot) {
    case abi::key_slot::current:
        if (keypair* nxt = p.next.load(std::memory_order_relaxed)) {
            // The unconfirmed next is newer than current: keep it receivable as previous, and
            // never let it be confirmed over this newer keypair (the control plane's mirror
            // has it as previous too). Whether or not there was a current: crossing
            // handshakes leave a responder's next and no current.
            keypair* old_prev = pt.swap_keypair(b.peer, keypair_slot::previous, nxt);
            pt.swap_keypair(b.peer, keypair_slot::next, nullptr);
            keypair* old_cur = pt.swap_keypair(b.peer, keypair_slot::current, kp);
            retire_if_unlinked(old_prev);
            retire_if_unlinked(old_cur);
        } else if (p.current.load(std::memory_order_relaxed) == nullptr) {
            // Nothing to demote (first handshake, or a replay that starts with current).
            pt.swap_keypair(b.peer, keypair_slot::current, kp);
        } else {
            retire_if_unlinked(pt.rotate(b.peer, kp));
        }
        break;
    case abi::key_slot::next: {
        keypair* old_next = pt.swap_keypair(b.peer, keypair_slot::next, kp);
        keypair* old_prev = pt.swap_keypair(b.peer, keypair_slot::previous, nullptr);
        retire_if_unlinked(old_next);
        retire_if_unlinked(old_prev);
        break;
    }
    default: // previous: only a replay puts a keypair there directly
        retire_if_unlinked(pt.swap_keypair(b.peer, keypair_slot::previous, kp));
        break;
    }
    return error::ok;
}

error applier::retire_keypair(const abi::cmd_retire_keypair& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    if (b.slot == abi::key_slot::by_index) {
        keypair* kp = _tables.index().find(b.local_index);
        if (kp == nullptr || kp->peer != b.peer) {
            return error::not_found;
        }
        unlink_keypair(kp);
        retire(kp);
        return error::ok;
    }
    keypair* kp = _tables.peers().swap_keypair(b.peer, from_abi(b.slot), nullptr);
    if (kp == nullptr) {
        return error::not_found;
    }
    retire_if_unlinked(kp);
    return error::ok;
}

void applier::unlink_keypair(keypair* kp) noexcept
{
    peer* p = _tables.peers().slot(kp->peer);
    if (p == nullptr) {
        return;
    }
    for (keypair_slot s : slots_in_readback_order) {
        if (slot_load(*p, s) == kp) {
            _tables.peers().swap_keypair(kp->peer, s, nullptr);
        }
    }
}

void applier::retire_if_unlinked(keypair* kp)
{
    if (kp == nullptr) {
        return;
    }
    const peer* p = _tables.peers().slot(kp->peer);
    if (p != nullptr) {
        for (keypair_slot s : slots_in_readback_order) {
            if (slot_load(*p, s) == kp) {
                return; // still published elsewhere (e.g. next moved to previous)
            }
        }
    }
    retire(kp);
}

void applier::retire(keypair* kp)
{
    _expiry.erase({kp->reject_tsc, kp});
    if (_tables.index().find(kp->local_index) == kp) {
        _tables.index().remove(kp->local_index);
    }
    defer(kp, nullptr);
}

void applier::defer(keypair* kp, path* p)
{
    uint64_t wipe = UINT64_MAX;
    if (kp != nullptr) {
        uint64_t lifetime = kp->reject_tsc - kp->birth_tsc;
        wipe = kp->birth_tsc + 3 * lifetime;
    }
    // rte_rcu_qsbr_start only bumps a counter: the wait happens in reclaim(), by polling.
    _deferred.push_back({rte_rcu_qsbr_start(_tables.qsbr()), wipe, kp, p, false});
}

void applier::reclaim() noexcept
{
    std::size_t kept = 0;
    for (std::size_t i = 0; i < _deferred.size(); ++i) {
        deferred_free& d = _deferred[i];
        if (rte_rcu_qsbr_check(_tables.qsbr(), d.token, false) == 1) {
            keypair_destroy(d.kp);
            path_destroy(d.p);
        } else {
            _deferred[kept++] = d;
        }
    }
    _deferred.resize(kept);
}

// ---- prefixes -----------------------------------------------------------------------------

int applier::prefix_add(bool allowed, const abi::prefix& pf, next_hop hop)
{
    if (pf.family == 4) {
        prefix_table4& t = allowed ? _tables.allowed4() : _tables.routes4();
        return t.add(v4_host(pf.addr), pf.length, hop);
    }
    prefix_table6& t = allowed ? _tables.allowed6() : _tables.routes6();
    return t.add(pf.addr, pf.length, hop);
}

int applier::prefix_remove(bool allowed, const abi::prefix& pf)
{
    if (pf.family == 4) {
        prefix_table4& t = allowed ? _tables.allowed4() : _tables.routes4();
        return t.remove(v4_host(pf.addr), pf.length);
    }
    prefix_table6& t = allowed ? _tables.allowed6() : _tables.routes6();
    return t.remove(pf.addr, pf.length);
}

next_hop applier::prefix_find(bool allowed, const abi::prefix& pf) const
{
    if (pf.family == 4) {
        const prefix_table4& t = allowed ? _tables.allowed4() : _tables.routes4();
        auto it = t.entries().find({v4_host(pf.addr), pf.length});
        return it == t.entries().end() ? next_hop_none : it->second;
    }
    const prefix_table6& t = allowed ? _tables.allowed6() : _tables.routes6();
    prefix_table6::address a;
    std::memcpy(a.data(), pf.addr, 16);
    auto it = t.entries().find({a, pf.length});
    return it == t.entries().end() ? next_hop_none : it->second;
}

abi::prefix applier::to_prefix(const pfx_key& k) noexcept
{
    abi::prefix pf{k.family, k.length, 0, {}};
    std::memcpy(pf.addr, k.addr.data(), 16);
    return pf;
}

// validate() already refused host bits, so the address is the masked one the tables key by.
applier::pfx_key applier::key_of(const abi::prefix& pf) noexcept
{
    pfx_key k{pf.family, pf.length, {}};
    std::memcpy(k.addr.data(), pf.addr, 16);
    return k;
}

error applier::add_route(const abi::cmd_route& b)
{
    if (b.hop != next_hop_local && b.hop != next_hop_control) {
        if (b.hop >= _max_peers || (b.dst.family == 6 && b.hop > prefix_table6::max_peer_id6)) {
            return error::bad_peer_id;
        }
        if (!peer_known(b.hop)) {
            return error::unknown_peer;
        }
    }
    next_hop cur = prefix_find(false, b.dst);
    if (cur == b.hop) {
        return error::duplicate;
    }
    // A different next hop replaces the route in one store: failover without a gap.
    if (int rc = prefix_add(false, b.dst, b.hop); rc != 0) {
        return from_errno(rc);
    }
    pfx_key k = key_of(b.dst);
    if (!special_hop(cur) && cur < _max_peers) {
        _shadow[cur].routes.erase(k);
    }
    if (!special_hop(b.hop)) {
        _shadow[b.hop].routes.insert(k);
    }
    return error::ok;
}

error applier::remove_route(const abi::cmd_route& b)
{
    next_hop cur = prefix_find(false, b.dst);
    if (cur == next_hop_none || cur != b.hop) {
        return error::not_found; // the hop must match: a stale removal must not cut a new route
    }
    if (int rc = prefix_remove(false, b.dst); rc != 0) {
        return from_errno(rc);
    }
    if (!special_hop(cur) && cur < _max_peers) {
        _shadow[cur].routes.erase(key_of(b.dst));
    }
    return error::ok;
}

error applier::add_allowed_ip(const abi::cmd_allowed_ip& b)
{
    if (b.peer >= _max_peers || (b.src.family == 6 && b.peer > prefix_table6::max_peer_id6)) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    // Unlike wg(8), a prefix held by another peer is not moved silently: a cryptokey-routing
    // change must be explicit (remove, then add).
    if (prefix_find(true, b.src) != next_hop_none) {
        return error::duplicate;
    }
    if (int rc = prefix_add(true, b.src, b.peer); rc != 0) {
        return from_errno(rc);
    }
    _shadow[b.peer].allowed.insert(key_of(b.src));
    return error::ok;
}

error applier::remove_allowed_ip(const abi::cmd_allowed_ip& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    if (prefix_find(true, b.src) != b.peer) {
        return error::not_found;
    }
    if (int rc = prefix_remove(true, b.src); rc != 0) {
        return from_errno(rc);
    }
    _shadow[b.peer].allowed.erase(key_of(b.src));
    return error::ok;
}

error applier::send_keepalive(const abi::cmd_peer& b)
{
    if (b.peer >= _max_peers) {
        return error::bad_peer_id;
    }
    if (!peer_known(b.peer)) {
        return error::unknown_peer;
    }
    if (!_keepalives.push(b.peer)) {
        ++_stats.keepalives_lost;
        return error::table_full;
    }
    return error::ok;
}

error applier::readback(uint64_t seq)
{
    uint32_t items = 0;
    auto item = [&](const abi::event& ev) {
        emit(ev, false);
        ++items;
    };
    for (peer_id id = 0; id < _max_peers; ++id) {
        const peer* p = _tables.peers().get(id);
        if (p == nullptr) {
            continue;
        }
        abi::event ev = make_event(abi::event_type::rb_peer, applier_worker_id);
        abi::ev_rb_peer rp{};
        rp.peer = id;
        rp.flags = (p->flags & peer_transit) ? abi::peer_flag_transit : 0u;
        if (const path* pa = p->route_path.load(std::memory_order_relaxed)) {
            rp.port_index = pa->port_index;
            rp.remote = pa->remote;
            rp.local = pa->local;
            std::memcpy(rp.src_mac, pa->src_mac, 6);
            std::memcpy(rp.dst_mac, pa->dst_mac, 6);
        }
        ev.body.rb_peer = rp;
        item(ev);
        for (keypair_slot s : slots_in_readback_order) {
            const keypair* kp = slot_load(*p, s);
            if (kp == nullptr) {
                continue;
            }
            abi::event ek = make_event(abi::event_type::rb_keypair, applier_worker_id);
            abi::ev_rb_keypair rk{};
            rk.peer = id;
            rk.slot = to_abi(s);
            rk.initiator = (kp->flags & keypair_initiator) ? 1 : 0;
            rk.local_index = kp->local_index;
            rk.remote_index = kp->remote_index;
            rk.age_ms = tsc_to_ms(_now > kp->birth_tsc ? _now - kp->birth_tsc : 0);
            rk.send_counter = kp->send_counter.load(std::memory_order_relaxed);
            std::memcpy(rk.send_key, kp->send_key, sizeof rk.send_key);
            std::memcpy(rk.recv_key, kp->recv_key, sizeof rk.recv_key);
            ek.body.rb_keypair = rk;
            item(ek);
            // The ring holds its own copy; leave no key bytes on the stack.
            sodium_memzero(&rk, sizeof rk);
            sodium_memzero(&ek, sizeof ek);
        }
    }
    auto route = [&](const abi::prefix& pf, next_hop hop) {
        abi::event ev = make_event(abi::event_type::rb_route, applier_worker_id);
        ev.body.rb_route = abi::ev_rb_route{pf, hop};
        item(ev);
    };
    auto allowed = [&](const abi::prefix& pf, next_hop hop) {
        abi::event ev = make_event(abi::event_type::rb_allowed_ip, applier_worker_id);
        ev.body.rb_allowed_ip = abi::cmd_allowed_ip{hop, pf};
        item(ev);
    };
    for (const auto& [k, hop] : _tables.routes4().entries()) {
        route(v4_prefix(k.first, k.second), hop);
    }
    for (const auto& [k, hop] : _tables.routes6().entries()) {
        route(v6_prefix(k.first, k.second), hop);
    }
    for (const auto& [k, hop] : _tables.allowed4().entries()) {
        allowed(v4_prefix(k.first, k.second), hop);
    }
    for (const auto& [k, hop] : _tables.allowed6().entries()) {
        allowed(v6_prefix(k.first, k.second), hop);
    }
    abi::event done = make_event(abi::event_type::readback_done, applier_worker_id);
    done.body.readback_done = abi::ev_readback_done{
        seq, _seg.header().generation.load(std::memory_order_relaxed), items, 0};
    emit(done, false);
    return error::ok;
}

// ---- worker events ------------------------------------------------------------------------

void applier::on_worker_event(uint16_t worker, const dp_event& e)
{
    ++_stats.worker_events;
    if (worker >= abi::max_workers || !peer_known(e.peer)) {
        ++_stats.worker_events_bad; // a peer removed since the worker raised it
        return;
    }
    peer_table& pt = _tables.peers();
    switch (e.type) {
    case dp_event::endpoint_roamed: {
        if (e.port_index >= _cfg.n_ports || abi::validate(e.remote) != error::ok) {
            ++_stats.worker_events_bad;
            return;
        }
        const path* old = pt.get(e.peer)->route_path.load(std::memory_order_relaxed);
        if (old == nullptr || !(old->remote == e.remote) || old->port_index != e.port_index) {
            // Same port: keep our source address (if the family still matches) and the MACs.
            wire::endpoint local{};
            const uint8_t* src = nullptr;
            const uint8_t* dst = nullptr;
            if (old != nullptr && old->port_index == e.port_index) {
                if (old->local.family == e.remote.family) {
                    local = old->local;
                }
                src = old->src_mac;
                dst = old->dst_mac;
            }
            path* p = path_create(e.port_index, e.remote, local, src, dst);
            if (p == nullptr) {
                ++_stats.worker_events_bad;
                return;
            }
            publish_path(e.peer, p);
            abi::event ev = make_event(abi::event_type::endpoint_roamed, worker);
            ev.body.endpoint_roamed = abi::ev_endpoint_roamed{e.peer, e.port_index, 0, e.remote};
            emit(ev, true);
        }
        // Else a repeat: workers raise it for every packet until the new path is visible.
        return;
    }
    case dp_event::keypair_confirmed: {
        keypair* nxt = pt.get(e.peer)->next.load(std::memory_order_relaxed);
        if (nxt == nullptr || nxt->local_index != e.local_index) {
            return; // already promoted, or replaced by a newer handshake meanwhile
        }
        retire_if_unlinked(pt.rotate(e.peer, nullptr));
        abi::event ev = make_event(abi::event_type::keypair_confirmed, worker);
        ev.body.keypair_ref = abi::ev_keypair_ref{e.peer, e.local_index};
        emit(ev, true);
        return;
    }
    case dp_event::keypair_expired: {
        // The worker set expired_signalled before raising: a newer keypair that happens to
        // reuse the index has not, and is left alone.
        keypair* kp = _tables.index().find(e.local_index);
        if (kp != nullptr && kp->peer == e.peer &&
            kp->expired_signalled.load(std::memory_order_relaxed) != 0) {
            unlink_keypair(kp);
            retire(kp);
            ++_stats.keypairs_expired;
        }
        abi::event ev = make_event(abi::event_type::keypair_expired, worker);
        ev.body.keypair_ref = abi::ev_keypair_ref{e.peer, e.local_index};
        emit(ev, true);
        return;
    }
    case dp_event::handshake_wanted: {
        abi::event ev = make_event(abi::event_type::handshake_wanted, worker);
        ev.body.keypair_ref = abi::ev_keypair_ref{e.peer, 0};
        emit(ev, true);
        return;
    }
    case dp_event::rekey_needed: {
        abi::event ev = make_event(abi::event_type::rekey_needed, worker);
        ev.body.keypair_ref = abi::ev_keypair_ref{e.peer, e.local_index};
        emit(ev, true);
        return;
    }
    }
    ++_stats.worker_events_bad;
}

// ---- housekeeping -------------------------------------------------------------------------

void applier::tick(uint64_t now_tsc)
{
    _now = now_tsc;
    while (!_expiry.empty() && _expiry.begin()->first <= now_tsc) {
        keypair* kp = _expiry.begin()->second;
        // Workers set the flag when they raise keypair_expired themselves: one event per keypair.
        bool signalled = kp->expired_signalled.exchange(1, std::memory_order_relaxed) != 0;
        peer_id owner = kp->peer;
        uint32_t index = kp->local_index;
        unlink_keypair(kp);
        retire(kp); // erases it from _expiry
        ++_stats.keypairs_expired;
        if (!signalled) {
            abi::event ev = make_event(abi::event_type::keypair_expired, applier_worker_id);
            ev.body.keypair_ref = abi::ev_keypair_ref{owner, index};
            emit(ev, true);
        }
    }
    // WireGuard zeroes keys after 3 × REJECT_AFTER_TIME. A keypair still here that late waits
    // for a worker stuck for minutes; such a worker would refuse it anyway (reject_tsc passed),
    // so wiping the keys under it is preferred to keeping them.
    for (deferred_free& d : _deferred) {
        if (d.kp != nullptr && !d.wiped && now_tsc >= d.wipe_tsc) {
            sodium_memzero(d.kp->send_key, sizeof(d.kp->send_key));
            sodium_memzero(d.kp->recv_key, sizeof(d.kp->recv_key));
            d.wiped = true;
            ++_stats.keypairs_wiped;
        }
    }
    reclaim();
    _tables.reclaim();
    flush();
    _seg.heartbeat(abi::segment::now_ns());
}

// ---- events -------------------------------------------------------------------------------

abi::event applier::make_event(abi::event_type t, uint16_t worker) const noexcept
{
    abi::event ev{};
    ev.type = t;
    ev.worker = worker;
    ev.time_ns = abi::segment::now_ns();
    return ev;
}

void applier::emit(const abi::event& ev, bool async)
{
    if (_outbox.empty() && _seg.events().push(ev)) {
        return;
    }
    if (async && _outbox_async >= _cfg.async_backlog) {
        ++_stats.events_dropped; // headless for a while: the freshest state is in the tables
        return;
    }
    _outbox.push_back({ev, async});
    _outbox_async += async ? 1 : 0;
}

void applier::flush() noexcept
{
    while (!_outbox.empty() && _seg.events().push(_outbox.front().ev)) {
        _outbox_async -= _outbox.front().async ? 1 : 0;
        _outbox.pop_front();
    }
}

} // namespace edgerelay::dp
