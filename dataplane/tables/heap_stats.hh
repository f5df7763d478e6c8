// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// How many bytes DPDK's allocator hands out, to size tables by what they really took.
#pragma once

#include <cstddef>

#include <rte_lcore.h>
#include <rte_malloc.h>

namespace edgerelay::dp {

/// Bytes currently allocated from DPDK's heaps, summed over all NUMA sockets.
/// Writer/start-up only: the difference around a table's creation is its footprint
/// (exact when no other thread allocates DPDK memory at the same time).
/// @return allocated bytes; 0 before EAL is initialised.
inline size_t dpdk_heap_allocated_bytes() noexcept
{
    size_t total = 0;
    for (unsigned i = 0; i < rte_socket_count(); ++i) {
        rte_malloc_socket_stats stats{};
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &stats) == 0) {
            total += stats.heap_allocsz_bytes;
        }
    }
    return total;
}

} // namespace edgerelay::dp
