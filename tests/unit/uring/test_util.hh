// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Helpers shared by the io_uring driver tests: one packet pool, bounded receive loops.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <rte_mempool.h>

#include "drivers/pkt_meta.hh"
#include "drivers/port.hh"
#include "tests/lib/eal_env.hh"

namespace edgerelay::drv::test {

/// One pool for the whole binary (EAL is up before any test runs). 4095 mbufs keeps the
/// per-lcore cache off, so rte_mempool_avail_count() is exact for leak checks.
inline rte_mempool* pool()
{
    // Referencing eal_ready() also keeps the EAL environment's object file in the link.
    if (!::edgerelay::test::eal_ready()) {
        return nullptr;
    }
    static rte_mempool* p = pkt_pool_create("uring_test", 4095, 0);
    return p;
}

/// Polls queue `q` until `want` packets arrived or 5 s passed (a give-up bound, not a
/// timing assertion), `burst` at a time. Returns the packets in arrival order.
inline std::vector<rte_mbuf*> collect(port& p, uint16_t q, size_t want, size_t burst = 32)
{
    std::vector<rte_mbuf*> got;
    std::array<pkt*, 64> b{};
    burst = std::min(burst, b.size());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
        uint16_t n = p.rx_burst(q, std::span<pkt*>(b.data(), burst));
        got.insert(got.end(), b.begin(), b.begin() + n);
        if (n == 0) {
            std::this_thread::yield();
        }
    }
    return got;
}

} // namespace edgerelay::drv::test
