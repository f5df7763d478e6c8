// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// IPv6 prefix -> next hop (routes and allowed IPs): two rte_lpm6 copies published by QSBR.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <rte_lpm6.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/limits.hh"

namespace edgerelay::dp {

/// Longest-prefix match over IPv6 prefixes, values of type next_hop (a peer id up to
/// max_peer_id6, next_hop_local or next_hop_control; lookups return next_hop_none where nothing
/// matches).
///
/// Why two copies: in DPDK 22.11 neither rte_lpm6 nor rte_fib6 has QSBR support, and both
/// recycle a freed tbl8 group at once, so a reader racing a delete could walk into a group
/// already reused for another prefix. So this is a left-right table: readers use the copy behind
/// `_active`; the writer changes the other one, publishes it with a release store, and
/// brings the old copy up to date only once a QSBR grace period has passed since it was
/// unpublished. Each change costs two incremental trie updates, no rebuild; the writer
/// waits only if changes come faster than grace periods (bounded by `grace_timeout_ms`).
/// Memory is twice one rte_lpm6 (tbl24 alone is 64 MiB per copy).
///
/// Why rte_lpm6 and not rte_fib6: the rte_fib6 TRIE of DPDK 22.11.11 returned wrong next
/// hops against a std::map model after a few hundred random adds/deletes of overlapping
/// prefixes (its RIB-only DUMMY mode and rte_lpm6 did not). rte_lpm6 stores 21-bit next
/// hops, so next_hop_local and next_hop_control are stored as lpm6_local and lpm6_control and
/// peer ids must stay below them.
/// The /0 is a separate atomic, as for prefix_table4.
class prefix_table6 {
public:
    using address = std::array<uint8_t, 16>;

    /// rte_lpm6 keeps 21 bits of next hop: next_hop_local is stored as this value.
    static constexpr uint32_t lpm6_local = (1u << 21) - 1;
    /// And next_hop_control as this one. The two keep the order and spacing of the 24-bit
    /// values, so a lookup maps both back with one comparison and one addition.
    static constexpr uint32_t lpm6_control = lpm6_local - 1;
    static_assert(next_hop_local - next_hop_control == lpm6_local - lpm6_control);
    /// Largest peer id an IPv6 prefix can point to.
    static constexpr peer_id max_peer_id6 = lpm6_control - 1;

    /// Longest the writer waits for readers before a change fails with -ETIMEDOUT.
    static constexpr int grace_timeout_ms = 2000;

    /// @param name unique DPDK object name (keep it under 16 characters)
    /// @param max_rules prefixes that must fit (the /0 counts as one)
    /// @param qsbr the readers' QSBR variable; must outlive the table
    /// @param tbl8_groups groups per copy (1 KiB each; a /128 alone may take 13);
    ///        0 picks min(4 * max_rules, 65536)
    /// @return the table, or nullptr with a message on stderr
    static std::unique_ptr<prefix_table6> create(const char* name, uint32_t max_rules,
                                                 rte_rcu_qsbr* qsbr, uint32_t tbl8_groups = 0);
    ~prefix_table6();
    prefix_table6(const prefix_table6&) = delete;
    prefix_table6& operator=(const prefix_table6&) = delete;

    /// Writer: adds or replaces addr/depth (network byte order; host bits are ignored).
    /// @return 0; -EINVAL depth > 128 or value neither <= max_peer_id6 nor next_hop_local nor
    ///         next_hop_control;
    ///         -ENOSPC rules or tbl8 groups exhausted; -ETIMEDOUT a reader did not pass a
    ///         quiescent state in time (nothing changed).
    int add(const uint8_t addr[16], uint8_t depth, next_hop value);

    /// Writer: removes addr/depth.
    /// @return 0; -EINVAL depth > 128; -ENOENT no such prefix; -ETIMEDOUT as for add.
    int remove(const uint8_t addr[16], uint8_t depth);

    /// Reader: out[i] = value of the longest prefix holding addrs[i], next_hop_none where
    /// none does.
    void lookup_bulk(const uint8_t (*addrs)[16], uint16_t n, uint32_t* out) const noexcept;

    /// Prefixes installed.
    uint32_t rules() const noexcept { return static_cast<uint32_t>(_rules.size()); }
    /// Writer: the installed prefixes, (masked address, depth) -> value.
    const std::map<std::pair<address, uint8_t>, next_hop>& entries() const noexcept
    {
        return _rules;
    }
    /// DPDK memory taken by both copies.
    size_t memory_bytes() const noexcept { return _memory; }

private:
    struct change {
        address addr;
        uint8_t depth;
        bool add;
        next_hop value;
    };

    prefix_table6() = default;
    int apply(const change& c);
    int prepare_standby();
    static int apply_to(rte_lpm6* lpm, const change& c) noexcept;

    rte_lpm6* _lpm[2] = {nullptr, nullptr};
    std::atomic<rte_lpm6*> _active{nullptr}; // applier wo, workers ro (acquire)
    std::atomic<next_hop> _default{next_hop_none};
    rte_rcu_qsbr* _qsbr = nullptr;
    uint64_t _token = 0;          // grace period the standby copy still waits for
    bool _token_pending = false;
    std::vector<change> _lag;     // changes the standby copy has not seen yet
    std::map<std::pair<address, uint8_t>, next_hop> _rules;
    uint32_t _max_rules = 0;
    size_t _memory = 0;
};

} // namespace edgerelay::dp
