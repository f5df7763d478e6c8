// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Fast-path tables against trivially correct models, and one writer racing one reader.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/tables/index_table.hh"
#include "dataplane/tables/peer_table.hh"
#include "dataplane/tables/prefix_table4.hh"
#include "dataplane/tables/prefix_table6.hh"
#include "dataplane/tables/table_set.hh"
#include "tests/lib/eal_env.hh"

namespace edgerelay::dp {
namespace {

using addr6 = std::array<uint8_t, 16>;

// A QSBR variable with no registered reader: grace periods end at once.
struct qsbr_holder {
    rte_rcu_qsbr* v = nullptr;
    qsbr_holder()
    {
        size_t sz = rte_rcu_qsbr_get_memsize(4);
        v = static_cast<rte_rcu_qsbr*>(rte_zmalloc("test_qsbr", sz, 64));
        rte_rcu_qsbr_init(v, 4);
    }
    ~qsbr_holder() { rte_free(v); }
};

uint64_t test_seed()
{
    if (const char* e = std::getenv("SEED")) return std::strtoull(e, nullptr, 10);
    return std::random_device{}();
}

// ---------------------------------------------------------------- IPv4 prefixes

uint32_t mask4(uint32_t a, unsigned d)
{
    return d == 0 ? 0 : a & (UINT32_MAX << (32 - d));
}

// Longest match by scanning every rule: obviously right, obviously slow.
uint32_t model_lookup4(const std::map<std::pair<uint32_t, uint8_t>, uint32_t>& m, uint32_t a)
{
    int best = -1;
    uint32_t value = next_hop_none;
    for (const auto& [k, v] : m) {
        if (k.second > best && mask4(a, k.second) == k.first) {
            best = k.second;
            value = v;
        }
    }
    return value;
}

TEST(tables, prefix4_differential)
{
    ASSERT_TRUE(test::eal_ready());
    qsbr_holder q;
    auto t = prefix_table4::create("t_p4", 512, q.v, 512);
    ASSERT_NE(t, nullptr);
    EXPECT_GE(t->memory_bytes(), size_t{64} << 20); // tbl24 alone

    uint64_t seed = test_seed();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    // Few clusters so that random prefixes overlap and nest.
    const uint32_t clusters[] = {0x0A000000, 0x0A0A0000, 0xC0A80100, 0xFFFFFF00, 0x00000000,
                                 0x7F000000};
    auto random_addr = [&] {
        uint32_t base = clusters[rng() % std::size(clusters)];
        unsigned keep = static_cast<unsigned>(rng() % 33);
        return mask4(base, keep) | (static_cast<uint32_t>(rng()) & ~mask4(UINT32_MAX, keep));
    };
    auto random_depth = [&]() -> uint8_t {
        uint64_t r = rng() % 30;
        return r == 0 ? 0 : static_cast<uint8_t>(8 + r % 25);
    };

    std::map<std::pair<uint32_t, uint8_t>, uint32_t> model;
    const int ops = 120'000;
    for (int op = 0; op < ops; ++op) {
        uint64_t kind = rng() % 10;
        if (kind < 4 && model.size() < 300) {
            uint32_t a = random_addr();
            uint8_t d = random_depth();
            // Peer ids, and the two special hops (local delivery, the control plane).
            const uint64_t pick = rng() % 16;
            uint32_t v = pick == 0 ? next_hop_local
                       : pick == 1 ? next_hop_control
                                   : static_cast<uint32_t>(rng() % 5000);
            ASSERT_EQ(t->add(a, d, v), 0) << op;
            model[{mask4(a, d), d}] = v;
        } else if (kind < 6 && !model.empty()) {
            if (rng() % 4 == 0) { // remove something likely absent
                uint32_t a = random_addr();
                uint8_t d = random_depth();
                bool present = model.erase({mask4(a, d), d}) == 1;
                ASSERT_EQ(t->remove(a, d), present ? 0 : -ENOENT) << op;
            } else {
                auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
                // Host bits set on purpose: they must be ignored.
                uint32_t a = it->first.first | (static_cast<uint32_t>(rng()) & ~mask4(UINT32_MAX, it->first.second));
                ASSERT_EQ(t->remove(a, it->first.second), 0) << op;
                model.erase(it);
            }
        } else {
            uint32_t addrs[8];
            for (auto& a : addrs) {
                uint64_t r = rng() % 8;
                if (r == 0 && !model.empty()) { // edges of an installed prefix
                    auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
                    a = it->first.first | (rng() % 2 ? ~mask4(UINT32_MAX, it->first.second) : 0);
                } else if (r == 1) {
                    a = rng() % 2 ? 0 : UINT32_MAX;
                } else {
                    a = random_addr();
                }
            }
            uint32_t out[8];
            t->lookup_bulk(addrs, 8, out);
            for (int i = 0; i < 8; ++i) {
                ASSERT_EQ(out[i], model_lookup4(model, addrs[i])) << "op " << op << " addr " << std::hex << addrs[i];
                ASSERT_EQ(t->lookup(addrs[i]), out[i]);
            }
        }
        ASSERT_EQ(t->rules(), model.size());
    }
    EXPECT_EQ(t->entries(), (std::map<std::pair<uint32_t, uint8_t>, next_hop>(model.begin(), model.end())));
    EXPECT_EQ(t->add(1, 33, 1), -EINVAL);
    EXPECT_EQ(t->add(1, 8, next_hop_none), -EINVAL);
    EXPECT_EQ(t->remove(1, 33), -EINVAL);
}

TEST(tables, prefix4_capacity)
{
    qsbr_holder q;
    auto t = prefix_table4::create("t_p4c", 4, q.v, 4);
    ASSERT_NE(t, nullptr);
    for (uint32_t i = 0; i < 4; ++i) {
        ASSERT_EQ(t->add(0x0A000000 + (i << 8), 24, i), 0);
    }
    EXPECT_EQ(t->add(0x0B000000, 24, 1), -ENOSPC);
    EXPECT_EQ(t->add(0x0A000000, 24, 9), 0); // replacing is not growing
    EXPECT_EQ(t->lookup(0x0A000001), 9u);
}

// A collapsed tbl8 group is reused only after every reader passed a quiescent state.
TEST(tables, prefix4_tbl8_reuse_waits_for_readers)
{
    ASSERT_TRUE(test::eal_ready());
    qsbr_holder q;
    auto t = prefix_table4::create("t_p4q", 8, q.v, 1);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(rte_rcu_qsbr_thread_register(q.v, 0), 0);
    rte_rcu_qsbr_thread_online(q.v, 0);
    ASSERT_EQ(t->add(0x0A000001, 32, 1), 0); // takes the only group
    EXPECT_EQ(t->add(0x0B000001, 32, 2), -ENOSPC);
    ASSERT_EQ(t->remove(0x0A000001, 32), 0); // retired: this reader may still be inside
    EXPECT_EQ(t->add(0x0B000001, 32, 2), -ENOSPC) << "reused before a grace period";
    EXPECT_EQ(t->rules(), 0u);
    rte_rcu_qsbr_quiescent(q.v, 0);
    EXPECT_EQ(t->add(0x0B000001, 32, 2), 0);
    EXPECT_EQ(t->lookup(0x0B000001), 2u);
    EXPECT_EQ(t->lookup(0x0A000001), next_hop_none);
    rte_rcu_qsbr_thread_offline(q.v, 0);
    rte_rcu_qsbr_thread_unregister(q.v, 0);
}

// A million random routes (mostly /16../24, one in 32 longer so tbl8 groups are used), then
// 5 % removed: lookups against a hashed model (33 probes per address) after each phase.
// Correctness at scale, not speed.
TEST(tables, prefix4_million_routes)
{
    ASSERT_TRUE(test::eal_ready());
    qsbr_holder q;
    constexpr uint32_t n_routes = 1'000'000;
    auto t = prefix_table4::create("t_p4m", n_routes, q.v, 1u << 16);
    ASSERT_NE(t, nullptr);
    uint64_t seed = test_seed();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);

