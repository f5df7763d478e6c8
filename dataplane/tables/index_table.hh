// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Receiver index -> keypair: the first lookup of every type-4 message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/model.hh"

namespace edgerelay::dp {

/// Lock-free rte_hash (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF + EXT_TABLE, so `capacity`
/// indices always fit) with DPDK's internal QSBR reclamation: a removed index's slot is
/// reused only after every registered reader passed a quiescent state. The keypair the
/// index pointed to is NOT freed here: that is table_set::retire_keypair's job.
/// One writer (the applier), any number of readers that never lock.
class index_table {
public:
    /// Creates the table on the caller's NUMA socket.
    /// @param name unique DPDK object name (at most 20 characters are kept distinct)
    /// @param capacity indices that must fit at once (> 0)
    /// @param qsbr the readers' QSBR variable; must outlive the table
    /// @return the table, or nullptr with a message on stderr (bad arguments, no memory,
    ///         name in use)
    static std::unique_ptr<index_table> create(const char* name, uint32_t capacity,
                                               rte_rcu_qsbr* qsbr);
    ~index_table();
    index_table(const index_table&) = delete;
    index_table& operator=(const index_table&) = delete;

    /// Writer: maps index to kp (kp != nullptr).
    /// @return 0; -EEXIST when index is mapped already (remove it first: replacing a live
    ///         keypair silently would leak it); -ENOSPC when full; -EINVAL for nullptr.
    int add(uint32_t index, keypair* kp);

    /// Writer: unmaps index. Readers may still see the old keypair until a grace period.
    /// @return 0; -ENOENT when index is not mapped.
    int remove(uint32_t index);

    /// Writer-side single lookup (the applier checks ownership before removing).
    /// @return the keypair, or nullptr when absent.
    keypair* find(uint32_t index) const noexcept;

    /// Reader (fast path): out[i] = keypair of keys[i], nullptr where absent.
    void lookup_bulk(const uint32_t* keys, uint16_t n, keypair** out) const noexcept;

    /// Indices currently mapped (rte_hash_count would also count slots still waiting for
    /// their grace period).
    uint32_t size() const noexcept { return _size; }
    /// DPDK memory taken by the table (hash, key store, defer queue).
    size_t memory_bytes() const noexcept { return _memory; }

private:
    index_table() = default;
    rte_hash* _hash = nullptr;
    uint32_t _size = 0;
    size_t _memory = 0;
};

} // namespace edgerelay::dp
