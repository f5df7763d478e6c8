// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// bench_fastpath: cycles per packet of each relay stage and of a full relay pass, next to the
// AEAD ceiling (one open + one seal on the same sizes) measured in the same run.
//
// The relay loops its own output back into its input: peer "in" and peer "out" share keys
// (out's send key is in's receive key, out's remote index is in's local index), so every
// forwarded frame is a valid new input with a fresh counter. Nothing is re-encrypted or
// copied outside the measured path, and the replay window sees a real increasing stream.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "common/crypto/aead_burst.hh"
#include "common/crypto/secret.hh"
#include "dataplane/stages/stages.hh"
#include "drivers/pkt_meta.hh"
#include "tests/lib/relay_harness.hh"

namespace edgerelay::perf {
namespace {

using test::relay_harness;

enum size_mix : int { size_64 = 0, size_imix = 1, size_1420 = 2 };
const char* const mix_name[] = {"64B", "IMIX", "1420B"};

// IMIX 7×64 : 4×576 : 1×1420, as a repeating 12-packet pattern.
uint16_t inner_size(int mix, unsigned i)
{
    static const uint16_t imix[12] = {64, 576, 64, 64, 1420, 64, 576, 64, 64, 576, 64, 576};
    switch (mix) {
    case size_64:
        return 64;
    case size_1420:
        return 1420;
    default:
        return imix[i % 12];
    }
}

// Two peers whose keys close the loop, plus `extra_peers` and `extra_routes` of filler so
// lookups run against big tables.
struct loop_relay {
    std::unique_ptr<relay_harness> h;
    test::test_peer* in = nullptr;
    test::test_peer* out = nullptr;
    std::vector<rte_mbuf*> burst;

    loop_relay(int mix, uint32_t extra_peers, uint32_t extra_routes)
    {
        dp::table_set_config cfg;
        cfg.max_peers = extra_peers + 16;
        cfg.max_keypairs = extra_peers + 16;
        cfg.max_routes4 = extra_routes + 16;
        cfg.max_allowed4 = 1024;
        cfg.max_routes6 = 64;
        cfg.max_allowed6 = 64;
        h = std::make_unique<relay_harness>(cfg, 4096);
        in = &h->add_peer(1, "10.0.0.2:51820", relay_harness::port_eth);
        out = &h->add_peer(2, "10.0.0.3:51820", relay_harness::port_eth);
        // Close the loop: what the relay seals for `out` opens as `in`'s traffic.
        std::memcpy(out->kp->send_key, in->kp->recv_key, 32);
        out->kp->remote_index = in->kp->local_index;
        out->kp->send_counter = dp::max_burst; // the prebuilt first burst uses 0..31
        // Looped frames come from the relay's own address: make that `in`'s endpoint, so the
        // bench measures steady state, not a roaming event per packet.
        auto* via = new (std::aligned_alloc(alignof(dp::path), sizeof(dp::path)))
            dp::path(*h->tables->peers().get(1)->route_path.load());
        via->remote = test::relay_endpoint(4);
        std::free(const_cast<dp::path*>(h->tables->peers().swap_path(1, via)));
        h->allow(1, "192.168.1.0/24");
        h->route("192.168.2.0/24", 2);
        // The loop's frames go to 10.0.0.3:51820 but must be accepted as input on port 51820.
        fill_tables(extra_peers, extra_routes);

        auto& c = h->ctx;
        burst.resize(dp::max_burst);
        for (unsigned i = 0; i < dp::max_burst; i++) {
            auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", inner_size(mix, i));
            burst[i] = h->seal_from(*in, i, inner);
        }
        c.now_tsc = rte_rdtsc();
        rte_rcu_qsbr_thread_online(h->tables->qsbr(), 0);
    }

    ~loop_relay() { rte_rcu_qsbr_thread_offline(h->tables->qsbr(), 0); }

    double install_s = 0;     // wall time of fill_tables (peers, indices, routes)
    uint32_t routes_installed = 0;

    void fill_tables(uint32_t extra_peers, uint32_t extra_routes)
    {
        auto& t = *h->tables;
        const auto start = std::chrono::steady_clock::now();
        std::mt19937 rng(7);
        // Filler peers share one keypair object: the lookups see 100 000 distinct indices
        // and peer slots, and set-up does not spend minutes in the DPDK allocator.
        dp::keypair* filler = extra_peers ? dp::keypair_create() : nullptr;
        for (uint32_t p = 0; p < extra_peers; p++) {
            dp::peer_id id = 16 + p;
            t.peers().activate(id);
            t.index().add(0x80000000u + p, filler);
        }
        // Distinct random prefixes outside the loop's 192.168.0.0/16: mostly /16../24, one
        // in 32 longer (each of those takes a tbl8 group), until `extra_routes` are in.
        for (uint32_t r = 0; t.routes4().rules() < extra_routes + 1; r++) {
            uint32_t a = (rng() & 0x7fffffffu) | 0x01000000u;
            uint8_t depth = rng() % 32 == 0 ? static_cast<uint8_t>(25 + rng() % 8)
                                            : static_cast<uint8_t>(16 + rng() % 9);
            if (t.routes4().add(a, depth, 16 + (extra_peers ? r % extra_peers : 0)) != 0) {
                std::fprintf(stderr, "bench_fastpath: route %u of %u refused\n", r, extra_routes);
                std::abort();
            }
        }
        routes_installed = t.routes4().rules();
        install_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (extra_peers != 0 || extra_routes != 0) {
            std::fprintf(stderr, "bench_fastpath: %u peers, %u IPv4 routes installed in %.2f s\n",
                         extra_peers + 2, routes_installed, install_s);
        }
    }

