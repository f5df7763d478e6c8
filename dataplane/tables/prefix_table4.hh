// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv4 prefix -> next hop (routes and allowed IPs) on rte_lpm with QSBR-deferred tbl8 reuse.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include <rte_lpm.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/limits.hh"

namespace edgerelay::dp {

/// Longest-prefix match over IPv4 prefixes, values of type next_hop (a peer id or
/// next_hop_local; next_hop_none is what lookups return where nothing matches).
///
/// Concurrency: rte_lpm writes every table entry with one atomic store and, with
/// rte_lpm_rcu_qsbr_add (defer-queue mode), reuses a freed tbl8 group only after a QSBR
/// grace period, so readers never lock and never see a recycled group. rte_lpm cannot
/// hold /0, so the default route is a separate atomic consulted on a miss.
/// One writer (the applier); the writer keeps its own copy of the rules for read-back.
class prefix_table4 {
public:
    /// @param name unique DPDK object name (keep it under 20 characters)
    /// @param max_rules prefixes that must fit (the /0 counts as one)
    /// @param qsbr the readers' QSBR variable; must outlive the table
    /// @param tbl8_groups 256-entry groups for prefixes longer than /24 (1 KiB each);
    ///        0 picks min(max_rules, 65536)
    /// @return the table, or nullptr with a message on stderr
    static std::unique_ptr<prefix_table4> create(const char* name, uint32_t max_rules,
                                                 rte_rcu_qsbr* qsbr, uint32_t tbl8_groups = 0);
    ~prefix_table4();
    prefix_table4(const prefix_table4&) = delete;
    prefix_table4& operator=(const prefix_table4&) = delete;

    /// Writer: adds or replaces addr/depth (host byte order; host bits are ignored).
    /// @return 0; -EINVAL depth > 32 or value not a peer id / next_hop_local;
    ///         -ENOSPC rules or tbl8 groups exhausted.
    int add(uint32_t addr, uint8_t depth, next_hop value);

    /// Writer: removes addr/depth.
    /// @return 0; -EINVAL depth > 32; -ENOENT no such prefix.
    int remove(uint32_t addr, uint8_t depth);

    /// Reader: out[i] = value of the longest prefix holding addrs[i] (host byte order),
    /// next_hop_none where none does.
    void lookup_bulk(const uint32_t* addrs, uint16_t n, uint32_t* out) const noexcept;

    /// Reader: single-address lookup.
    next_hop lookup(uint32_t addr) const noexcept;

    /// Prefixes installed.
    uint32_t rules() const noexcept { return static_cast<uint32_t>(_rules.size()); }
    /// Writer: the installed prefixes, (masked address, depth) -> value.
    const std::map<std::pair<uint32_t, uint8_t>, next_hop>& entries() const noexcept
    {
        return _rules;
    }
    /// DPDK memory taken (tbl24 is 64 MiB whatever max_rules is).
    size_t memory_bytes() const noexcept { return _memory; }

private:
    prefix_table4() = default;
    rte_lpm* _lpm = nullptr;
    std::atomic<next_hop> _default{next_hop_none}; // cp: n/a; dp: applier wo, workers ro
    std::map<std::pair<uint32_t, uint8_t>, next_hop> _rules;
    uint32_t _max_rules = 0;
    size_t _memory = 0;
};

/// True when v may be stored in a prefix table (a peer id or next_hop_local).
constexpr bool valid_next_hop(next_hop v) noexcept
{
    return v <= max_peer_id || v == next_hop_local;
}

} // namespace edgerelay::dp
