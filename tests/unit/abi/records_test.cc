// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Tests for the record layout helpers and CRC32C (RFC 3720 vectors, DPDK's rte_hash_crc as oracle).
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <rte_hash_crc.h>

#include "common/abi/records.hh"
#include "common/abi/segment.hh"
#include "common/abi/validate.hh"

namespace edgerelay::abi {
namespace {

// RFC 3720 appendix B.4 test vectors, plus the classic check value.
TEST(crc32c, rfc3720_vectors)
{
    uint8_t buf[32];
    std::memset(buf, 0, sizeof(buf));
    EXPECT_EQ(crc32c(buf, 32), 0x8A9136AAu);
    std::memset(buf, 0xFF, sizeof(buf));
    EXPECT_EQ(crc32c(buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; ++i) {
        buf[i] = static_cast<uint8_t>(i);
    }
    EXPECT_EQ(crc32c(buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) {
        buf[i] = static_cast<uint8_t>(31 - i);
    }
    EXPECT_EQ(crc32c(buf, 32), 0x113FDB5Cu);
    EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
    EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

// DPDK's CRC32C returns the raw register (no initial/final inversion); ours is the RFC form.
TEST(crc32c, matches_dpdk_for_random_lengths)
{
    std::mt19937_64 rng(7);
    std::vector<uint8_t> buf(300);
    for (int round = 0; round < 2000; ++round) {
        size_t len = rng() % buf.size();
        for (auto& b : buf) {
            b = static_cast<uint8_t>(rng());
        }
        uint32_t dpdk = ~rte_hash_crc(buf.data(), static_cast<uint32_t>(len), 0xFFFFFFFFu);
        ASSERT_EQ(crc32c(buf.data(), len), dpdk) << "len " << len;
    }
}

TEST(records, zero_initialised_and_sealed_crc_checks)
{
    command c;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&c);
    for (size_t i = 0; i < sizeof(c); ++i) {
        ASSERT_EQ(bytes[i], 0) << "byte " << i;
    }
    c.type = command_type::add_peer;
    c.seq = 42;
    c.body.peer.peer = 3;
    seal(c);
    EXPECT_TRUE(crc_ok(c));
    // The CRC covers the record with the crc field zeroed, computed independently here.
    command z = c;
    z.crc = 0;
    EXPECT_EQ(c.crc, crc32c(&z, sizeof(z)));
    c.seq = 43;
    EXPECT_FALSE(crc_ok(c));
}

TEST(records, error_names_are_distinct)
{
    std::set<std::string> names;
    for (uint16_t i = 0; i < static_cast<uint16_t>(error::count); ++i) {
        names.insert(error_name(static_cast<error>(i)));
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(error::count));
    EXPECT_STREQ(error_name(error::ok), "ok");
    EXPECT_STREQ(error_name(error::bad_crc), "bad_crc");
    EXPECT_STREQ(error_name(error::count), "unknown");
}

TEST(layout, areas_page_aligned_in_order_and_disjoint)
{
    limits lim;
    lim.max_peers = 1000;
    lim.workers = 3;
    layout l = expected_layout(lim);
    const area* areas[] = {&l.commands, &l.events, &l.worker_events, &l.punts, &l.injects, &l.stats,
        &l.peer_stats};
    uint64_t end = sizeof(segment_header);
    for (const area* a : areas) {
        EXPECT_EQ(a->offset % 4096, 0u);
        EXPECT_GE(a->offset, end);
        EXPECT_GE(a->stride, a->capacity == 0 ? sizeof(worker_stats) : 64u);
        EXPECT_EQ(a->stride % 64, 0u);
        end = a->offset + a->stride * a->count;
    }
    EXPECT_GE(l.total_size, end);
    EXPECT_EQ(l.total_size % 4096, 0u);
    EXPECT_EQ(l.commands.capacity, command_ring_capacity);
    EXPECT_EQ(l.punts.count, max_workers);
    EXPECT_EQ(l.punts.record_size, sizeof(punted_packet));
    EXPECT_GE(l.commands.stride, sizeof(command_ring));
    // Peer stats: one page-aligned block of max_peers records per worker in use.
    EXPECT_EQ(l.peer_stats.count, 3u);
    EXPECT_EQ(l.peer_stats.record_size, sizeof(peer_stats));
    EXPECT_EQ(l.peer_stats.stride, 32u * 1024); // 1000 × 32 bytes rounded up to 8 pages
    EXPECT_EQ(l.total_size, l.peer_stats.offset + 3 * l.peer_stats.stride);
}

TEST(layout, only_peer_stats_depend_on_limits)
{
    limits a;
    a.max_peers = 1;
    a.workers = 1;
    limits b;
    b.max_peers = 100'000;
    b.workers = 16;
    layout la = expected_layout(a), lb = expected_layout(b);
    EXPECT_EQ(la.commands, lb.commands);
    EXPECT_EQ(la.stats, lb.stats);
    EXPECT_EQ(la.peer_stats.offset, lb.peer_stats.offset);
    EXPECT_EQ(la.peer_stats.stride, 4096u);
    EXPECT_EQ(lb.peer_stats.stride, 3'203'072u); // 3.2 MB rounded to pages
    EXPECT_EQ(lb.total_size - la.total_size, 16 * 3'203'072u - 4096u);
}

TEST(records, add_peer_shares_cmd_peer_id_and_punt_fields)
{
    command c;
    c.type = command_type::add_peer;
    c.body.add_peer = cmd_add_peer{17, peer_flag_transit};
    EXPECT_EQ(c.body.raw[0], 17);
    EXPECT_EQ(c.body.raw[4], 1);
    punted_packet p;
    p.kind = punt_kind::inner_packet;
    p.peer = 0x01020304;
    const auto* b = reinterpret_cast<const uint8_t*>(&p);
    EXPECT_EQ(b[6], 1);
    EXPECT_EQ(b[56], 0x04); // little-endian peer id where reserved2 used to start
    EXPECT_EQ(next_hop_control + 1, next_hop_local);
}

} // namespace
} // namespace edgerelay::abi
