// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Peer table, punted handshake messages, keypair mirroring and the commands that program the
// dataplane. The timers live in timers.cc.
#include "controlplane/peers/peer_manager.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/abi/validate.hh"

namespace edgerelay::cp {

namespace {

bool same_endpoint(const peer_endpoint& a, const peer_endpoint& b) noexcept
{
    return a.port_index == b.port_index && a.remote == b.remote && a.local == b.local;
}

bool valid_prefix(const abi::prefix& p) noexcept
{
    return (p.family == 4 && p.length <= 32) || (p.family == 6 && p.length <= 128);
}

std::optional<uint32_t> index_of(const std::optional<transport_keys>& k) noexcept
{
    return k ? std::optional<uint32_t>(k->local_index) : std::nullopt;
}

} // namespace

peer_manager::peer::peer(const static_identity& identity, const peer_config& cfg)
    : id(cfg.id), public_key(cfg.public_key), endpoint(cfg.endpoint), allowed_ips(cfg.allowed_ips),
      persistent_keepalive_s(cfg.persistent_keepalive_s), transit(cfg.transit),
      hs(identity, cfg.public_key, cfg.psk),
      cookies(cfg.public_key)
{
}

peer_manager::peer_manager(static_identity& identity, clock& clk, sink& out, random_source* rng)
    : _identity(identity), _clock(clk), _out(out)
{
    if (rng == nullptr) {
        _own_rng = std::make_unique<system_random>();
        rng = _own_rng.get();
    }
    _rng = rng;
}

peer_manager::~peer_manager() = default;

int peer_manager::add_peer(const peer_config& cfg)
{
    static constexpr crypto::key32 zero{};
    if (cfg.id == abi::no_peer || cfg.public_key == zero || cfg.public_key == _identity.pub) {
        return -EINVAL;
    }
    if (!std::all_of(cfg.allowed_ips.begin(), cfg.allowed_ips.end(), valid_prefix)) {
        return -EINVAL;
    }
    if (_peers.contains(cfg.id) || _by_key.contains(cfg.public_key)) {
        return -EEXIST;
    }
    auto p = std::make_unique<peer>(_identity, cfg);
    peer& ref = *p;
    _peers.emplace(cfg.id, std::move(p));
    _by_key.emplace(cfg.public_key, cfg.id);

    abi::command add;
    add.type = abi::command_type::add_peer;
    add.body.add_peer = abi::cmd_add_peer{ref.id, ref.transit ? abi::peer_flag_transit : 0u};
    emit(add);
    if (!ref.endpoint.remote.empty()) {
        emit_set_endpoint(ref);
    }
    for (const auto& pfx : ref.allowed_ips) {
        emit_allowed_ip(abi::command_type::add_allowed_ip, ref.id, pfx);
    }
    return 0;
}

int peer_manager::remove_peer(abi::peer_id id)
{
    peer* p = find(id);
    if (p == nullptr) {
        return -ENOENT;
    }
    // remove_peer drops the peer's keypairs in the dataplane, so no retire commands.
    clear_keypairs(*p, false);
    release_handshake_index(*p);
    p->hs.clear();
    for (const auto& pfx : p->allowed_ips) {
        emit_allowed_ip(abi::command_type::remove_allowed_ip, id, pfx);
    }
    emit_peer_command(abi::command_type::remove_peer, id);
    _by_key.erase(p->public_key);
    _peers.erase(id);
    return 0;
}

int peer_manager::initiate(abi::peer_id id)
{
    peer* p = find(id);
    return p == nullptr ? -ENOENT : send_initiation(*p, false);
}

void peer_manager::on_punted(const abi::punted_packet& pkt, bool under_load)
{
    if (pkt.len < 4 || pkt.len > abi::max_packet_bytes) {
        ++_counters.dropped_malformed;
        return;
    }
    std::span<const uint8_t> msg(pkt.bytes, pkt.len);
    if (has_type(msg, msg_type::initiation)) {
        handle_initiation(pkt, under_load);
    } else if (has_type(msg, msg_type::response)) {
        handle_response(pkt, under_load);
    } else if (has_type(msg, msg_type::cookie_reply)) {
        handle_cookie_reply(pkt);
    } else {
        ++_counters.dropped_malformed;
    }
}

bool peer_manager::macs_ok(const abi::punted_packet& pkt, bool under_load)
{
    std::span<const uint8_t> msg(pkt.bytes, pkt.len);
    nanos now = _clock.now();
    switch (_identity.checker.check_macs(msg, pkt.remote, now, under_load)) {
    case mac_verdict::ok:
        return true;
    case mac_verdict::bad_mac1:
        ++_counters.dropped_bad_mac;
        return false;
    case mac_verdict::rate_limited:
        ++_counters.dropped_rate_limited;
        return false;
    case mac_verdict::need_cookie:
        // The reply goes back to the packet's source, not to any peer's endpoint: the cookie
        // proves that source can receive, which is the point of the exchange.
        if (auto reply = _identity.checker.create_reply(msg, pkt.remote, now)) {
            inject_to(peer_endpoint{pkt.port_index, pkt.remote, pkt.local}, *reply);
            ++_counters.cookie_replies_sent;
        }
        return false;
    }
    return false;
}

void peer_manager::handle_initiation(const abi::punted_packet& pkt, bool under_load)
{
    if (!macs_ok(pkt, under_load)) {
        return;
    }
    std::span<const uint8_t> msg(pkt.bytes, pkt.len);
    nanos now = _clock.now();
    auto opened = open_initiation(_identity, msg);
    if (!opened) {
        ++_counters.dropped_rejected;
        return;
    }
    peer* p = find_by_key(opened->remote_static);
    if (p == nullptr) {
        ++_counters.dropped_unknown_peer;
        return;
    }
    std::optional<handshake> ours;
    if (p->handshake_index && p->hs.current_state() == handshake::state::created_initiation) {
        ours.emplace(p->hs);
    }
    if (p->hs.consume_initiation(*opened, now) != hs_status::ok) {
        ++_counters.dropped_rejected; // replay, flood, bad timestamp
        return;
    }
    ++_counters.initiations_accepted;
    // The handshake state now belongs to the peer's initiation. Ours, if in flight, crossed
    // it: the kernel drops it, we keep it aside so that its response still counts.
    if (ours) {
        keep_crossed(*p, std::move(*ours));
        ++_counters.initiations_crossed;
    } else {
        release_handshake_index(*p);
    }
    uint32_t index = allocate_index(p->id);
    p->handshake_index = index;
    auto resp = p->hs.create_response(index);
    if (!resp) {
        release_handshake_index(*p);
        ++_counters.dropped_rejected;
        return;
    }
    p->cookies.add_macs(*resp, now);
    learn_endpoint(*p, pkt);
    inject_to(p->endpoint, *resp);
    ++_counters.responses_sent;
    any_authenticated_packet_received(*p);
    any_authenticated_packet_sent(*p);
    any_authenticated_packet_traversal(*p);

    auto keys = p->hs.derive_keys(now);
    p->handshake_index.reset(); // the index now names the keypair (or is released below)
    if (!keys) {
        release_index(index);
        return;
    }
    install_keys(*p, std::move(*keys));
    session_derived(*p);
}

void peer_manager::handle_response(const abi::punted_packet& pkt, bool under_load)
{
    // Macs first, as the kernel does: under load, the cookie reply must not depend on
    // whether the index is known.
    if (!macs_ok(pkt, under_load)) {
        return;
    }
    std::span<const uint8_t> msg(pkt.bytes, pkt.len);
    uint32_t receiver = load_le32(msg, response_layout::receiver);
    peer* p = find_by_index(receiver);
    const bool to_crossed = p != nullptr && p->crossed && p->crossed->index == receiver;
    if (p == nullptr || (p->handshake_index != receiver && !to_crossed)) {
        ++_counters.dropped_malformed;
        return;
    }
    handshake& hs = to_crossed ? p->crossed->hs : p->hs;
    if (hs.consume_response(msg) != hs_status::ok) {
        ++_counters.dropped_rejected;
        return;
    }
    ++_counters.responses_accepted;
    auto keys = hs.derive_keys(_clock.now());
    // The index now names the keypair (or is released below).
    if (to_crossed) {
        p->crossed.reset();
        ++_counters.crossed_completed;
    } else {
        p->handshake_index.reset();
    }
    if (!keys) {
        release_index(receiver);
        return;
    }
    learn_endpoint(*p, pkt);
    any_authenticated_packet_received(*p);
    any_authenticated_packet_traversal(*p);
    install_keys(*p, std::move(*keys));
    handshake_complete(*p);
    session_derived(*p);
    // The responder may not send with its keypair until it sees one from us; the control
    // plane holds no data packets, so confirm with a keepalive right away.
    send_keepalive(*p);
}

void peer_manager::handle_cookie_reply(const abi::punted_packet& pkt)
{
    std::span<const uint8_t> msg(pkt.bytes, pkt.len);
    peer* p = find_by_index(load_le32(msg, cookie_reply_layout::receiver));
    if (p == nullptr) {
        ++_counters.dropped_malformed;
        return;
    }
    // Not authenticated by the peer's static key: the endpoint does not move on it.
    if (p->cookies.consume_reply(msg, _clock.now())) {
        ++_counters.cookie_replies_accepted;
    } else {
        ++_counters.dropped_bad_mac;
    }
}

void peer_manager::learn_endpoint(peer& p, const abi::punted_packet& pkt)
{
    peer_endpoint seen{pkt.port_index, pkt.remote, pkt.local};
    if (!same_endpoint(p.endpoint, seen)) {
        p.endpoint = seen;
        emit_set_endpoint(p);
    }
}

void peer_manager::install_keys(peer& p, transport_keys&& keys)
{
    // The dataplane applies the same slot rules as keypair_slots (the kernel's
    // add_new_keypair), so one install command mirrors the whole transition: the keypairs
    // pushed out are retired there without being named.
    const bool initiator = keys.initiator;
    retired_keypairs gone = p.slots.install(std::move(keys));
    for (size_t i = 0; i < gone.count; ++i) {
        release_index(gone.local_index[i]);
    }
    if (initiator) {
        emit_install(p, abi::key_slot::current, *p.slots.current());
    } else {
        emit_install(p, abi::key_slot::next, *p.slots.next());
    }
}

void peer_manager::drop_keypair(peer& p, uint32_t local_index, bool tell_dataplane)
{
    std::optional<transport_keys> cur = p.slots.current();
    std::optional<transport_keys> prev = p.slots.previous();
    std::optional<transport_keys> next = p.slots.next();
    std::vector<uint32_t> dropped;
    auto take = [&](std::optional<transport_keys>& k) {
        if (k && k->local_index == local_index) {
            dropped.push_back(k->local_index);
            k.reset();
        }
    };
    take(cur);
    take(prev);
    take(next);
    if (dropped.empty()) {
        return;
    }
    if (!cur && prev) {
        // previous is older than current: without current it can only expire next.
        dropped.push_back(prev->local_index);
        prev.reset();
    }
    // keypair_slots offers no removal of one slot, so rebuild it from the survivors with its
    // own transitions: installing (and confirming) oldest first leaves them where they were.
    keypair_slots rebuilt;
    for (auto* k : {&prev, &cur}) {
        if (*k) {
            const bool initiator = (*k)->initiator;
            const uint32_t index = (*k)->local_index;
            rebuilt.install(std::move(**k));
            if (!initiator) {
                rebuilt.received_with(index);
            }
        }
    }
    if (next) {
        rebuilt.install(std::move(*next));
    }
    p.slots = std::move(rebuilt);
    for (uint32_t index : dropped) {
        if (tell_dataplane) {
            emit_retire(p, index);
        }
        release_index(index);
    }
}

void peer_manager::clear_keypairs(peer& p, bool tell_dataplane)
{
    retired_keypairs gone = p.slots.clear();
    for (size_t i = 0; i < gone.count; ++i) {
        if (tell_dataplane) {
            emit_retire(p, gone.local_index[i]);
        }
        release_index(gone.local_index[i]);
    }
}

void peer_manager::on_event(const abi::event& ev)
{
    switch (ev.type) {
    case abi::event_type::rekey_needed:
    case abi::event_type::handshake_wanted:
        if (peer* p = find(ev.body.keypair_ref.peer); p && !p->timers.retransmit_handshake) {
            send_initiation(*p, false);
        }
        break;
    case abi::event_type::keypair_expired:
        if (peer* p = find(ev.body.keypair_ref.peer)) {
            drop_keypair(*p, ev.body.keypair_ref.local_index, false);
        }
        break;
    case abi::event_type::endpoint_roamed:
        if (peer* p = find(ev.body.endpoint_roamed.peer)) {
            p->endpoint.port_index = ev.body.endpoint_roamed.port_index;
            p->endpoint.remote = ev.body.endpoint_roamed.remote;
        }
        break;
    case abi::event_type::keypair_confirmed:
        on_keypair_confirmed(ev.body.keypair_ref.peer, ev.body.keypair_ref.local_index);
        break;
    case abi::event_type::rb_keypair:
        if (ev.body.rb_keypair.slot == abi::key_slot::current) {
            on_keypair_confirmed(ev.body.rb_keypair.peer, ev.body.rb_keypair.local_index);
        }
        break;
    default:
        break;
    }
}

void peer_manager::on_keypair_confirmed(abi::peer_id id, uint32_t local_index)
{
    peer* p = find(id);
    if (p == nullptr) {
        return;
    }
    retired_keypairs gone;
    if (!p->slots.received_with(local_index, &gone)) {
        return;
    }
    // The dataplane rotated on its own and retired its previous: only the mirror changes.
    for (size_t i = 0; i < gone.count; ++i) {
        release_index(gone.local_index[i]);
    }
    handshake_complete(*p);
}

int peer_manager::adopt_keypair(abi::peer_id id, abi::key_slot slot, transport_keys&& keys,
                                nanos age)
{
    peer* p = find(id);
    if (p == nullptr) {
        return -ENOENT;
    }
    if (keys.local_index == 0 || (slot != abi::key_slot::current &&
                                  slot != abi::key_slot::previous && slot != abi::key_slot::next)) {
        return -EINVAL;
    }
    if (_index_owner.contains(keys.local_index)) {
        return -EEXIST;
    }
    std::optional<transport_keys> cur = p->slots.current();
    std::optional<transport_keys> prev = p->slots.previous();
    std::optional<transport_keys> next = p->slots.next();
    std::optional<transport_keys>& target = slot == abi::key_slot::current    ? cur
                                            : slot == abi::key_slot::previous ? prev
                                                                              : next;
    if (target) {
        return -EBUSY;
    }
    if (slot == abi::key_slot::previous && !cur) {
        // keypair_slots cannot hold a previous without a current (drop_keypair lets it go).
        return -EAGAIN;
    }
    const nanos now = _clock.now();
    age = std::max(nanos(0), age);
    keys.created = now - age;
    const uint32_t index = keys.local_index;
    target = std::move(keys);
    // keypair_slots has no "put into slot", so build the slots with its own transitions, as
    // drop_keypair does: previous then current (each confirmed if a responder's), then next.
    keypair_slots rebuilt;
    for (auto* k : {&prev, &cur}) {
        if (*k) {
            const bool initiator = (*k)->initiator;
            const uint32_t index = (*k)->local_index;
            rebuilt.install(std::move(**k));
            if (!initiator) {
                rebuilt.received_with(index);
            }
        }
    }
    if (next) {
        // The rules drop previous when next is installed; the dataplane keeps it only while
        // next is unconfirmed, and retires it by age itself.
        retired_keypairs gone = rebuilt.install(std::move(*next));
        for (size_t i = 0; i < gone.count; ++i) {
            release_index(gone.local_index[i]);
        }
    }
    p->slots = std::move(rebuilt);
    auto holds = [&](const std::optional<transport_keys>& k) {
        return k && k->local_index == index;
    };
    if (!holds(p->slots.current()) && !holds(p->slots.previous()) && !holds(p->slots.next())) {
        return 0; // a previous pushed out by next: nothing to mirror
    }
    _index_owner.emplace(index, id);
    // The handshake completed at the keypair's birth: report it so, and zero from then on.
    const nanos wall = _clock.wall() - age;
    if (!p->latest_handshake_wall || *p->latest_handshake_wall < wall) {
        p->latest_handshake_wall = wall;
    }
    const nanos zero_at = now - age + zero_key_material_after;
    if (!p->timers.zero_key_material || *p->timers.zero_key_material < zero_at) {
        p->timers.zero_key_material = zero_at;
    }
    return 0;
}

void peer_manager::set_transfer(abi::peer_id id, uint64_t rx_bytes, uint64_t tx_bytes)
{
    if (peer* p = find(id)) {
        p->rx_bytes = rx_bytes;
        p->tx_bytes = tx_bytes;
    }
}

std::optional<peer_snapshot> peer_manager::snapshot(abi::peer_id id) const
{
    const peer* p = find(id);
    if (p == nullptr) {
        return std::nullopt;
    }
    peer_snapshot s;
    s.id = p->id;
    s.public_key = p->public_key;
    s.endpoint = p->endpoint;
    s.latest_handshake = p->latest_handshake_wall;
    s.rx_bytes = p->rx_bytes;
    s.tx_bytes = p->tx_bytes;
    s.allowed_ips = p->allowed_ips;
    s.persistent_keepalive_s = p->persistent_keepalive_s;
    s.transit = p->transit;
    s.handshake_state = p->hs.current_state();
    s.keypair_index = {index_of(p->slots.current()), index_of(p->slots.previous()),
                       index_of(p->slots.next())};
    return s;
}

std::vector<peer_snapshot> peer_manager::snapshots() const
{
    std::vector<abi::peer_id> ids;
    ids.reserve(_peers.size());
    for (const auto& [id, p] : _peers) {
        ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    std::vector<peer_snapshot> out;
    out.reserve(ids.size());
    for (abi::peer_id id : ids) {
        out.push_back(*snapshot(id));
    }
    return out;
}

peer_manager::peer* peer_manager::find(abi::peer_id id) const noexcept
{
    auto it = _peers.find(id);
    return it == _peers.end() ? nullptr : it->second.get();
}

peer_manager::peer* peer_manager::find_by_key(const crypto::key32& pub) const noexcept
{
    auto it = _by_key.find(pub);
    return it == _by_key.end() ? nullptr : find(it->second);
}

peer_manager::peer* peer_manager::find_by_index(uint32_t local_index) const noexcept
{
    auto it = _index_owner.find(local_index);
    return it == _index_owner.end() ? nullptr : find(it->second);
}

uint32_t peer_manager::allocate_index(abi::peer_id owner)
{
    // Random so that indices leak nothing and cannot be guessed by an off-path sender; zero
    // is skipped because dataplane tables may use it as "empty".
    for (;;) {
        uint32_t v = _rng->next_u32();
        if (v != 0 && _index_owner.emplace(v, owner).second) {
            return v;
        }
    }
}

void peer_manager::release_index(uint32_t local_index) noexcept
{
    _index_owner.erase(local_index);
}

void peer_manager::release_handshake_index(peer& p) noexcept
{
    if (p.handshake_index) {
        release_index(*p.handshake_index);
        p.handshake_index.reset();
    }
    if (p.crossed) {
        release_index(p.crossed->index);
        p.crossed.reset();
    }
}

void peer_manager::keep_crossed(peer& p, handshake&& ours) noexcept
{
    if (p.crossed) {
        release_index(p.crossed->index);
    }
    p.crossed.emplace(peer::crossed_initiation{std::move(ours), *p.handshake_index});
    p.handshake_index.reset();
}

void peer_manager::emit(abi::command& c)
{
    c.seq = ++_seq;
    abi::seal(c);
    _out.command(c);
}

void peer_manager::emit_peer_command(abi::command_type t, abi::peer_id id)
{
    abi::command c;
    c.type = t;
    c.body.peer.peer = id;
    emit(c);
}

void peer_manager::emit_set_endpoint(const peer& p)
{
    abi::command c;
    c.type = abi::command_type::set_endpoint;
    auto& b = c.body.set_endpoint;
    b.peer = p.id;
    b.port_index = p.endpoint.port_index;
    b.remote = p.endpoint.remote;
    b.local = p.endpoint.local;
    // MAC addresses stay zero: neighbour resolution for Ethernet ports is not done here.
    emit(c);
}

void peer_manager::emit_allowed_ip(abi::command_type t, abi::peer_id id, const abi::prefix& pfx)
{
    abi::command c;
    c.type = t;
    c.body.allowed_ip.peer = id;
    c.body.allowed_ip.src = pfx;
    emit(c);
}

void peer_manager::emit_install(const peer& p, abi::key_slot slot, const transport_keys& k)
{
    abi::command c;
    c.type = abi::command_type::install_keypair;
    auto& b = c.body.install_keypair;
    b.peer = p.id;
    b.slot = slot;
    b.initiator = k.initiator ? 1 : 0;
    b.local_index = k.local_index;
    b.remote_index = k.remote_index;
    std::memcpy(b.send_key, k.send_key.data(), sizeof b.send_key);
    std::memcpy(b.recv_key, k.recv_key.data(), sizeof b.recv_key);
    nanos age = std::max(nanos(0), _clock.now() - k.created);
    b.age_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(age).count());
    b.send_counter = 0;
    emit(c);
    // The command is a copy on the stack: do not leave key bytes behind in it.
    crypto::wipe(&c, sizeof c);
}

void peer_manager::emit_retire(const peer& p, uint32_t local_index)
{
    abi::command c;
    c.type = abi::command_type::retire_keypair;
    c.body.retire_keypair.peer = p.id;
    c.body.retire_keypair.slot = abi::key_slot::by_index;
    c.body.retire_keypair.local_index = local_index;
    emit(c);
}

void peer_manager::inject_to(const peer_endpoint& to, std::span<const uint8_t> bytes)
{
    abi::injected_packet pkt;
    pkt.kind = abi::inject_kind::udp_payload;
    pkt.port_index = to.port_index;
    pkt.peer = abi::no_peer;
    pkt.len = uint16_t(bytes.size());
    pkt.remote = to.remote;
    pkt.local = to.local;
    std::memcpy(pkt.bytes, bytes.data(), bytes.size());
    _out.inject(pkt);
}

} // namespace edgerelay::cp
