// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv6 prefix table: left-right pair of rte_lpm6 tables published under QSBR (see header).
#include "dataplane/tables/prefix_table6.hh"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "dataplane/tables/heap_stats.hh"
#include "dataplane/tables/prefix_table4.hh"

namespace edgerelay::dp {

namespace {

prefix_table6::address mask6(const uint8_t addr[16], uint8_t depth) noexcept
{
    prefix_table6::address out{};
    for (unsigned i = 0; i < 16; ++i) {
        unsigned bits = depth > 8 * i ? std::min(8u, depth - 8 * i) : 0;
        uint8_t m = bits == 0 ? 0 : static_cast<uint8_t>(0xFFu << (8 - bits));
        out[i] = addr[i] & m;
    }
    return out;
}

} // namespace

std::unique_ptr<prefix_table6> prefix_table6::create(const char* name, uint32_t max_rules,
                                                     rte_rcu_qsbr* qsbr, uint32_t tbl8_groups)
{
    if (name == nullptr || max_rules == 0 || qsbr == nullptr) {
        std::fprintf(stderr, "prefix_table6: invalid arguments\n");
        return nullptr;
    }
    std::unique_ptr<prefix_table6> t(new prefix_table6);
    size_t before = dpdk_heap_allocated_bytes();
    rte_lpm6_config cfg{};
    cfg.max_rules = max_rules;
    cfg.number_tbl8s = tbl8_groups != 0 ? tbl8_groups : std::min<uint32_t>(4 * max_rules, 1u << 16);
    for (int i = 0; i < 2; ++i) {
        std::string copy = std::string(name) + (i == 0 ? "_l" : "_r");
        t->_lpm[i] = rte_lpm6_create(copy.c_str(), static_cast<int>(rte_socket_id()), &cfg);
        if (t->_lpm[i] == nullptr) {
            std::fprintf(stderr, "prefix_table6 %s: rte_lpm6_create: %s\n", copy.c_str(),
                         rte_strerror(rte_errno));
            return nullptr;
        }
    }
    t->_memory = dpdk_heap_allocated_bytes() - before;
    t->_active.store(t->_lpm[0], std::memory_order_release);
    t->_qsbr = qsbr;
    t->_max_rules = max_rules;
    return t;
}

prefix_table6::~prefix_table6()
{
    rte_lpm6_free(_lpm[0]);
    rte_lpm6_free(_lpm[1]);
}

int prefix_table6::add(const uint8_t addr[16], uint8_t depth, next_hop value)
{
    if (depth > 128 ||
        (value > max_peer_id6 && value != next_hop_local && value != next_hop_control)) {
        return -EINVAL;
    }
    change c{mask6(addr, depth), depth, true, value};
    auto it = _rules.find(std::make_pair(c.addr, depth));
    if (it == _rules.end() && _rules.size() >= _max_rules) {
        return -ENOSPC;
    }
    if (depth == 0) {
        _default.store(value, std::memory_order_release);
    } else if (int rc = apply(c); rc < 0) {
        return rc;
    }
    if (it == _rules.end()) {
        _rules.emplace(std::make_pair(c.addr, depth), value);
    } else {
        it->second = value;
    }
    return 0;
}

int prefix_table6::remove(const uint8_t addr[16], uint8_t depth)
{
    if (depth > 128) {
        return -EINVAL;
    }
    change c{mask6(addr, depth), depth, false, next_hop_none};
    auto it = _rules.find(std::make_pair(c.addr, depth));
    if (it == _rules.end()) {
        return -ENOENT;
    }
    if (depth == 0) {
        _default.store(next_hop_none, std::memory_order_release);
    } else if (int rc = apply(c); rc < 0) {
        return rc;
    }
    _rules.erase(it);
    return 0;
}

int prefix_table6::apply_to(rte_lpm6* lpm, const change& c) noexcept
{
    if (!c.add) {
        return rte_lpm6_delete(lpm, c.addr.data(), c.depth);
    }
    uint32_t stored = c.value == next_hop_local     ? lpm6_local
                      : c.value == next_hop_control ? lpm6_control
                                                    : c.value;
    return rte_lpm6_add(lpm, c.addr.data(), c.depth, stored);
}

// Waits (bounded) until no reader can still be inside the standby copy, then replays
// the changes it missed while it was the active one.
int prefix_table6::prepare_standby()
{
    if (_token_pending) {
        auto deadline = std::chrono::steady_clock::now()
            + std::chrono::milliseconds(grace_timeout_ms);
        while (rte_rcu_qsbr_check(_qsbr, _token, false) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                return -ETIMEDOUT;
            }
            std::this_thread::yield();
        }
        _token_pending = false;
    }
    rte_lpm6* standby = _active.load(std::memory_order_relaxed) == _lpm[0] ? _lpm[1] : _lpm[0];
    for (const change& c : _lag) {
        // These succeeded on the other copy, which had the same contents and sizes.
        if (int rc = apply_to(standby, c); rc < 0) {
            std::fprintf(stderr, "prefix_table6: replay on standby copy failed (%d)\n", rc);
            return rc;
        }
    }
    _lag.clear();
    return 0;
}

int prefix_table6::apply(const change& c)
{
    if (int rc = prepare_standby(); rc < 0) {
        return rc;
    }
    rte_lpm6* old_active = _active.load(std::memory_order_relaxed);
    rte_lpm6* standby = old_active == _lpm[0] ? _lpm[1] : _lpm[0];
    if (int rc = apply_to(standby, c); rc < 0) {
        return rc; // rte_lpm6_add checks for room before writing: the copies still agree
    }
    // Release: the trie writes above are visible to any reader that loads the new copy.
    _active.store(standby, std::memory_order_release);
    _token = rte_rcu_qsbr_start(_qsbr);
    _token_pending = true;
    _lag.push_back(c);
    return 0;
}

void prefix_table6::lookup_bulk(const uint8_t (*addrs)[16], uint16_t n,
                                uint32_t* out) const noexcept
{
    const rte_lpm6* lpm = _active.load(std::memory_order_acquire);
    next_hop dflt = _default.load(std::memory_order_acquire);
    int32_t nh[max_burst];
    for (uint16_t done = 0; done < n;) {
        uint16_t chunk = std::min<uint16_t>(n - done, max_burst);
        // rte_lpm6_lookup_bulk_func only reads the addresses despite its non-const prototype.
        rte_lpm6_lookup_bulk_func(lpm, const_cast<uint8_t(*)[16]>(addrs + done), nh, chunk);
        for (uint16_t i = 0; i < chunk; ++i) {
            uint32_t v = static_cast<uint32_t>(nh[i]);
            constexpr uint32_t shift = next_hop_control - lpm6_control;
            out[done + i] = nh[i] < 0 ? dflt : v >= lpm6_control ? v + shift : v;
        }
        done += chunk;
    }
}

} // namespace edgerelay::dp