    auto key = [](uint32_t a, unsigned d) { return (uint64_t{mask4(a, d)} << 6) | d; };
    std::unordered_map<uint64_t, uint32_t> model;
    model.reserve(n_routes);
    std::vector<std::pair<uint32_t, uint8_t>> installed;
    installed.reserve(n_routes);
    while (model.size() < n_routes) {
        auto a = static_cast<uint32_t>(rng());
        uint8_t d = rng() % 32 == 0 ? static_cast<uint8_t>(25 + rng() % 8)
                                    : static_cast<uint8_t>(16 + rng() % 9);
        auto v = static_cast<uint32_t>(rng() % 100'000);
        ASSERT_EQ(t->add(a, d, v), 0) << model.size();
        if (model.insert_or_assign(key(a, d), v).second) {
            installed.emplace_back(mask4(a, d), d);
        }
    }
    ASSERT_EQ(t->rules(), n_routes);
    auto model_lookup = [&](uint32_t a) {
        for (int d = 32; d >= 1; --d) {
            if (auto it = model.find(key(a, static_cast<unsigned>(d))); it != model.end()) {
                return it->second;
            }
        }
        return next_hop_none;
    };
    auto check = [&](const char* phase) {
        for (int round = 0; round < 1024; ++round) {
            uint32_t addrs[32];
            for (auto& a : addrs) {
                const auto& [base, d] = installed[rng() % installed.size()];
                a = rng() % 4 == 0 ? static_cast<uint32_t>(rng())
                                   : base | (static_cast<uint32_t>(rng()) & ~mask4(UINT32_MAX, d));
            }
            uint32_t out[32];
            t->lookup_bulk(addrs, 32, out);
            for (int i = 0; i < 32; ++i) {
                ASSERT_EQ(out[i], model_lookup(addrs[i])) << phase << " addr " << std::hex << addrs[i];
            }
        }
    };
    check("after adds");
    std::shuffle(installed.begin(), installed.end(), rng);
    for (uint32_t i = 0; i < n_routes / 20; ++i) {
        const auto [a, d] = installed.back();
        installed.pop_back();
        ASSERT_EQ(t->remove(a, d), 0);
        model.erase(key(a, d));
    }
    ASSERT_EQ(t->rules(), model.size());
    check("after removes");
}

// ---------------------------------------------------------------- IPv6 prefixes

addr6 mask6(const addr6& a, unsigned d)
{
    addr6 out{};
    for (unsigned i = 0; i < 16; ++i) {
        unsigned bits = d > 8 * i ? std::min(8u, d - 8 * i) : 0;
        out[i] = bits == 0 ? 0 : static_cast<uint8_t>(a[i] & (0xFF << (8 - bits)));
    }
    return out;
}

uint32_t model_lookup6(const std::map<std::pair<addr6, uint8_t>, uint32_t>& m, const addr6& a)
{
    int best = -1;
    uint32_t value = next_hop_none;
    for (const auto& [k, v] : m) {
        if (k.second > best && mask6(a, k.second) == k.first) {
            best = k.second;
            value = v;
        }
    }
    return value;
}

TEST(tables, prefix6_differential)
{
    ASSERT_TRUE(test::eal_ready());
    qsbr_holder q;
    auto t = prefix_table6::create("t_p6", 512, q.v, 4096);
    ASSERT_NE(t, nullptr);
    EXPECT_GE(t->memory_bytes(), size_t{128} << 20); // two copies of tbl24

    uint64_t seed = test_seed();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    const addr6 clusters[] = {
        {0x20, 0x01, 0x0d, 0xb8}, {0x20, 0x01, 0x0d, 0xb8, 0, 1}, {0xfd, 0x00},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {}, {0xfe, 0x80}};
    auto random_addr = [&] {
        const addr6& base = clusters[rng() % std::size(clusters)];
        unsigned keep = static_cast<unsigned>(rng() % 129);
        addr6 a = mask6(base, keep);
        for (unsigned i = 0; i < 16; ++i) {
            unsigned bits = keep > 8 * i ? std::min(8u, keep - 8 * i) : 0;
            uint8_t host = bits == 0 ? 0xFF : static_cast<uint8_t>(0xFF >> bits);
            a[i] |= static_cast<uint8_t>(rng()) & host;
        }
        return a;
    };
    // Every depth from /0 to /128 occurs, but short ones rarely: deleting a /d below /24
    // rewrites 2^(24-d) tbl24 entries in each copy, which would dominate the run time.
    auto random_depth = [&]() -> uint8_t {
        return static_cast<uint8_t>(rng() % 16 == 0 ? rng() % 129 : 16 + rng() % 113);
    };

    std::map<std::pair<addr6, uint8_t>, uint32_t> model;
    const int ops = 100'000;
    for (int op = 0; op < ops; ++op) {
        uint64_t kind = rng() % 10;
        if (kind < 3 && model.size() < 200) {
            addr6 a = random_addr();
            uint8_t d = random_depth();
            // Peer ids up to the largest storable one, and both special hops: they are stored
            // as lpm6_local/lpm6_control and must come back as the 24-bit values.
            const uint64_t pick = rng() % 16;
            uint32_t v = pick == 0   ? next_hop_local
                       : pick == 1   ? next_hop_control
                       : pick == 2   ? prefix_table6::max_peer_id6
                                     : static_cast<uint32_t>(rng() % (prefix_table6::max_peer_id6 + 1));
            ASSERT_EQ(t->add(a.data(), d, v), 0) << op;
            model[{mask6(a, d), d}] = v;
        } else if (kind < 5 && !model.empty()) {
            if (rng() % 4 == 0) {
                addr6 a = random_addr();
                uint8_t d = random_depth();
                bool present = model.erase({mask6(a, d), d}) == 1;
                ASSERT_EQ(t->remove(a.data(), d), present ? 0 : -ENOENT) << op;
            } else {
                auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
                ASSERT_EQ(t->remove(it->first.first.data(), it->first.second), 0) << op;
                model.erase(it);
            }
        } else {
            uint8_t addrs[8][16];
            for (auto& a : addrs) {
                addr6 x;
                uint64_t r = rng() % 8;
                if (r == 0 && !model.empty()) {
                    auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
                    x = it->first.first;
                    if (rng() % 2) { // last address of the prefix
                        addr6 ones;
                        ones.fill(0xFF);
                        addr6 m = mask6(ones, it->first.second);
                        for (unsigned i = 0; i < 16; ++i) {
                            x[i] |= static_cast<uint8_t>(~m[i]);
                        }
                    }
                } else {
                    x = random_addr();
                }
                std::memcpy(a, x.data(), 16);
            }
            uint32_t out[8];
            t->lookup_bulk(addrs, 8, out);
            for (int i = 0; i < 8; ++i) {
                addr6 x;
                std::memcpy(x.data(), addrs[i], 16);
                if (out[i] != model_lookup6(model, x)) {
                    for (const auto& [k, v] : model) {
                        if (mask6(x, k.second) == k.first) {
                            std::fprintf(stderr, "match /%u -> %u\n", k.second, v);
                        }
                    }
                    for (int b = 0; b < 16; ++b) std::fprintf(stderr, "%02x", x[b]);
                    std::fprintf(stderr, "\n");
                }
                ASSERT_EQ(out[i], model_lookup6(model, x)) << "op " << op;
            }
        }
        ASSERT_EQ(t->rules(), model.size());
    }
    EXPECT_EQ(t->entries(), model);
    addr6 z{};
    EXPECT_EQ(t->add(z.data(), 129, 1), -EINVAL);
    EXPECT_EQ(t->add(z.data(), 64, next_hop_none), -EINVAL);
    EXPECT_EQ(t->add(z.data(), 64, prefix_table6::max_peer_id6 + 1), -EINVAL);
    EXPECT_EQ(t->add(z.data(), 64, prefix_table6::lpm6_local), -EINVAL) << "stored form only";
    EXPECT_EQ(t->add(z.data(), 64, next_hop_control - 1), -EINVAL);
}

// ---------------------------------------------------------------- index table

TEST(tables, index_differential)
{
    ASSERT_TRUE(test::eal_ready());
    qsbr_holder q;
    constexpr uint32_t capacity = 2048;
    auto t = index_table::create("t_idx", capacity, q.v);
    ASSERT_NE(t, nullptr);
    EXPECT_GT(t->memory_bytes(), 0u);

    std::vector<keypair> kps(16);
    uint64_t seed = test_seed();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<uint32_t> keyspace(4 * capacity);
    for (auto& k : keyspace) {
        k = static_cast<uint32_t>(rng());
    }
    keyspace[0] = 0;
    keyspace[1] = UINT32_MAX;

    std::unordered_map<uint32_t, keypair*> model;
    for (int op = 0; op < 150'000; ++op) {
        uint64_t kind = rng() % 10;
        uint32_t key = keyspace[rng() % keyspace.size()];
        if (kind < 4) {
            keypair* kp = &kps[rng() % kps.size()];
            int expect = model.count(key) ? -EEXIST : model.size() >= capacity ? -ENOSPC : 0;
            int rc = t->add(key, kp);
            if (expect == -ENOSPC) {
                ASSERT_TRUE(rc == -ENOSPC || rc == 0) << op; // the table may round capacity up
            } else {
                ASSERT_EQ(rc, expect) << op;
            }
            if (rc == 0) {
                model[key] = kp;
            }
        } else if (kind < 6) {
            ASSERT_EQ(t->remove(key), model.erase(key) ? 0 : -ENOENT) << op;
        } else {
            uint32_t keys[40]; // more than one rte_hash bulk would not matter; 40 > max_burst
            for (auto& k : keys) {
                k = keyspace[rng() % keyspace.size()];
            }
            keypair* out[40];
            t->lookup_bulk(keys, 40, out);
            for (int i = 0; i < 40; ++i) {
                auto it = model.find(keys[i]);
                ASSERT_EQ(out[i], it == model.end() ? nullptr : it->second) << op;
            }
        }
        ASSERT_EQ(t->size(), model.size()) << op;
    }
    EXPECT_EQ(t->add(1, nullptr), -EINVAL);
}

TEST(tables, index_full_capacity)
{
    qsbr_holder q;
    auto t = index_table::create("t_idxf", 1000, q.v);
    ASSERT_NE(t, nullptr);
    keypair kp{};
    std::mt19937 rng(7);
    std::set<uint32_t> keys;
    while (keys.size() < 1000) {
        keys.insert(static_cast<uint32_t>(rng()));
    }
    for (uint32_t k : keys) {
        ASSERT_EQ(t->add(k, &kp), 0) << "capacity must be guaranteed, key " << k;
    }
    EXPECT_EQ(t->size(), 1000u);
    for (uint32_t k : keys) {
        EXPECT_EQ(t->find(k), &kp);
    }
}

// ---------------------------------------------------------------- peer table

TEST(tables, peer_table_slots)
{
    ASSERT_TRUE(test::eal_ready());
    auto t = peer_table::create(8);
    ASSERT_NE(t, nullptr);
    EXPECT_GE(t->memory_bytes(), 8 * sizeof(peer));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t->slot(0)) % 64, 0u);
    EXPECT_EQ(t->get(0), nullptr);
    EXPECT_EQ(t->get(8), nullptr);
    EXPECT_EQ(t->activate(8), -EINVAL);
    ASSERT_EQ(t->activate(3), 0);
    EXPECT_EQ(t->activate(3), -EEXIST);
    peer* p = t->get(3);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->id, 3u);

    path pa{}, pb{};
    EXPECT_EQ(t->swap_path(3, &pa), nullptr);
    EXPECT_EQ(t->swap_path(3, &pb), &pa);
    EXPECT_EQ(p->route_path.load(), &pb);
    EXPECT_EQ(t->swap_path(4, &pa), nullptr); // inactive: unchanged

    keypair k1{}, k2{}, k3{};
    EXPECT_EQ(t->swap_keypair(3, keypair_slot::next, &k1), nullptr);
    EXPECT_EQ(t->rotate(3, nullptr), nullptr); // promote next
    EXPECT_EQ(p->current.load(), &k1);
    EXPECT_EQ(p->next.load(), nullptr);
    EXPECT_EQ(t->rotate(3, &k2), nullptr);
    EXPECT_EQ(p->current.load(), &k2);
    EXPECT_EQ(p->previous.load(), &k1);
    EXPECT_EQ(t->rotate(3, &k3), &k1); // old previous comes back to be retired
    EXPECT_EQ(t->deactivate(3), -EBUSY);
    t->swap_keypair(3, keypair_slot::current, nullptr);
    t->swap_keypair(3, keypair_slot::previous, nullptr);
    t->swap_path(3, nullptr);
    EXPECT_EQ(t->deactivate(3), 0);
    EXPECT_EQ(t->deactivate(3), -ENOENT);
    EXPECT_EQ(t->get(3), nullptr);
    EXPECT_EQ(t->active_count(), 0u);
}

