// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Peer slots in DPDK memory; pointer swaps are release stores paired with readers' acquires.
#include "dataplane/tables/peer_table.hh"

#include <cerrno>
#include <cstdio>
#include <new>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane/tables/heap_stats.hh"

namespace edgerelay::dp {

std::unique_ptr<peer_table> peer_table::create(uint32_t capacity)
{
    if (capacity == 0 || capacity > max_peer_id + 1) {
        std::fprintf(stderr, "peer_table: capacity %u out of range\n", capacity);
        return nullptr;
    }
    std::unique_ptr<peer_table> t(new peer_table);
    size_t before = dpdk_heap_allocated_bytes();
    void* mem = rte_zmalloc_socket("peer_table", sizeof(peer) * capacity, RTE_CACHE_LINE_SIZE,
                                   static_cast<int>(rte_socket_id()));
    if (mem == nullptr) {
        std::fprintf(stderr, "peer_table: no DPDK memory for %u peers\n", capacity);
        return nullptr;
    }
    t->_memory = dpdk_heap_allocated_bytes() - before;
    t->_peers = static_cast<peer*>(mem);
    for (uint32_t i = 0; i < capacity; ++i) {
        new (&t->_peers[i]) peer{};
    }
    t->_capacity = capacity;
    return t;
}

peer_table::~peer_table()
{
    for (uint32_t i = 0; i < _capacity; ++i) {
        _peers[i].~peer();
    }
    rte_free(_peers);
}

int peer_table::activate(peer_id id, uint32_t flags) noexcept
{
    if (id >= _capacity) {
        return -EINVAL;
    }
    peer& p = _peers[id];
    if (p.active.load(std::memory_order_relaxed)) {
        return -EEXIST;
    }
    p.route_path.store(nullptr, std::memory_order_relaxed);
    p.current.store(nullptr, std::memory_order_relaxed);
    p.previous.store(nullptr, std::memory_order_relaxed);
    p.next.store(nullptr, std::memory_order_relaxed);
    p.id = id;
    p.flags = flags;
    p.handshake_wanted_tsc.store(0, std::memory_order_relaxed);
    // Release: a reader that sees active == 1 also sees the cleared fields above.
    p.active.store(1, std::memory_order_release);
    ++_active;
    return 0;
}

int peer_table::deactivate(peer_id id) noexcept
{
    if (id >= _capacity) {
        return -EINVAL;
    }
    peer& p = _peers[id];
    if (!p.active.load(std::memory_order_relaxed)) {
        return -ENOENT;
    }
    if (p.route_path.load(std::memory_order_relaxed) || p.current.load(std::memory_order_relaxed)
        || p.previous.load(std::memory_order_relaxed) || p.next.load(std::memory_order_relaxed)) {
        return -EBUSY;
    }
    p.active.store(0, std::memory_order_release);
    --_active;
    return 0;
}

const path* peer_table::swap_path(peer_id id, const path* np) noexcept
{
    if (id >= _capacity || !_peers[id].active.load(std::memory_order_relaxed)) {
        return nullptr;
    }
    // Release: the path's fields are visible before its pointer (readers load-acquire).
    return _peers[id].route_path.exchange(np, std::memory_order_acq_rel);
}

static std::atomic<keypair*>& slot_of(peer& p, keypair_slot which) noexcept
{
    switch (which) {
    case keypair_slot::previous:
        return p.previous;
    case keypair_slot::next:
        return p.next;
    case keypair_slot::current:
    default:
        return p.current;
    }
}

keypair* peer_table::swap_keypair(peer_id id, keypair_slot which, keypair* kp) noexcept
{
    if (id >= _capacity || !_peers[id].active.load(std::memory_order_relaxed)) {
        return nullptr;
    }
    return slot_of(_peers[id], which).exchange(kp, std::memory_order_acq_rel);
}

keypair* peer_table::rotate(peer_id id, keypair* fresh) noexcept
{
    if (id >= _capacity || !_peers[id].active.load(std::memory_order_relaxed)) {
        return nullptr;
    }
    peer& p = _peers[id];
    keypair* cur = p.current.load(std::memory_order_relaxed);
    keypair* promoted = fresh;
    if (promoted == nullptr) {
        promoted = p.next.exchange(nullptr, std::memory_order_acq_rel);
    }
    // Order matters for receivers: cur is published as previous before current moves on,
    // so a packet under cur's key always finds it in one of the two slots.
    keypair* old_prev = p.previous.exchange(cur, std::memory_order_acq_rel);
    p.current.store(promoted, std::memory_order_release);
    return old_prev;
}

} // namespace edgerelay::dp
