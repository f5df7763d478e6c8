// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Receiver index table on a lock-free rte_hash with QSBR slot reclamation.
#include "dataplane/tables/index_table.hh"

#include <cerrno>
#include <cstdio>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include "dataplane/tables/heap_stats.hh"

namespace edgerelay::dp {

std::unique_ptr<index_table> index_table::create(const char* name, uint32_t capacity,
                                                 rte_rcu_qsbr* qsbr)
{
    if (name == nullptr || capacity == 0 || qsbr == nullptr) {
        std::fprintf(stderr, "index_table: invalid arguments\n");
        return nullptr;
    }
    std::unique_ptr<index_table> t(new index_table);
    size_t before = dpdk_heap_allocated_bytes();

    rte_hash_parameters params{};
    params.name = name;
    params.entries = capacity;
    params.key_len = sizeof(uint32_t);
    params.hash_func = rte_hash_crc;
    params.socket_id = static_cast<int>(rte_socket_id());
    // EXT_TABLE: cuckoo displacement alone can fail before `entries` keys are in.
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    t->_hash = rte_hash_create(&params);
    if (t->_hash == nullptr) {
        std::fprintf(stderr, "index_table %s: rte_hash_create: %s\n", name,
                     rte_strerror(rte_errno));
        return nullptr;
    }

    // Defer-queue mode: the writer never blocks on readers; slots come back once their
    // grace period is over (the hash reclaims on add when it runs short).
    rte_hash_rcu_config rcu{};
    rcu.v = qsbr;
    rcu.mode = RTE_HASH_QSBR_MODE_DQ;
    if (int rc = rte_hash_rcu_qsbr_add(t->_hash, &rcu); rc != 0) {
        std::fprintf(stderr, "index_table %s: rte_hash_rcu_qsbr_add: %s\n", name,
                     rte_strerror(rte_errno));
        return nullptr;
    }
    t->_memory = dpdk_heap_allocated_bytes() - before;
    return t;
}

index_table::~index_table()
{
    rte_hash_free(_hash);
}

int index_table::add(uint32_t index, keypair* kp)
{
    if (kp == nullptr) {
        return -EINVAL;
    }
    if (rte_hash_lookup(_hash, &index) >= 0) {
        return -EEXIST;
    }
    int rc = rte_hash_add_key_data(_hash, &index, kp);
    if (rc < 0) {
        return rc;
    }
    ++_size;
    return 0;
}

int index_table::remove(uint32_t index)
{
    int32_t rc = rte_hash_del_key(_hash, &index);
    if (rc < 0) {
        return rc;
    }
    --_size;
    return 0;
}

keypair* index_table::find(uint32_t index) const noexcept
{
    void* data = nullptr;
    if (rte_hash_lookup_data(_hash, &index, &data) < 0) {
        return nullptr;
    }
    return static_cast<keypair*>(data);
}

void index_table::lookup_bulk(const uint32_t* keys, uint16_t n, keypair** out) const noexcept
{
    // rte_hash takes at most RTE_HASH_LOOKUP_BULK_MAX keys per call.
    const void* key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
    void* data[RTE_HASH_LOOKUP_BULK_MAX];
    for (uint16_t done = 0; done < n;) {
        uint32_t chunk = n - done;
        if (chunk > RTE_HASH_LOOKUP_BULK_MAX) {
            chunk = RTE_HASH_LOOKUP_BULK_MAX;
        }
        for (uint32_t i = 0; i < chunk; ++i) {
            key_ptrs[i] = &keys[done + i];
        }
        uint64_t hits = 0;
        rte_hash_lookup_bulk_data(_hash, key_ptrs, chunk, &hits, data);
        for (uint32_t i = 0; i < chunk; ++i) {
            out[done + i] = (hits >> i) & 1 ? static_cast<keypair*>(data[i]) : nullptr;
        }
        done += static_cast<uint16_t>(chunk);
    }
}

} // namespace edgerelay::dp