// ---------------------------------------------------------------- one writer, one reader

constexpr uint8_t poison = 0xDB;
std::vector<keypair*> g_graveyard; // writer thread only

void poison_release(keypair* kp) noexcept
{
    std::memset(static_cast<void*>(kp), poison, sizeof(keypair));
    g_graveyard.push_back(kp); // kept mapped so that a late reader would see poison, not a fault
}

uint8_t key_byte(uint32_t index, uint32_t generation)
{
    return static_cast<uint8_t>(1 + (index * 31 + generation) % 200); // never poison
}

TEST(tables, concurrent_writer_and_reader)
{
    ASSERT_TRUE(test::eal_ready());
    table_set_config cfg;
    cfg.name = "tc";
    cfg.max_peers = 64;
    cfg.max_keypairs = 256;
    cfg.max_routes4 = cfg.max_allowed4 = 64;
    cfg.max_routes6 = cfg.max_allowed6 = 64;
    cfg.max_readers = 2;
    auto ts = table_set::create(cfg);
    ASSERT_NE(ts, nullptr);
    EXPECT_GT(ts->memory_bytes(), size_t{384} << 20);

    // Nested IPv4 prefixes 10/8, 10.1/16, 10.1.2/24, 10.1.2.128/25, 10.1.2.129/32 and a
    // default: value = prefix * 1000 + version, so a reader can tell which prefix answered.
    const std::pair<uint32_t, uint8_t> p4[] = {
        {0x0A000000, 8}, {0x0A010000, 16}, {0x0A010200, 24}, {0x0A010280, 25}, {0x0A010281, 32}, {0, 0}};
    const uint32_t probe4[] = {0x0A010281, 0x0A010282, 0x0A010201, 0x0A01FF01, 0x0AFF0000, 0x0B000000};
    addr6 p6base{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x81};
    const uint8_t d6[] = {32, 48, 64, 120, 128, 0};
    uint8_t probe6[4][16];
    for (int i = 0; i < 4; ++i) {
        std::memcpy(probe6[i], p6base.data(), 16);
    }
    probe6[1][15] = 0x82;
    probe6[2][7] = 0x99;
    probe6[3][4] = 0x77;
    constexpr uint32_t n_idx = 32;

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reader_rounds{0}, seen_keypairs{0}, bad{0};
    std::thread reader([&] {
        if (ts->register_reader(1) != 0) {
            bad.fetch_add(1);
            return;
        }
        uint32_t idx_keys[n_idx];
        for (uint32_t i = 0; i < n_idx; ++i) {
            idx_keys[i] = 1000 + i;
        }
        while (!stop.load(std::memory_order_relaxed)) {
            uint32_t out4[6];
            ts->routes4().lookup_bulk(probe4, 6, out4);
            for (int i = 0; i < 6; ++i) {
                if (out4[i] == next_hop_none) {
                    continue;
                }
                uint32_t which = out4[i] / 1000;
                if (which >= 6 || mask4(probe4[i], p4[which].second) != p4[which].first) {
                    bad.fetch_add(1);
                }
            }
            uint32_t out6[4];
            ts->routes6().lookup_bulk(probe6, 4, out6);
            for (int i = 0; i < 4; ++i) {
                if (out6[i] == next_hop_none) {
                    continue;
                }
                uint32_t which = out6[i] / 1000;
                addr6 x;
                std::memcpy(x.data(), probe6[i], 16);
                if (which >= 6 || mask6(x, d6[which]) != mask6(p6base, d6[which])) {
                    bad.fetch_add(1);
                }
            }
            keypair* kps[n_idx];
            ts->index().lookup_bulk(idx_keys, n_idx, kps);
            for (uint32_t i = 0; i < n_idx; ++i) {
                keypair* kp = kps[i];
                if (kp == nullptr) {
                    continue;
                }
                seen_keypairs.fetch_add(1, std::memory_order_relaxed);
                uint8_t first = kp->recv_key[0];
                bool ok = kp->local_index == idx_keys[i] && first != poison;
                for (uint8_t b : kp->recv_key) {
                    ok = ok && b == first;
                }
                if (!ok) {
                    bad.fetch_add(1);
                }
            }
            for (peer_id id = 0; id < n_idx; ++id) {
                if (peer* p = ts->peers().get(id)) {
                    keypair* kp = p->current.load(std::memory_order_acquire);
                    if (kp != nullptr && (kp->local_index != 1000 + id || kp->send_key[5] == poison)) {
                        bad.fetch_add(1);
                    }
                }
            }
            ts->quiescent(1);
            reader_rounds.fetch_add(1, std::memory_order_relaxed);
        }
        ts->unregister_reader(1);
    });

    uint64_t seed = test_seed();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    for (peer_id id = 0; id < n_idx; ++id) {
        ASSERT_EQ(ts->peers().activate(id), 0);
    }
    uint32_t generation = 0;
    for (int op = 0; op < 1500; ++op) {
        uint64_t kind = rng() % 4;
        uint32_t j = static_cast<uint32_t>(rng() % 6);
        uint32_t value = j * 1000 + static_cast<uint32_t>(rng() % 1000);
        if (kind == 0) {
            if (rng() % 3) {
                ASSERT_EQ(ts->routes4().add(p4[j].first, p4[j].second, value), 0);
            } else {
                int rc = ts->routes4().remove(p4[j].first, p4[j].second);
                ASSERT_TRUE(rc == 0 || rc == -ENOENT);
            }
        } else if (kind == 1) {
            if (rng() % 3) {
                ASSERT_EQ(ts->routes6().add(p6base.data(), d6[j], value), 0);
            } else {
                int rc = ts->routes6().remove(p6base.data(), d6[j]);
                ASSERT_TRUE(rc == 0 || rc == -ENOENT);
            }
        } else {
            // Replace peer i's current keypair (index 1000 + i): retire the old one first.
            peer_id id = static_cast<peer_id>(rng() % n_idx);
            int rc = ts->retire_keypair(id, keypair_slot::current, poison_release);
            ASSERT_TRUE(rc == 0 || rc == -ENOENT) << rc;
            if (rng() % 4 == 0) {
                continue; // leave it empty for a while
            }
            keypair* kp = keypair_create();
            ASSERT_NE(kp, nullptr);
            ++generation;
            std::memset(kp->recv_key, key_byte(id, generation), sizeof(kp->recv_key));
            std::memset(kp->send_key, key_byte(id, generation), sizeof(kp->send_key));
            kp->local_index = 1000 + id;
            kp->peer = id;
            ASSERT_EQ(ts->index().add(kp->local_index, kp), 0);
            ASSERT_EQ(ts->peers().swap_keypair(id, keypair_slot::current, kp), nullptr);
        }
        if (op % 64 == 0) {
            std::this_thread::yield(); // give the reader a chance on a busy 2-core box
        }
    }
    stop.store(true);
    reader.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(reader_rounds.load(), 0u);
    EXPECT_GT(seen_keypairs.load(), 0u);
    EXPECT_GT(g_graveyard.size(), 100u);
    EXPECT_EQ(ts->reclaim(), 0u);
    for (peer_id id = 0; id < n_idx; ++id) {
        int rc = ts->retire_keypair(id, keypair_slot::current); // default: wipe and free
        EXPECT_TRUE(rc == 0 || rc == -ENOENT);
    }
    EXPECT_EQ(ts->index().size(), 0u);
    ts.reset();
    for (keypair* kp : g_graveyard) {
        rte_free(kp);
    }
    g_graveyard.clear();
}

TEST(tables, synchronize_times_out_on_stuck_reader)
{
    table_set_config cfg;
    cfg.name = "ts";
    cfg.max_peers = 4;
    cfg.max_keypairs = 16;
    cfg.max_routes4 = cfg.max_allowed4 = cfg.max_routes6 = cfg.max_allowed6 = 8;
    cfg.max_readers = 2;
    auto ts = table_set::create(cfg);
    ASSERT_NE(ts, nullptr);
    EXPECT_EQ(ts->synchronize(std::chrono::milliseconds(10)), 0); // no reader
    ASSERT_EQ(ts->register_reader(0), 0);
    EXPECT_EQ(ts->register_reader(2), -EINVAL);
    // Reader 0 is online and never reports: a grace period cannot end.
    EXPECT_EQ(ts->synchronize(std::chrono::milliseconds(20)), -ETIMEDOUT);
    ts->quiescent(0);
    EXPECT_EQ(ts->synchronize(std::chrono::milliseconds(20)), -ETIMEDOUT); // new token
    ASSERT_EQ(ts->unregister_reader(0), 0);
    EXPECT_EQ(ts->synchronize(std::chrono::milliseconds(20)), 0);
}

} // namespace
} // namespace edgerelay::dp
