// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv4 prefix -> next hop (routes and allowed IPs): DIR-24-8 with QSBR-deferred tbl8 reuse.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <rte_rcu_qsbr.h>

#include "dataplane/limits.hh"

namespace edgerelay::dp {

/// Longest-prefix match over IPv4 prefixes, values of type next_hop (a peer id or
/// next_hop_local; next_hop_none is what lookups return where nothing matches).
///
/// Layout: DIR-24-8 as in rte_lpm (a 2^24-entry tbl24, 256-entry tbl8 groups for prefixes
/// longer than /24; each entry holds valid, the depth that wrote it and a 24-bit next hop).
/// Unlike rte_lpm, the rules live only in the writer's std::map, so an insert or delete
/// costs the entries it covers plus O(log n) map lookups, never a scan of the other rules
/// (rte_lpm's add scans all rules of the same depth and its tbl8 allocator scans groups,
/// which made 10^6 routes take minutes). rte_fib (DPDK 22.11) was the other candidate; it
/// has no QSBR mode and zeroes and reuses a collapsed tbl8 group at once (docs/DESIGN.md §7).
///
/// Concurrency: every entry is written with one atomic store; a new tbl8 group is filled
/// before the release store that links it; a collapsed group is unlinked, then reused only
/// after a QSBR grace period (defer queue), so readers never lock and never see a recycled
/// group. The /0 is a separate atomic consulted on a miss.
/// One writer (the applier); the writer keeps its own copy of the rules for read-back.
class prefix_table4 {
public:
    /// Longest an add waits for readers when it needs a tbl8 group and only retired ones
    /// are left (then -ENOSPC).
    static constexpr int grace_timeout_ms = 2000;

    /// @param name DPDK memory zone label
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
    ///         -ENOSPC rules or tbl8 groups exhausted (nothing changed).
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
    int install(uint32_t addr, uint8_t depth, next_hop value);
    void uninstall(uint32_t addr, uint8_t depth);
    uint32_t alloc_group();
    void reclaim(bool wait);

    uint32_t* _tbl24 = nullptr; // cp: n/a; dp: applier rw (atomic stores), workers ro
    uint32_t* _tbl8 = nullptr;  // cp: n/a; dp: applier rw (atomic stores), workers ro
    uint32_t _groups = 0;
    std::vector<uint32_t> _free;                      // applier only: groups ready for use
    std::deque<std::pair<uint64_t, uint32_t>> _retired; // applier only: (QSBR token, group)
    rte_rcu_qsbr* _qsbr = nullptr;
    std::atomic<next_hop> _default{next_hop_none}; // cp: n/a; dp: applier wo, workers ro
    std::map<std::pair<uint32_t, uint8_t>, next_hop> _rules;
    uint32_t _max_rules = 0;
    size_t _memory = 0;
};

/// True when v may be stored in a prefix table (a peer id, next_hop_local or next_hop_control).
constexpr bool valid_next_hop(next_hop v) noexcept
{
    return v <= max_peer_id || v == next_hop_local || v == next_hop_control;
}

} // namespace edgerelay::dp
