// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Recorded keypairs for replaying live sessions into a restarted dataplane.
#include "controlplane/process/session_store.hh"

#include <cstring>

#include "common/crypto/secret.hh"

namespace edgerelay::cp::process {

namespace {

constexpr uint64_t counter_margin = 1ull << 20;

} // namespace

session_store::~session_store()
{
    while (!_keys.empty()) {
        erase(_keys.begin());
    }
}

void session_store::erase(std::map<uint32_t, entry>::iterator it) noexcept
{
    crypto::wipe(&it->second.install, sizeof it->second.install);
    _keys.erase(it);
}

void session_store::observe(const abi::command& c, nanos now)
{
    switch (c.type) {
    case abi::command_type::install_keypair: {
        auto& e = _keys[c.body.install_keypair.local_index];
        e.install = c.body.install_keypair;
        e.recorded = now;
        break;
    }
    case abi::command_type::retire_keypair:
        if (c.body.retire_keypair.slot == abi::key_slot::by_index) {
            forget(c.body.retire_keypair.local_index);
        }
        break;
    case abi::command_type::remove_peer:
        for (auto it = _keys.begin(); it != _keys.end();) {
            auto next = std::next(it);
            if (it->second.install.peer == c.body.peer.peer) {
                erase(it);
            }
            it = next;
        }
        break;
    default:
        break;
    }
}

void session_store::adopt(const abi::ev_rb_keypair& k, nanos now)
{
    if (_keys.contains(k.local_index)) {
        return;
    }
    abi::command c;
    c.type = abi::command_type::install_keypair;
    auto& b = c.body.install_keypair;
    b.peer = k.peer;
    b.slot = k.slot;
    b.initiator = k.initiator;
    b.local_index = k.local_index;
    b.remote_index = k.remote_index;
    std::memcpy(b.send_key, k.send_key, sizeof b.send_key);
    std::memcpy(b.recv_key, k.recv_key, sizeof b.recv_key);
    b.age_ms = k.age_ms;
    b.send_counter = k.send_counter;
    observe(c, now);
    crypto::wipe(&c, sizeof c);
}

void session_store::forget(uint32_t local_index) noexcept
{
    if (auto it = _keys.find(local_index); it != _keys.end()) {
        erase(it);
    }
}

void session_store::retain(const std::set<uint32_t>& live)
{
    for (auto it = _keys.begin(); it != _keys.end();) {
        auto next = std::next(it);
        if (!live.contains(it->first)) {
            erase(it);
        }
        it = next;
    }
}

uint64_t session_store::send_counter_bound(uint64_t initial, nanos elapsed) noexcept
{
    uint64_t ns = elapsed.count() > 0 ? uint64_t(elapsed.count()) : 0;
    return initial + ns + counter_margin;
}

std::optional<abi::command> session_store::replay(uint32_t local_index, abi::key_slot slot,
                                                  nanos now, uint64_t reject_after_time_ms) const
{
    auto it = _keys.find(local_index);
    if (it == _keys.end()) {
        return std::nullopt;
    }
    const entry& e = it->second;
    nanos elapsed = now - e.recorded;
    uint64_t age_ms =
        e.install.age_ms +
        uint64_t(std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
    if (age_ms >= reject_after_time_ms) {
        return std::nullopt;
    }
    abi::command c;
    c.type = abi::command_type::install_keypair;
    c.body.install_keypair = e.install;
    c.body.install_keypair.slot = slot;
    c.body.install_keypair.age_ms = age_ms;
    c.body.install_keypair.send_counter = send_counter_bound(e.install.send_counter, elapsed);
    return c;
}

} // namespace edgerelay::cp::process
