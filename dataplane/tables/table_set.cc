// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The table set: QSBR variable, bounded grace periods and keypair retirement.
#include "dataplane/tables/table_set.hh"

#include <cerrno>
#include <cstdio>
#include <new>
#include <string>
#include <thread>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <sodium/utils.h>

namespace edgerelay::dp {

keypair* keypair_create() noexcept
{
    void* mem = rte_zmalloc_socket("keypair", sizeof(keypair), alignof(keypair),
                                   static_cast<int>(rte_socket_id()));
    if (mem == nullptr) {
        return nullptr;
    }
    auto* kp = new (mem) keypair{};
    kp->replay.reset();
    return kp;
}

void keypair_destroy(keypair* kp) noexcept
{
    if (kp == nullptr) {
        return;
    }
    kp->~keypair();
    // sodium_memzero cannot be optimised away, unlike a memset before free.
    sodium_memzero(kp, sizeof(keypair));
    rte_free(kp);
}

std::unique_ptr<table_set> table_set::create(const table_set_config& cfg)
{
    if (cfg.name == nullptr || cfg.max_readers == 0 || cfg.max_readers > RTE_MAX_LCORE * 4) {
        std::fprintf(stderr, "table_set: invalid configuration\n");
        return nullptr;
    }
    std::unique_ptr<table_set> t(new table_set);
    size_t sz = rte_rcu_qsbr_get_memsize(cfg.max_readers);
    t->_qsbr = static_cast<rte_rcu_qsbr*>(
        rte_zmalloc_socket("table_set_qsbr", sz, RTE_CACHE_LINE_SIZE,
                           static_cast<int>(rte_socket_id())));
    if (t->_qsbr == nullptr || rte_rcu_qsbr_init(t->_qsbr, cfg.max_readers) != 0) {
        std::fprintf(stderr, "table_set: cannot set up QSBR for %u readers\n", cfg.max_readers);
        return nullptr;
    }
    t->_qsbr_bytes = sz;
    t->_max_readers = cfg.max_readers;

    std::string base(cfg.name);
    t->_index = index_table::create((base + "_idx").c_str(), cfg.max_keypairs, t->_qsbr);
    t->_peers = peer_table::create(cfg.max_peers);
    t->_routes4 = prefix_table4::create((base + "_rt4").c_str(), cfg.max_routes4, t->_qsbr);
    t->_allowed4 = prefix_table4::create((base + "_al4").c_str(), cfg.max_allowed4, t->_qsbr);
    t->_routes6 = prefix_table6::create((base + "_rt6").c_str(), cfg.max_routes6, t->_qsbr);
    t->_allowed6 = prefix_table6::create((base + "_al6").c_str(), cfg.max_allowed6, t->_qsbr);
    if (!t->_index || !t->_peers || !t->_routes4 || !t->_allowed4 || !t->_routes6
        || !t->_allowed6) {
        return nullptr; // the failing table printed why
    }
    return t;
}

table_set::~table_set()
{
    // Workers are stopped by now: nothing can still read a deferred keypair.
    for (const deferred& d : _deferred) {
        d.release(d.kp);
    }
    // Tables first: their defer queues point at the QSBR variable.
    _index.reset();
    _peers.reset();
    _routes4.reset();
    _routes6.reset();
    _allowed4.reset();
    _allowed6.reset();
    rte_free(_qsbr);
}

int table_set::register_reader(uint32_t worker_id)
{
    if (worker_id >= _max_readers) {
        return -EINVAL;
    }
    if (int rc = rte_rcu_qsbr_thread_register(_qsbr, worker_id); rc != 0) {
        return rc < 0 ? rc : -rc;
    }
    rte_rcu_qsbr_thread_online(_qsbr, worker_id);
    return 0;
}

int table_set::unregister_reader(uint32_t worker_id)
{
    if (worker_id >= _max_readers) {
        return -EINVAL;
    }
    rte_rcu_qsbr_thread_offline(_qsbr, worker_id);
    int rc = rte_rcu_qsbr_thread_unregister(_qsbr, worker_id);
    return rc < 0 ? rc : -rc;
}

namespace {

// Polls instead of rte_rcu_qsbr_synchronize(), which would wait forever for a stuck worker.
int wait_token(rte_rcu_qsbr* v, uint64_t token, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (rte_rcu_qsbr_check(v, token, false) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            return -ETIMEDOUT;
        }
        std::this_thread::yield();
    }
    return 0;
}

} // namespace

int table_set::synchronize(std::chrono::milliseconds timeout)
{
    return wait_token(_qsbr, rte_rcu_qsbr_start(_qsbr), timeout);
}

int table_set::retire_keypair(peer_id id, keypair_slot slot, keypair_release release)
{
    keypair* kp = _peers->swap_keypair(id, slot, nullptr);
    if (kp == nullptr) {
        return -ENOENT;
    }
    peer* p = _peers->slot(id);
    if (p->current.load(std::memory_order_relaxed) == kp
        || p->previous.load(std::memory_order_relaxed) == kp
        || p->next.load(std::memory_order_relaxed) == kp) {
        return 0; // still published in another slot: not ours to free yet
    }
    if (_index->find(kp->local_index) == kp) {
        _index->remove(kp->local_index);
    }
    uint64_t token = rte_rcu_qsbr_start(_qsbr);
    if (int rc = wait_token(_qsbr, token, std::chrono::milliseconds(2000)); rc < 0) {
        _deferred.push_back({token, kp, release});
        return rc;
    }
    release(kp);
    return 0;
}

size_t table_set::reclaim() noexcept
{
    size_t kept = 0;
    for (size_t i = 0; i < _deferred.size(); ++i) {
        if (rte_rcu_qsbr_check(_qsbr, _deferred[i].token, false) == 1) {
            _deferred[i].release(_deferred[i].kp);
        } else {
            _deferred[kept++] = _deferred[i];
        }
    }
    _deferred.resize(kept);
    return kept;
}

size_t table_set::memory_bytes() const noexcept
{
    return _qsbr_bytes + _index->memory_bytes() + _peers->memory_bytes()
        + _routes4->memory_bytes() + _routes6->memory_bytes() + _allowed4->memory_bytes()
        + _allowed6->memory_bytes();
}

} // namespace edgerelay::dp
