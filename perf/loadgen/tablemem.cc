// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-tablemem: table memory per peer and per route, measured from DPDK's allocator.
//
// Tables are sized at start, so the cost of one more peer (or route) slot is the slope of the
// footprint: (bytes at 2N − bytes at N) / N. The fixed part (e.g. rte_fib's DIR24-8 tbl24) is
// reported on its own. Keypairs are allocated per installed key, measured around keypair_create.
// IPv4 routes live in our own DIR-24-8 (DPDK memory, preallocated) plus the writer's rule map
// (C++ heap), so they are measured by installing 10^6 routes and counting both allocators.
#include <cstdio>
#include <malloc.h>
#include <random>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/tables/heap_stats.hh"
#include "dataplane/tables/table_set.hh"

namespace edgerelay::perf {
namespace {

// DPDK bytes taken by a table_set of this shape, or 0 when it cannot be created.
size_t footprint(const dp::table_set_config& cfg)
{
    size_t before = dp::dpdk_heap_allocated_bytes();
    auto t = dp::table_set::create(cfg);
    if (!t) {
        return 0;
    }
    size_t after = dp::dpdk_heap_allocated_bytes();
    return after - before;
}

// Bytes in use in the C++ heap (glibc), for the tables' writer-side structures.
size_t heap_in_use_bytes()
{
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

struct route4_cost {
    double amortised = 0; ///< (table at n routes, both allocators) / n
    double marginal = 0;  ///< (bytes at n - bytes at n/2) / (n/2): what one more route costs
    size_t dpdk_bytes = 0, heap_bytes = 0;
};

// Installs `n` IPv4 routes with bench_fastpath's mix (mostly /16../24, one in 32 longer, each
// of those taking a tbl8 group) into a table sized for them and counts what both allocators
// gave out, at n/2 and at n routes.
route4_cost measure_routes4(uint32_t n)
{
    route4_cost c;
    const size_t dpdk0 = dp::dpdk_heap_allocated_bytes(), heap0 = heap_in_use_bytes();
    auto q = static_cast<rte_rcu_qsbr*>(rte_zmalloc("tm_q", rte_rcu_qsbr_get_memsize(1), 64));
    if (q == nullptr || rte_rcu_qsbr_init(q, 1) != 0) {
        return c;
    }
    auto t = dp::prefix_table4::create("tm_rt4", n, q);
    if (!t) {
        rte_free(q);
        return c;
    }
    std::mt19937 rng(7);
    size_t at_half = 0;
    while (t->rules() < n) {
        uint32_t a = (rng() & 0x7fffffffu) | 0x01000000u;
        auto depth = static_cast<uint8_t>(rng() % 32 == 0 ? 25 + rng() % 8 : 16 + rng() % 9);
        if (t->add(a, depth, 16) != 0) {
            break;
        }
        if (t->rules() == n / 2 && at_half == 0) {
            at_half = dp::dpdk_heap_allocated_bytes() - dpdk0 + heap_in_use_bytes() - heap0;
        }
    }
    c.dpdk_bytes = dp::dpdk_heap_allocated_bytes() - dpdk0;
    c.heap_bytes = heap_in_use_bytes() - heap0;
    if (t->rules() == n) {
        c.amortised = static_cast<double>(c.dpdk_bytes + c.heap_bytes) / n;
        c.marginal = static_cast<double>(c.dpdk_bytes + c.heap_bytes - at_half) / (n - n / 2);
    }
    t.reset();
    rte_free(q);
    return c;
}

dp::table_set_config shape(uint32_t peers, uint32_t r4, uint32_t r6, uint32_t a4, uint32_t a6)
{
    dp::table_set_config c;
    c.name = "tm";
    c.max_peers = peers;
    c.max_keypairs = peers * 3; // as edgerelay-dataplane sizes it
    c.max_routes4 = r4;
    c.max_routes6 = r6;
    c.max_allowed4 = a4;
    c.max_allowed6 = a6;
    c.max_readers = 1;
    return c;
}

int run()
{
    const uint32_t n = 16384, r = 65536, base = 1024;
    size_t p1 = footprint(shape(n, base, base, base, base));
    size_t p2 = footprint(shape(2 * n, base, base, base, base));
    size_t r41 = footprint(shape(base, r, base, base, base));
    size_t r42 = footprint(shape(base, 2 * r, base, base, base));
    size_t r61 = footprint(shape(base, base, r, base, base));
    size_t r62 = footprint(shape(base, base, 2 * r, base, base));
    size_t all1 = footprint(shape(base, r, r, r, r));
    size_t all2 = footprint(shape(base, 2 * r, 2 * r, 2 * r, 2 * r));
    if (p1 == 0 || p2 == 0 || r41 == 0 || r42 == 0 || r61 == 0 || r62 == 0 || all1 == 0 || all2 == 0) {
        std::fprintf(stderr, "edgerelay-tablemem: a table set could not be created (memory?)\n");
        return 1;
    }
    const int k = 1000;
    std::vector<dp::keypair*> kps;
    size_t before = dp::dpdk_heap_allocated_bytes();
    for (int i = 0; i < k; i++) {
        kps.push_back(dp::keypair_create());
    }
    size_t kp_bytes = (dp::dpdk_heap_allocated_bytes() - before) / k;
    for (auto* kp : kps) {
        dp::keypair_destroy(kp);
    }
    const uint32_t million = 1000000;
    const route4_cost r4 = measure_routes4(million);
    if (r4.amortised == 0) {
        std::fprintf(stderr, "edgerelay-tablemem: could not install %u IPv4 routes\n", million);
        return 1;
    }
    auto slope = [](size_t a, size_t b, uint32_t d) { return static_cast<double>(b - a) / d; };
    const double peer_slot = slope(p1, p2, n);
    std::printf("tablemem peer_slot_bytes=%.1f keypair_bytes=%zu peer_with_1_keypair_bytes=%.1f "
                "peer_with_3_keypairs_bytes=%.1f route4_bytes=%.1f route4_marginal_bytes=%.1f "
                "route4_dpdk_bytes_1m=%zu route4_heap_bytes_1m=%zu route4_slot_bytes=%.1f "
                "route6_bytes=%.1f route_all_tables_bytes=%.1f fixed_bytes=%zu\n",
                peer_slot, kp_bytes, peer_slot + static_cast<double>(kp_bytes),
                peer_slot + 3.0 * static_cast<double>(kp_bytes), r4.amortised, r4.marginal,
                r4.dpdk_bytes, r4.heap_bytes, slope(r41, r42, r), slope(r61, r62, r),
                slope(all1, all2, r), p1 - static_cast<size_t>(peer_slot * n));
    return 0;
}

} // namespace
} // namespace edgerelay::perf

int main()
{
    std::vector<std::string> eal{"edgerelay-tablemem", "-l", "0", "--no-huge", "-m", "2048",
                                 "--no-shconf", "--no-pci", "--log-level=*:warning"};
    std::vector<char*> av;
    for (auto& s : eal) {
        av.push_back(s.data());
    }
    if (rte_eal_init(static_cast<int>(av.size()), av.data()) < 0) {
        std::fprintf(stderr, "edgerelay-tablemem: EAL init failed\n");
        return 3;
    }
    int rc = edgerelay::perf::run();
    rte_eal_cleanup();
    return rc;
}
