// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv4 prefix table: DIR-24-8 (tbl24 + 256-entry tbl8 groups) written by one writer that
// keeps its rules in a std::map, tbl8 groups reused only after a QSBR grace period.
#include "dataplane/tables/prefix_table4.hh"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dataplane/tables/heap_stats.hh"

namespace edgerelay::dp {

namespace {

// Entry layout (tbl24 and tbl8): valid | ext (tbl24 only: the low bits are a tbl8 group)
// | depth of the prefix that wrote it (6 bits) | next hop (24 bits). Invalid is all zero,
// so an invalid entry has depth 0 and is overwritten by any prefix.
constexpr uint32_t ent_valid = 1u << 31;
constexpr uint32_t ent_ext = 1u << 30;
constexpr int depth_shift = 24;
constexpr uint32_t value_mask = 0x00FFFFFFu;
constexpr uint32_t group_entries = 256;
constexpr uint32_t tbl24_entries = 1u << 24;

static_assert(next_hop_local <= value_mask && max_peer_id <= value_mask,
              "prefix_table4 stores 24-bit next hops");

constexpr uint32_t make_entry(uint8_t depth, uint32_t value) noexcept
{
    return ent_valid | (uint32_t{depth} << depth_shift) | value;
}

constexpr uint8_t depth_of(uint32_t e) noexcept
{
    return static_cast<uint8_t>((e >> depth_shift) & 0x3F);
}

// Writer: one aligned 32-bit store per entry, so a reader sees the old or the new entry.
void publish(uint32_t* at, uint32_t e) noexcept
{
    __atomic_store_n(at, e, __ATOMIC_RELEASE);
}

uint32_t mask4(uint32_t addr, uint8_t depth) noexcept
{
    return depth == 0 ? 0 : addr & (UINT32_MAX << (32 - depth));
}

} // namespace

std::unique_ptr<prefix_table4> prefix_table4::create(const char* name, uint32_t max_rules,
                                                     rte_rcu_qsbr* qsbr, uint32_t tbl8_groups)
{
    if (name == nullptr || max_rules == 0 || qsbr == nullptr) {
        std::fprintf(stderr, "prefix_table4: invalid arguments\n");
        return nullptr;
    }
    std::unique_ptr<prefix_table4> t(new prefix_table4);
    size_t before = dpdk_heap_allocated_bytes();
    const uint32_t groups = tbl8_groups != 0 ? tbl8_groups : std::min<uint32_t>(max_rules, 1u << 16);
    if (groups > value_mask + 1) {
        std::fprintf(stderr, "prefix_table4 %s: too many tbl8 groups\n", name);
        return nullptr;
    }
    const int socket = static_cast<int>(rte_socket_id());
    t->_tbl24 = static_cast<uint32_t*>(
        rte_zmalloc_socket(name, sizeof(uint32_t) * tbl24_entries, RTE_CACHE_LINE_SIZE, socket));
    t->_tbl8 = static_cast<uint32_t*>(rte_zmalloc_socket(
        name, sizeof(uint32_t) * group_entries * groups, RTE_CACHE_LINE_SIZE, socket));
    if (t->_tbl24 == nullptr || t->_tbl8 == nullptr) {
        std::fprintf(stderr, "prefix_table4 %s: out of DPDK memory (%u tbl8 groups)\n", name,
                     groups);
        return nullptr;
    }
    t->_groups = groups;
    t->_free.reserve(groups);
    for (uint32_t g = groups; g-- > 0;) {
        t->_free.push_back(g); // pop_back hands out group 0 first
    }
    t->_qsbr = qsbr;
    t->_memory = dpdk_heap_allocated_bytes() - before;
    t->_max_rules = max_rules;
    return t;
}

prefix_table4::~prefix_table4()
{
    rte_free(_tbl8);
    rte_free(_tbl24);
}

// Moves retired groups whose grace period is over to the free list. Tokens grow
// monotonically, so the oldest retirement is checked first. With `wait`, waits (bounded)
// for the oldest one when nothing is free yet.
void prefix_table4::reclaim(bool wait)
{
    while (!_retired.empty()) {
        const auto [token, group] = _retired.front();
        if (rte_rcu_qsbr_check(_qsbr, token, false) == 0) {
            if (!wait || !_free.empty()) {
                return;
            }
            auto deadline = std::chrono::steady_clock::now()
                + std::chrono::milliseconds(grace_timeout_ms);
            while (rte_rcu_qsbr_check(_qsbr, token, false) == 0) {
                if (std::chrono::steady_clock::now() > deadline) {
                    return;
                }
                std::this_thread::yield();
            }
        }
        _free.push_back(group);
        _retired.pop_front();
    }
}

uint32_t prefix_table4::alloc_group()
{
    if (_free.empty()) {
        reclaim(true);
    }
    if (_free.empty()) {
        return UINT32_MAX;
    }
    uint32_t g = _free.back();
    _free.pop_back();
    return g;
}

int prefix_table4::install(uint32_t addr, uint8_t depth, next_hop value)
{
    const uint32_t e = make_entry(depth, value);
    if (depth <= 24) {
        // Every /24 slot of the prefix; a slot or group entry is ours unless a longer
        // prefix wrote it.
        const uint32_t first = addr >> 8;
        const uint32_t end = first + (1u << (24 - depth));
        for (uint32_t i = first; i < end; i++) {
            const uint32_t cur = _tbl24[i];
            if ((cur & ent_ext) == 0) {
                if (depth_of(cur) <= depth) {
                    publish(&_tbl24[i], e);
                }
                continue;
            }
            uint32_t* grp = _tbl8 + (cur & value_mask) * group_entries;
            for (uint32_t j = 0; j < group_entries; j++) {
                if (depth_of(grp[j]) <= depth) {
                    publish(&grp[j], e);
                }
            }
        }
        return 0;
    }
    const uint32_t slot = addr >> 8;
    const uint32_t first = addr & 0xFF;
    const uint32_t end = first + (1u << (32 - depth));
    const uint32_t cur = _tbl24[slot];
    if ((cur & ent_ext) == 0) {
        // New group: a copy of the /24 slot with the prefix written over, filled before
        // the release store that makes it reachable.
        const uint32_t g = alloc_group();
        if (g == UINT32_MAX) {
            return -ENOSPC;
        }
        uint32_t* grp = _tbl8 + g * group_entries;
        for (uint32_t j = 0; j < group_entries; j++) {
            grp[j] = j >= first && j < end ? e : cur;
        }
        publish(&_tbl24[slot], ent_valid | ent_ext | g);
        return 0;
    }
    uint32_t* grp = _tbl8 + (cur & value_mask) * group_entries;
    for (uint32_t j = first; j < end; j++) {
        if (depth_of(grp[j]) <= depth) {
            publish(&grp[j], e);
        }
    }
    return 0;
}

void prefix_table4::uninstall(uint32_t addr, uint8_t depth)
{
    // The entries the prefix wrote (exactly its depth) fall back to the longest shorter
    // prefix that covers it, or to invalid (then the /0 answers).
    uint32_t repl = 0;
    for (uint8_t d = static_cast<uint8_t>(depth - 1); d >= 1; d--) {
        auto it = _rules.find(std::make_pair(mask4(addr, d), d));
        if (it != _rules.end()) {
            repl = make_entry(d, it->second);
            break;
        }
    }
    if (depth <= 24) {
        const uint32_t first = addr >> 8;
        const uint32_t end = first + (1u << (24 - depth));
        for (uint32_t i = first; i < end; i++) {
            const uint32_t cur = _tbl24[i];
            if ((cur & ent_ext) == 0) {
                if (depth_of(cur) == depth) {
                    publish(&_tbl24[i], repl);
                }
                continue;
            }
            // A group lives only while a prefix longer than /24 is in it: no collapse here.
            uint32_t* grp = _tbl8 + (cur & value_mask) * group_entries;
            for (uint32_t j = 0; j < group_entries; j++) {
                if (depth_of(grp[j]) == depth) {
                    publish(&grp[j], repl);
                }
            }
        }
        return;
    }
    const uint32_t slot = addr >> 8;
    const uint32_t first = addr & 0xFF;
    const uint32_t end = first + (1u << (32 - depth));
    const uint32_t cur = _tbl24[slot];
    const uint32_t g = cur & value_mask;
    uint32_t* grp = _tbl8 + g * group_entries;
    for (uint32_t j = first; j < end; j++) {
        if (depth_of(grp[j]) == depth) {
            publish(&grp[j], repl);
        }
    }
    // Collapse a group left without longer prefixes: all its entries are then the same
    // /24-or-shorter answer. Readers may still be inside it: it is retired, not freed.
    const uint32_t head = grp[0];
    if (depth_of(head) > 24) {
        return;
    }
    for (uint32_t j = 1; j < group_entries; j++) {
        if (grp[j] != head) {
            return;
        }
    }
    publish(&_tbl24[slot], head);
    _retired.emplace_back(rte_rcu_qsbr_start(_qsbr), g);
}

int prefix_table4::add(uint32_t addr, uint8_t depth, next_hop value)
{
    if (depth > 32 || !valid_next_hop(value) || value > value_mask) {
        return -EINVAL;
    }
    auto key = std::make_pair(mask4(addr, depth), depth);
    auto it = _rules.find(key);
    if (it == _rules.end() && _rules.size() >= _max_rules) {
        return -ENOSPC;
    }
    if (depth == 0) {
        _default.store(value, std::memory_order_release);
    } else if (int rc = install(key.first, depth, value); rc < 0) {
        return rc;
    }
    if (it == _rules.end()) {
        _rules.emplace(key, value);
    } else {
        it->second = value;
    }
    return 0;
}

int prefix_table4::remove(uint32_t addr, uint8_t depth)
{
    if (depth > 32) {
        return -EINVAL;
    }
    auto it = _rules.find(std::make_pair(mask4(addr, depth), depth));
    if (it == _rules.end()) {
        return -ENOENT;
    }
    if (depth == 0) {
        _default.store(next_hop_none, std::memory_order_release);
    } else {
        uninstall(it->first.first, depth);
    }
    _rules.erase(it);
    return 0;
}

void prefix_table4::lookup_bulk(const uint32_t* addrs, uint16_t n, uint32_t* out) const noexcept
{
    // tbl24 is 64 MiB: start every burst's first-level loads before using any of them.
    for (uint16_t i = 0; i < n; ++i) {
        rte_prefetch0(&_tbl24[addrs[i] >> 8]);
    }
    const next_hop dflt = _default.load(std::memory_order_acquire);
    for (uint16_t i = 0; i < n; ++i) {
        uint32_t e = __atomic_load_n(&_tbl24[addrs[i] >> 8], __ATOMIC_ACQUIRE);
        if (e & ent_ext) {
            e = __atomic_load_n(&_tbl8[(e & value_mask) * group_entries + (addrs[i] & 0xFF)],
                                __ATOMIC_ACQUIRE);
        }
        out[i] = (e & ent_valid) ? (e & value_mask) : dflt;
    }
}

next_hop prefix_table4::lookup(uint32_t addr) const noexcept
{
    uint32_t out = next_hop_none;
    lookup_bulk(&addr, 1, &out);
    return out;
}

} // namespace edgerelay::dp
