// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Randomized robustness: 100 000 random or mutated frames, with invariants on every result.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/wire/build.hh"
#include "common/wire/parse.hh"
#include "common/wire/wireguard.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

using test::bytes;

bool named(verdict v)
{
    return static_cast<size_t>(v) < verdict_count;
}

// Rebuilds a parsed-ok frame from what the parser reported, then parses it again.
void check_round_trip(const bytes& f, const outer_info& o)
{
    outer_template t;
    t.src = o.src;
    t.dst = o.dst;
    std::memcpy(t.dst_mac, f.data(), 6);
    std::memcpy(t.src_mac, f.data() + 6, 6);
    t.vlan = o.has_vlan;
    t.vlan_tci = o.vlan_tci;
    bytes payload(f.begin() + o.payload_offset, f.begin() + o.payload_offset + o.payload_len);
    bytes g = test::make_frame(t, payload);
    outer_info p;
    ASSERT_EQ(parse_outer(g, p), verdict::ok);
    EXPECT_EQ(p.src, o.src);
    EXPECT_EQ(p.dst, o.dst);
    EXPECT_EQ(p.payload_len, o.payload_len);
    EXPECT_EQ(p.has_vlan, o.has_vlan);
    EXPECT_EQ(p.vlan_tci, o.vlan_tci);
    EXPECT_EQ(bytes(g.begin() + p.payload_offset, g.end()), payload);
}

void check_frame(const bytes& f, int& oks)
{
    outer_info o;
    verdict v = parse_outer(f, o);
    ASSERT_TRUE(named(v));
    if (v == verdict::ok) {
        ++oks;
        ASSERT_LE(size_t{o.l3_offset} + o.l3_len, f.size());
        ASSERT_EQ(size_t{o.payload_offset} + o.payload_len, size_t{o.l3_offset} + o.l3_len);
        ASSERT_EQ(o.payload_offset, o.l4_offset + 8);
        ASSERT_TRUE(o.src.family == 4 || o.src.family == 6);
        check_round_trip(f, o);
        std::span<const uint8_t> payload(f.data() + o.payload_offset, o.payload_len);
        uint8_t type;
        ASSERT_TRUE(named(classify_wg(payload, type)));
        if (payload.size() > 16) {
            inner_info in;
            verdict iv = parse_inner(payload.subspan(16), in);
            ASSERT_TRUE(named(iv));
            if (iv == verdict::ok) {
                ASSERT_LE(in.length, payload.size() - 16);
                ASSERT_GE(in.length, in.header_len);
            }
        }
    }
    // Raw IP parse of the same bytes minus the Ethernet header must agree for untagged IP.
    if (f.size() > 14 && !o.has_vlan &&
        ((o.ethertype == 0x0800 && f[14] >> 4 == 4) || (o.ethertype == 0x86dd && f[14] >> 4 == 6))) {
        outer_info r;
        verdict rv = parse_ip_outer(std::span(f).subspan(14), r);
        ASSERT_EQ(rv, v);
    }
    inner_info in;
    ASSERT_TRUE(named(parse_inner(f, in)));
    uint8_t type;
    ASSERT_TRUE(named(classify_wg(f, type, true)));
}

TEST(random, frames_never_crash_and_verdicts_are_named)
{
    std::mt19937_64 rng(20260101);
    std::vector<bytes> seeds;
    for (uint8_t family : {4, 6}) {
        for (bool vlan : {false, true}) {
            for (uint8_t type = 1; type <= 4; ++type) {
                auto msg = test::wg_message(type, type == 4 ? 40 : 0);
                if (type == 4) {
                    auto in = family == 4 ? test::inner_v4(40, 48) : test::inner_v6(8, 48);
                    std::copy(in.begin(), in.end(), msg.begin() + 16);
                }
                seeds.push_back(test::make_frame(test::make_template(family, vlan), msg));
            }
        }
    }
    const int rounds = 100000;
    int oks = 0;
    for (int i = 0; i < rounds; ++i) {
        bytes f;
        if (i % 5 == 0) {
            f.resize(rng() % 200);
            for (auto& b : f) {
                b = static_cast<uint8_t>(rng());
            }
            if (f.size() >= 14 && rng() % 2) {
                f[12] = rng() % 2 ? 0x08 : 0x86; // steer towards IP
                f[13] = f[12] == 0x08 ? 0x00 : 0xdd;
            }
        } else {
            f = seeds[rng() % seeds.size()];
            int edits = 1 + static_cast<int>(rng() % 3);
            for (int e = 0; e < edits && !f.empty(); ++e) {
                switch (rng() % 5) {
                case 0: // flip a bit anywhere
                    f[rng() % f.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
                    break;
                case 1: // truncate
                    f.resize(rng() % f.size());
                    break;
                case 2: // append junk (Ethernet padding or worse)
                    f.resize(f.size() + rng() % 40, static_cast<uint8_t>(rng()));
                    break;
                case 3: // random byte in the first 80, where the headers are
                    f[rng() % std::min<size_t>(80, f.size())] = static_cast<uint8_t>(rng());
                    break;
                default: // leave it as is
                    break;
                }
            }
            // Often repair the IPv4 checksum so the mutation reaches the layers behind it.
            size_t l3 = f.size() >= 18 && f[12] == 0x81 ? 18 : 14;
            if (rng() % 2 && f.size() >= l3 + 20 && (f[l3] >> 4) == 4) {
                size_t ihl = static_cast<size_t>(f[l3] & 0x0f) * 4;
                if (ihl >= 20 && f.size() >= l3 + ihl) {
                    test::fix_ipv4_checksum(f, l3);
                }
            }
        }
        check_frame(f, oks);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    // The mutations must leave enough valid frames for the ok-path checks to mean something.
    EXPECT_GT(oks, rounds / 10);
}

} // namespace
} // namespace edgerelay::wire
