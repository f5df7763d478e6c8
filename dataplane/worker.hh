// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A worker: one pinned core's run-to-completion loop over its queue of every port.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "common/abi/segment.hh"
#include "common/crypto/aead_burst.hh"
#include "dataplane/counters.hh"
#include "dataplane/worker_ctx.hh"
#include "drivers/port.hh"

namespace edgerelay::dp {

class applier;

/// Events a worker hands to the applier thread (single producer, single consumer).
using worker_event_queue = boost::lockfree::spsc_queue<dp_event, boost::lockfree::capacity<4096>>;

/// What a worker needs to know about each port, by port index.
struct worker_port {
    drv::port* port = nullptr;
    uint8_t mac[6] = {};          ///< Ethernet ports: our MAC (source of injected frames)
    uint8_t gateway_mac[6] = {};  ///< Ethernet ports: next hop of injected frames
    wire::endpoint address[2];    ///< our underlay address per family (index 0: v4, 1: v6)
};

struct worker_config {
    uint16_t id = 0;
    uint16_t overlay_port = 51820;
    uint16_t mtu = 1420;
    uint32_t max_peers = 0;
    std::vector<worker_port> ports;
    uint16_t access_port = no_port;
    uint8_t access_src_mac[6] = {};
    uint8_t access_dst_mac[6] = {};
    /// Back off with short sleeps after ~1 ms without packets (DPDK l3fwd-power's idea), so
    /// relays can share small machines; false = pure busy polling.
    bool idle_sleep = true;
};

/// Owns its counters, its AEAD engine and its per-burst state; shares nothing writable.
class worker {
public:
    /// Start-up (may throw: allocation, ipsec-mb).
    worker(const worker_config& cfg, table_set& tables, abi::segment& seg, applier& app,
           worker_event_queue& events);

    /// The loop; returns when stop becomes true. Runs on the worker's pinned lcore.
    void run(const std::atomic<bool>& stop) noexcept;

    /// The pool injected packets and keepalives are allocated from (start-up).
    void set_pool(rte_mempool* pool) noexcept { _pool = pool; }

    const worker_counters& counters() const noexcept { return _counters; }
    /// This worker's per-peer counters: [max_peers] records in the segment.
    const peer_counters* peer_stats() const noexcept { return _ctx.peer_stats; }

private:
    void input(uint16_t port_index, pkt** pkts, uint16_t n) noexcept;
    void flush() noexcept;
    void flush_punts() noexcept;
    void flush_events() noexcept;
    void serve_injects() noexcept;
    void serve_keepalives() noexcept;
    void export_stats(uint64_t busy, uint64_t idle, uint64_t loops) noexcept;
    rte_mbuf* inject_udp(const abi::injected_packet& ip) noexcept;

    worker_config _cfg;
    table_set& _tables;
    abi::segment& _seg;
    applier& _app;
    worker_event_queue& _events;
    crypto::aead_burst_engine _aead;
    worker_counters _counters{};
    worker_ctx _ctx;
    rte_mempool* _pool = nullptr; ///< for injected packets and keepalives
};

} // namespace edgerelay::dp