    // One pass over the current burst; the output becomes the next input.
    // Adds each stage's cycles to stage_cycles[0..5] and keeps each stage's and the whole
    // pass's fastest burst in stage_min[0..5] and stage_min[6].
    void pass(uint64_t* stage_cycles, uint64_t* stage_min)
    {
        auto& c = h->ctx;
        dp::pkt** p = burst.data();
        uint16_t n = static_cast<uint16_t>(burst.size());
        uint64_t t0 = rte_rdtsc();
        c.now_tsc = t0;
        n = dp::classify_process(c, p, n, drv::port_kind::underlay_eth);
        uint64_t t1 = rte_rdtsc();
        n = dp::decrypt_process(c, p, n);
        uint64_t t2 = rte_rdtsc();
        n = dp::cryptokey_process(c, p, n);
        uint64_t t3 = rte_rdtsc();
        n = dp::route_process(c, p, n);
        uint64_t t4 = rte_rdtsc();
        n = dp::encrypt_process(c, p, n);
        uint64_t t5 = rte_rdtsc();
        dp::encap_process(c, p, n);
        uint64_t t6 = rte_rdtsc();
        stage_cycles[0] += t1 - t0;
        stage_cycles[1] += t2 - t1;
        stage_cycles[2] += t3 - t2;
        stage_cycles[3] += t4 - t3;
        stage_cycles[4] += t5 - t4;
        stage_cycles[5] += t6 - t5;
        const uint64_t t[7] = {t0, t1, t2, t3, t4, t5, t6};
        for (int s = 0; s < 6; s++) {
            stage_min[s] = std::min(stage_min[s], t[s + 1] - t[s]);
        }
        stage_min[6] = std::min(stage_min[6], t6 - t0);
        recycle();
    }

    void recycle()
    {
        auto& c = h->ctx;
        auto& tx = c.tx[relay_harness::port_eth];
        if (tx.n != burst.size() || c.n_dropped != 0) {
            std::fprintf(stderr, "bench_fastpath: the loop lost packets (%u of %zu, drops %lu)\n",
                         tx.n, burst.size(), static_cast<unsigned long>(c.counters->drops_total));
            for (size_t r = 0; r < dp::drop_reason_count; r++) {
                if (c.counters->drops[r] != 0) {
                    std::fprintf(stderr, "  %s: %lu\n", dp::drop_reason_name(static_cast<dp::drop_reason>(r)),
                                 static_cast<unsigned long>(c.counters->drops[r]));
                }
            }
            std::abort();
        }
        // The frames are addressed to 10.0.0.3:51820, which classify accepts (port check).
        std::copy(tx.pkts, tx.pkts + tx.n, burst.begin());
        tx.n = 0;
        c.events.n = 0;
        h->tables->quiescent(0);
    }
};

// The crypto ceiling: one open + one seal per packet, same sizes, same engine, bursts of 32.
struct aead_ceiling {
    crypto::aead_burst_engine engine;
    std::vector<std::vector<uint8_t>> bufs;
    std::vector<crypto::aead_op> open_ops, seal_ops;
    uint8_t key[32];
    uint64_t counter = 0;

    explicit aead_ceiling(int mix)
    {
        crypto::random_bytes(key, 32);
        for (unsigned i = 0; i < dp::max_burst; i++) {
            uint16_t len = inner_size(mix, i);
            bufs.emplace_back(len + 16u, 0x5a);
        }
        open_ops.resize(dp::max_burst);
        seal_ops.resize(dp::max_burst);
        // Seal once so that open() verifies real tags, as the relay's decrypt does.
        for (unsigned i = 0; i < dp::max_burst; i++) {
            auto& b = bufs[i];
            auto len = static_cast<uint32_t>(b.size() - 16);
            seal_ops[i] = {key, i, b.data(), b.data(), len, b.data() + len, false};
        }
        engine.seal(seal_ops);
    }

