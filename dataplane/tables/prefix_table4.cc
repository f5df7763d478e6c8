// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv4 prefix table: rte_lpm in QSBR defer-queue mode, plus the /0 it cannot store.
#include "dataplane/tables/prefix_table4.hh"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "dataplane/tables/heap_stats.hh"

namespace edgerelay::dp {

namespace {

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
    rte_lpm_config cfg{};
    cfg.max_rules = max_rules;
    cfg.number_tbl8s = tbl8_groups != 0 ? tbl8_groups : std::min<uint32_t>(max_rules, 1u << 16);
    t->_lpm = rte_lpm_create(name, static_cast<int>(rte_socket_id()), &cfg);
    if (t->_lpm == nullptr) {
        std::fprintf(stderr, "prefix_table4 %s: rte_lpm_create: %s\n", name,
                     rte_strerror(rte_errno));
        return nullptr;
    }
    // Defer-queue mode: deletes never wait for readers; a freed tbl8 group is reused once
    // its grace period is over (the LPM reclaims when it runs short of groups).
    rte_lpm_rcu_config rcu{};
    rcu.v = qsbr;
    rcu.mode = RTE_LPM_QSBR_MODE_DQ;
    if (rte_lpm_rcu_qsbr_add(t->_lpm, &rcu) != 0) {
        std::fprintf(stderr, "prefix_table4 %s: rte_lpm_rcu_qsbr_add: %s\n", name,
                     rte_strerror(rte_errno));
        return nullptr;
    }
    t->_memory = dpdk_heap_allocated_bytes() - before;
    t->_max_rules = max_rules;
    return t;
}

prefix_table4::~prefix_table4()
{
    rte_lpm_free(_lpm);
}

int prefix_table4::add(uint32_t addr, uint8_t depth, next_hop value)
{
    if (depth > RTE_LPM_MAX_DEPTH || !valid_next_hop(value)) {
        return -EINVAL;
    }
    auto key = std::make_pair(mask4(addr, depth), depth);
    auto it = _rules.find(key);
    if (it == _rules.end() && _rules.size() >= _max_rules) {
        return -ENOSPC;
    }
    if (depth == 0) {
        _default.store(value, std::memory_order_release);
    } else if (int rc = rte_lpm_add(_lpm, key.first, depth, value); rc < 0) {
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
    if (depth > RTE_LPM_MAX_DEPTH) {
        return -EINVAL;
    }
    auto it = _rules.find(std::make_pair(mask4(addr, depth), depth));
    if (it == _rules.end()) {
        return -ENOENT;
    }
    if (depth == 0) {
        _default.store(next_hop_none, std::memory_order_release);
    } else if (int rc = rte_lpm_delete(_lpm, it->first.first, depth); rc < 0) {
        return rc;
    }
    _rules.erase(it);
    return 0;
}

void prefix_table4::lookup_bulk(const uint32_t* addrs, uint16_t n, uint32_t* out) const noexcept
{
    // rte_lpm_lookup_bulk declares a VLA of n elements: n == 0 is undefined behaviour
    // (found by fuzz_pipeline: a burst with no IPv4 inner packet).
    if (n == 0) {
        return;
    }
    // rte_lpm marks hits with RTE_LPM_LOOKUP_SUCCESS above the 24-bit value.
    rte_lpm_lookup_bulk(_lpm, addrs, out, n);
    next_hop dflt = _default.load(std::memory_order_acquire);
    for (uint16_t i = 0; i < n; ++i) {
        out[i] = (out[i] & RTE_LPM_LOOKUP_SUCCESS) ? (out[i] & 0x00FFFFFFu) : dflt;
    }
}

next_hop prefix_table4::lookup(uint32_t addr) const noexcept
{
    uint32_t nh = 0;
    if (rte_lpm_lookup(_lpm, addr, &nh) == 0) {
        return nh;
    }
    return _default.load(std::memory_order_acquire);
}

} // namespace edgerelay::dp
