// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// All fast-path tables of one dataplane and the QSBR variable that guards them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <rte_rcu_qsbr.h>

#include "dataplane/limits.hh"
#include "dataplane/model.hh"
#include "dataplane/tables/index_table.hh"
#include "dataplane/tables/peer_table.hh"
#include "dataplane/tables/prefix_table4.hh"
#include "dataplane/tables/prefix_table6.hh"

namespace edgerelay::dp {

/// Sizes of a table_set. Each prefix table costs 64 MiB of tbl24 (IPv6: twice that)
/// whatever its rule count, so the four prefix tables alone take about 384 MiB.
struct table_set_config {
    const char* name = "er";          ///< prefix of the DPDK object names (<= 8 characters)
    uint32_t max_peers = 1024;        ///< peer slots (ids 0 .. max_peers-1)
    uint32_t max_keypairs = 4096;     ///< receiver indices mapped at once
    uint32_t max_routes4 = 4096;
    uint32_t max_routes6 = 4096;
    uint32_t max_allowed4 = 4096;
    uint32_t max_allowed6 = 4096;
    uint32_t max_readers = max_workers; ///< reader (worker) ids 0 .. max_readers-1
};

/// Allocates a zeroed keypair in DPDK memory on the caller's socket (the applier fills it,
/// then publishes it). @return nullptr when out of memory.
keypair* keypair_create() noexcept;

/// Wipes every byte of kp (keys included) and frees it. Call only after a grace period.
void keypair_destroy(keypair* kp) noexcept;

/// Owner of the QSBR variable and of every table the workers read. The applier thread is
/// the only writer; workers register once, then report a quiescent state between bursts.
class table_set {
public:
    /// What retire_keypair does with a keypair once no reader can hold it.
    using keypair_release = void (*)(keypair*) noexcept;

    /// @return the tables, or nullptr with a message on stderr (bad sizes, no memory)
    static std::unique_ptr<table_set> create(const table_set_config& cfg);
    ~table_set();
    table_set(const table_set&) = delete;
    table_set& operator=(const table_set&) = delete;

    /// Worker start-up: registers worker_id as a reader and puts it online.
    /// @return 0; -EINVAL worker_id >= max_readers; other negative errno from DPDK.
    int register_reader(uint32_t worker_id);
    /// Worker shutdown: takes worker_id offline and unregisters it.
    int unregister_reader(uint32_t worker_id);

    /// Worker, between bursts: no table pointer read before this call is used after it.
    void quiescent(uint32_t worker_id) noexcept { rte_rcu_qsbr_quiescent(_qsbr, worker_id); }

    /// Writer: waits until every online reader passed a quiescent state.
    /// @return 0; -ETIMEDOUT when a reader did not report within timeout.
    int synchronize(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

    /// Writer: retires the keypair in peer's slot: unlinks it from the slot and, if it is
    /// still mapped there, from the index table; waits a grace period; then calls release
    /// (by default keypair_destroy: wipe and free). If the keypair is still in another
    /// slot of the same peer it is only unlinked from this one.
    /// @return 0; -ENOENT peer inactive or slot empty; -ETIMEDOUT the grace period did not
    ///         end in time: the keypair is unlinked and released later by reclaim().
    int retire_keypair(peer_id peer, keypair_slot slot,
                       keypair_release release = keypair_destroy);

    /// Writer: releases deferred keypairs whose grace period has ended.
    /// @return how many are still waiting.
    size_t reclaim() noexcept;

    index_table& index() noexcept { return *_index; }
    peer_table& peers() noexcept { return *_peers; }
    prefix_table4& routes4() noexcept { return *_routes4; }
    prefix_table6& routes6() noexcept { return *_routes6; }
    prefix_table4& allowed4() noexcept { return *_allowed4; }
    prefix_table6& allowed6() noexcept { return *_allowed6; }
    const index_table& index() const noexcept { return *_index; }
    const peer_table& peers() const noexcept { return *_peers; }
    const prefix_table4& routes4() const noexcept { return *_routes4; }
    const prefix_table6& routes6() const noexcept { return *_routes6; }
    const prefix_table4& allowed4() const noexcept { return *_allowed4; }
    const prefix_table6& allowed6() const noexcept { return *_allowed6; }
    rte_rcu_qsbr* qsbr() const noexcept { return _qsbr; }

    /// DPDK memory taken by all tables and the QSBR variable.
    size_t memory_bytes() const noexcept;

private:
    struct deferred {
        uint64_t token;
        keypair* kp;
        keypair_release release;
    };

    table_set() = default;

    rte_rcu_qsbr* _qsbr = nullptr;
    size_t _qsbr_bytes = 0;
    uint32_t _max_readers = 0;
    std::unique_ptr<index_table> _index;
    std::unique_ptr<peer_table> _peers;
    std::unique_ptr<prefix_table4> _routes4;
    std::unique_ptr<prefix_table6> _routes6;
    std::unique_ptr<prefix_table4> _allowed4;
    std::unique_ptr<prefix_table6> _allowed6;
    std::vector<deferred> _deferred;
};

} // namespace edgerelay::dp