    void pass()
    {
        for (unsigned i = 0; i < dp::max_burst; i++) {
            auto& b = bufs[i];
            auto len = static_cast<uint32_t>(b.size() - 16);
            open_ops[i] = {key, i, b.data(), b.data(), len, b.data() + len, false};
        }
        engine.open(open_ops);
        for (unsigned i = 0; i < dp::max_burst; i++) {
            auto& b = bufs[i];
            auto len = static_cast<uint32_t>(b.size() - 16);
            seal_ops[i] = {key, i, b.data(), b.data(), len, b.data() + len, false};
        }
        engine.seal(seal_ops);
        benchmark::DoNotOptimize(open_ops[0].ok);
    }
};

// The relay of the last argument set (see bm_relay_pass); released before rte_eal_cleanup.
std::unique_ptr<loop_relay> cached;
int64_t cached_args[3] = {-1, -1, -1};

// Interleaves relay passes and ceiling passes so both see the same machine state.
void bm_relay_pass(benchmark::State& state)
{
    const int mix = static_cast<int>(state.range(0));
    const auto peers = static_cast<uint32_t>(state.range(1));
    const auto routes = static_cast<uint32_t>(state.range(2));
    // Google Benchmark calls this function several times per argument set: the relay (and
    // its tables, which take seconds to fill at 10^6 routes) is built once per set.
    if (cached_args[0] != mix || cached_args[1] != peers || cached_args[2] != routes) {
        cached.reset();
        cached = std::make_unique<loop_relay>(mix, peers, routes);
        cached_args[0] = mix;
        cached_args[1] = peers;
        cached_args[2] = routes;
    }
    loop_relay& relay = *cached;
    aead_ceiling ceiling(mix);
    uint64_t stage[6] = {};
    uint64_t stage_min[7];
    std::fill(stage_min, stage_min + 7, UINT64_MAX);
    uint64_t ceiling_cycles = 0;
    uint64_t ceiling_min = UINT64_MAX;
    uint64_t passes = 0;
    for (auto _ : state) {
        relay.pass(stage, stage_min);
        uint64_t t0 = rte_rdtsc();
        ceiling.pass();
        const uint64_t dt = rte_rdtsc() - t0;
        ceiling_cycles += dt;
        ceiling_min = std::min(ceiling_min, dt);
        passes++;
    }
    const double pkts = static_cast<double>(passes) * dp::max_burst;
    uint64_t total = 0;
    for (auto s : stage) {
        total += s;
    }
    const char* names[6] = {"classify", "decrypt", "cryptokey", "route", "encrypt", "encap"};
    for (int i = 0; i < 6; i++) {
        state.counters[std::string("cyc_") + names[i]] = static_cast<double>(stage[i]) / pkts;
    }
    const double pass_cyc = static_cast<double>(total) / pkts;
    const double ceil_cyc = static_cast<double>(ceiling_cycles) / pkts;
    state.counters["cyc_pass"] = pass_cyc;
    state.counters["cyc_aead_ceiling"] = ceil_cyc;
    state.counters["cyc_non_crypto"] = pass_cyc - ceil_cyc;
    // Throughput ratio: a pass costs more than the ceiling, so this is <= 1 when all is well.
    state.counters["ratio_to_aead_ceiling"] = ceil_cyc / pass_cyc;
    state.counters["pkts"] = benchmark::Counter(pkts, benchmark::Counter::kIsRate);
    state.counters["install_s"] = relay.install_s;
    // The fastest burst of each kind: on a shared machine preemption and other processes
    // inflate the means above, never the minimum, so these are the figures to compare there.
    const double burst = dp::max_burst;
    for (int i = 0; i < 6; i++) {
        state.counters[std::string("min_") + names[i]] = static_cast<double>(stage_min[i]) / burst;
    }
    const double pass_min = static_cast<double>(stage_min[6]) / burst;
    const double ceil_min = static_cast<double>(ceiling_min) / burst;
    state.counters["min_pass"] = pass_min;
    state.counters["min_aead_ceiling"] = ceil_min;
    state.counters["min_non_crypto"] = pass_min - ceil_min;
    state.counters["min_ratio"] = ceil_min / pass_min;
    state.SetLabel(std::string(mix_name[mix]) + " peers=" + std::to_string(peers + 2) +
                   " routes=" + std::to_string(relay.routes_installed));
}

// Table scale: 2 peers and one route against 100 000 peers and 1 000 000 IPv4 routes
// (prefix_table4 inserts cost the entries they cover, not a scan of the rules: docs/DESIGN.md §7).
// The install time of the big case is printed and reported as install_s.
BENCHMARK(bm_relay_pass)
    ->ArgNames({"mix", "extra_peers", "extra_routes"})
    ->Args({size_64, 0, 0})
    ->Args({size_imix, 0, 0})
    ->Args({size_1420, 0, 0})
    ->Args({size_64, 100000, 1000000})
    ->Args({size_1420, 100000, 1000000})
    ->Unit(benchmark::kNanosecond);

} // namespace
} // namespace edgerelay::perf

int main(int argc, char** argv)
{
    // The big-table case needs about 1 GiB of DPDK memory; no hugepages needed.
    std::vector<std::string> eal = {"bench_fastpath", "-l", "0", "--no-huge", "-m", "2048",
                                    "--no-shconf", "--no-pci", "--log-level=*:warning"};
    std::vector<char*> eal_argv;
    for (auto& a : eal) {
        eal_argv.push_back(a.data());
    }
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "bench_fastpath: rte_eal_init failed\n");
        return 1;
    }
    edgerelay::crypto::aead_burst_engine probe;
    std::printf("ipsec-mb code path: %s, TSC %.2f GHz\n", probe.arch(), rte_get_tsc_hz() / 1e9);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    edgerelay::perf::cached.reset();
    rte_eal_cleanup();
    return 0;
}
