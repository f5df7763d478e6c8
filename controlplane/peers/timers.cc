// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard's per-peer timers (whitepaper §6, the kernel's timers.c) driven by tick().
#include <cerrno>
#include <vector>

#include "controlplane/peers/peer_manager.hh"

namespace edgerelay::cp {

namespace {

// Takes a deadline that is due: disarms it and says so.
bool fire(std::optional<nanos>& deadline, nanos now) noexcept
{
    if (deadline && *deadline <= now) {
        deadline.reset();
        return true;
    }
    return false;
}

} // namespace

int peer_manager::send_initiation(peer& p, bool is_retry)
{
    if (p.endpoint.remote.empty()) {
        return -EDESTADDRREQ;
    }
    nanos now = _clock.now();
    if (!is_retry) {
        p.timers.handshake_attempts = 0;
    }
    // At most one initiation per REKEY_TIMEOUT, whatever asks for it.
    if (p.timers.last_sent_handshake && now - *p.timers.last_sent_handshake < rekey_timeout) {
        return -EALREADY;
    }
    release_handshake_index(p);
    uint32_t index = allocate_index(p.id);
    p.handshake_index = index;
    auto msg = p.hs.create_initiation(_clock.wall(), index);
    if (!msg) {
        release_handshake_index(p);
        return -EIO;
    }
    p.cookies.add_macs(*msg, now);
    p.timers.last_sent_handshake = now;
    inject_to(p.endpoint, *msg);
    ++_counters.initiations_sent;
    handshake_initiated(p);
    any_authenticated_packet_sent(p);
    any_authenticated_packet_traversal(p);
    return 0;
}

void peer_manager::send_keepalive(peer& p)
{
    if (!p.slots.current()) {
        // Nothing to send it with: as in WireGuard, a queued keepalive asks for a handshake.
        send_initiation(p, false);
        return;
    }
    emit_peer_command(abi::command_type::send_keepalive, p.id);
    any_authenticated_packet_sent(p);
    any_authenticated_packet_traversal(p);
}

void peer_manager::tick()
{
    nanos now = _clock.now();
    for (auto& [id, p] : _peers) {
        tick_peer(*p, now);
    }
}

void peer_manager::tick_peer(peer& p, nanos now)
{
    expire_keypairs(p, now);

    // REKEY_AFTER_TIME. WireGuard checks it when sending; the control plane does not see
    // sends, so the age alone decides. Only the initiator rekeys, so both ends do not race.
    const auto& cur = p.slots.current();
    if (cur && cur->initiator && now - cur->created >= rekey_after_time &&
        !p.timers.retransmit_handshake) {
        send_initiation(p, false);
    }

    peer_timers& t = p.timers;
    if (fire(t.retransmit_handshake, now)) {
        if (t.handshake_attempts >= max_timer_handshakes) {
            // Give up. The handshake state stays so that a late response still completes;
            // everything is wiped at zero_key_material.
            t.send_keepalive.reset();
            ++_counters.handshakes_abandoned;
            if (!t.zero_key_material) {
                t.zero_key_material = now + zero_key_material_after;
            }
        } else {
            ++t.handshake_attempts;
            send_initiation(p, true);
        }
    }
    if (fire(t.send_keepalive, now)) {
        send_keepalive(p);
        if (t.need_another_keepalive) {
            t.need_another_keepalive = false;
            t.send_keepalive = now + keepalive_timeout;
        }
    }
    if (fire(t.new_handshake, now)) {
        // We sent data and heard nothing for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT.
        send_initiation(p, false);
    }
    if (fire(t.zero_key_material, now)) {
        zero_key_material(p);
    }
    if (fire(t.persistent_keepalive, now) && p.persistent_keepalive_s != 0) {
        send_keepalive(p);
    }
}

void peer_manager::expire_keypairs(peer& p, nanos now)
{
    std::vector<uint32_t> old;
    for (const auto* k : {&p.slots.previous(), &p.slots.current(), &p.slots.next()}) {
        if (*k && now - (*k)->created >= reject_after_time) {
            old.push_back((*k)->local_index);
        }
    }
    // The dataplane refuses them already (limits::reject_after_time_ms); this frees the slots.
    for (uint32_t index : old) {
        drop_keypair(p, index, true);
    }
}

void peer_manager::zero_key_material(peer& p)
{
    clear_keypairs(p, true);
    release_handshake_index(p);
    p.hs.clear();
}

nanos peer_manager::jitter() noexcept
{
    const auto span = uint32_t(nanos(rekey_timeout_jitter_max).count()) + 1;
    return nanos(_rng->next_u32() % span);
}

void peer_manager::handshake_initiated(peer& p)
{
    p.timers.retransmit_handshake = _clock.now() + rekey_timeout + jitter();
}

void peer_manager::handshake_complete(peer& p)
{
    p.timers.retransmit_handshake.reset();
    p.timers.handshake_attempts = 0;
    p.latest_handshake_wall = _clock.wall();
}

void peer_manager::session_derived(peer& p)
{
    p.timers.zero_key_material = _clock.now() + zero_key_material_after;
    if (!p.slots.current() || !p.slots.current()->initiator) {
        // Responder: `show` reports the handshake now, even before confirmation.
        p.latest_handshake_wall = _clock.wall();
    }
}

void peer_manager::any_authenticated_packet_sent(peer& p)
{
    p.timers.send_keepalive.reset();
}

void peer_manager::any_authenticated_packet_received(peer& p)
{
    p.timers.new_handshake.reset();
}

void peer_manager::any_authenticated_packet_traversal(peer& p)
{
    if (p.persistent_keepalive_s != 0) {
        p.timers.persistent_keepalive =
            _clock.now() + std::chrono::seconds(p.persistent_keepalive_s);
    }
}

void peer_manager::on_data_received(abi::peer_id id)
{
    peer* p = find(id);
    if (p == nullptr) {
        return;
    }
    any_authenticated_packet_received(*p);
    any_authenticated_packet_traversal(*p);
    if (!p->timers.send_keepalive) {
        p->timers.send_keepalive = _clock.now() + keepalive_timeout;
    } else {
        p->timers.need_another_keepalive = true;
    }
}

void peer_manager::on_data_sent(abi::peer_id id)
{
    peer* p = find(id);
    if (p == nullptr) {
        return;
    }
    any_authenticated_packet_sent(*p);
    any_authenticated_packet_traversal(*p);
    if (!p->timers.new_handshake) {
        p->timers.new_handshake = _clock.now() + keepalive_timeout + rekey_timeout + jitter();
    }
}

} // namespace edgerelay::cp
