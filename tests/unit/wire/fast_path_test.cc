// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Differential tests of the per-packet fast paths against the generic code they shortcut:
// parse_outer_fast() vs parse_outer() on random, mutated and corpus frames, and
// write_outer_prebuilt() vs write_outer() byte for byte.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/wire/build.hh"
#include "common/wire/outer_prebuilt.hh"
#include "common/wire/parse.hh"
#include "common/wire/parse_fast.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

using test::bytes;

void expect_same(const outer_info& a, const outer_info& b)
{
    EXPECT_EQ(a.src, b.src);
    EXPECT_EQ(a.dst, b.dst);
    EXPECT_EQ(a.src.reserved, b.src.reserved);
    EXPECT_EQ(a.l3_len, b.l3_len);
    EXPECT_EQ(a.l3_offset, b.l3_offset);
    EXPECT_EQ(a.l4_offset, b.l4_offset);
    EXPECT_EQ(a.payload_offset, b.payload_offset);
    EXPECT_EQ(a.payload_len, b.payload_len);
    EXPECT_EQ(a.ethertype, b.ethertype);
    EXPECT_EQ(a.vlan_tci, b.vlan_tci);
    EXPECT_EQ(a.has_vlan, b.has_vlan);
    EXPECT_EQ(a.ip_proto, b.ip_proto);
    EXPECT_EQ(a.ttl, b.ttl);
}

// The frames the fast path exists for: Ethernet, at most one C-tag, IPv4 without options.
bool fast_shape(const bytes& f, const outer_info& generic)
{
    return generic.ethertype == ethertype_ipv4 && f.size() > generic.l3_offset &&
           f[generic.l3_offset] == 0x45;
}

struct tally {
    int fast = 0;          // frames the fast path accepted
    int generic_only = 0;  // valid frames outside its shape
};

// Fast accepted ⇒ generic says ok with the same fields; generic ok on the fast path's shape ⇒
// fast accepted (it must not push the common case onto the slow path).
void compare(const bytes& f, tally& t)
{
    outer_info generic;
    const verdict v = parse_outer(f, generic);
    outer_info fast;
    const bool took = parse_outer_fast(f, fast);
    if (took) {
        ASSERT_EQ(v, verdict::ok) << "fast path accepted a frame of " << f.size() << " bytes";
        expect_same(fast, generic);
        t.fast++;
    } else if (v == verdict::ok) {
        ASSERT_FALSE(fast_shape(f, generic)) << "fast path refused a valid IPv4 frame";
        t.generic_only++;
    }
}

std::vector<bytes> seeds()
{
    std::vector<bytes> s;
    for (uint8_t family : {4, 6}) {
        for (bool vlan : {false, true}) {
            for (uint8_t type = 1; type <= 4; ++type) {
                s.push_back(test::make_frame(test::make_template(family, vlan),
                                             test::wg_message(type, type == 4 ? 48 : 0)));
            }
        }
    }
    return s;
}

TEST(fast_path, parse_matches_generic_on_random_frames)
{
    std::mt19937_64 rng(20261203);
    const auto base = seeds();
    tally t;
    for (int i = 0; i < 100000; ++i) {
        bytes f;
        if (i % 5 == 0) {
            f.resize(rng() % 120);
            for (auto& b : f) {
                b = static_cast<uint8_t>(rng());
            }
            if (f.size() >= 24 && rng() % 2) { // steer towards tagged or untagged IPv4
                f[12] = 0x08;
                f[13] = 0x00;
                f[14] = 0x45;
            }
        } else {
            f = base[rng() % base.size()];
            for (int e = 1 + static_cast<int>(rng() % 2); e > 0 && !f.empty(); --e) {
                switch (rng() % 4) {
                case 0:
                    f[rng() % std::min<size_t>(64, f.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
                    break;
                case 1:
                    f.resize(rng() % f.size());
                    break;
                case 2:
                    f.resize(f.size() + rng() % 40, static_cast<uint8_t>(rng()));
                    break;
                default:
                    break;
                }
            }
            // Repair the IPv4 checksum half the time so that mutations reach IP and UDP.
            const size_t l3 = f.size() >= 18 && f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
            if (rng() % 2 && f.size() >= l3 + 20 && (f[l3] >> 4) == 4) {
                const size_t ihl = static_cast<size_t>(f[l3] & 0x0f) * 4;
                if (ihl >= 20 && f.size() >= l3 + ihl) {
                    test::fix_ipv4_checksum(f, l3);
                }
            }
        }
        compare(f, t);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    // Both branches must have been exercised for the comparison to mean something.
    EXPECT_GT(t.fast, 10000);
    EXPECT_GT(t.generic_only, 1000);
}

TEST(fast_path, parse_matches_generic_on_corpus)
{
    const std::filesystem::path dir = EDGERELAY_WIRE_CORPUS_DIR;
    if (!std::filesystem::exists(dir / "ipv4_transport")) {
        GTEST_SKIP() << "no seeds in " << dir;
    }
    tally t;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        bytes f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Every prefix too: each truncation point is a boundary of some length check.
        for (size_t n = 0; n <= f.size(); ++n) {
            compare(bytes(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n)), t);
        }
        compare(f, t);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    EXPECT_GT(t.fast, 0);
}

// inner_length_fast() accepted ⇒ parse_inner() ok with the same length; parse_inner() ok on an
// IPv4 packet without options or an IPv6 packet ⇒ accepted.
TEST(fast_path, inner_length_matches_parse_inner)
{
    std::mt19937_64 rng(3);
    int fast = 0, generic_only = 0;
    for (int i = 0; i < 100000; ++i) {
        bytes p;
        switch (i % 4) {
        case 0:
            p = test::inner_v4(20 + rng() % 100, 20 + rng() % 120);
            break;
        case 1:
            p = test::inner_v6(rng() % 100, 40 + rng() % 120);
            break;
        case 2: // IPv4 with options: the generic parser's alone
            p = test::inner_v4(40 + rng() % 80, 40 + rng() % 100);
            p[0] = static_cast<uint8_t>(0x46 + rng() % 10);
            break;
        default:
            p.resize(rng() % 80);
            break;
        }
        for (int e = static_cast<int>(rng() % 3); e > 0 && !p.empty(); --e) {
            p[rng() % std::min<size_t>(8, p.size())] = static_cast<uint8_t>(rng());
        }
        if (rng() % 8 == 0) {
            p.resize(rng() % (p.size() + 1));
        }
        if (p.empty()) {
            continue; // parse_inner()'s precondition: the caller handles keepalives
        }
        inner_info in;
        const verdict v = parse_inner(p, in);
        uint32_t len = 0;
        if (inner_length_fast(p, len)) {
            ASSERT_EQ(v, verdict::ok);
            ASSERT_EQ(len, in.length);
            fast++;
        } else if (v == verdict::ok) {
            ASSERT_FALSE(p[0] == 0x45 || (p[0] >> 4) == 6) << "refused a plain inner packet";
            generic_only++;
        }
    }
    EXPECT_GT(fast, 10000);
    EXPECT_GT(generic_only, 100);
}

TEST(fast_path, prebuilt_outer_matches_write_outer)
{
    std::mt19937_64 rng(7);
    for (uint8_t family : {4, 6}) {
        for (bool vlan : {false, true}) {
            for (udp_csum cs : {udp_csum::full, udp_csum::none, udp_csum::offload}) {
                for (int i = 0; i < 200; ++i) {
                    outer_template t = test::make_template(family, vlan, cs);
                    for (size_t b = 0; b < (family == 4 ? 4u : 16u); ++b) {
                        t.src.addr[b] = static_cast<uint8_t>(rng());
                        t.dst.addr[b] = static_cast<uint8_t>(rng());
                    }
                    t.src.port = static_cast<uint16_t>(rng());
                    t.dst.port = static_cast<uint16_t>(rng());
                    t.vlan_tci = static_cast<uint16_t>(rng());
                    // Lengths around the interesting sizes, odd ones and the largest included.
                    const uint16_t lens[] = {0, 1, 32, 33, 96, 1452, static_cast<uint16_t>(rng() % 2000),
                                             static_cast<uint16_t>(max_udp_payload(family))};
                    const uint16_t len = lens[i % std::size(lens)];
                    const size_t h = outer_header_len(family, vlan);
                    bytes want(h + len), got(h + len);
                    for (size_t k = h; k < want.size(); ++k) {
                        want[k] = got[k] = static_cast<uint8_t>(rng());
                    }
                    write_outer(want.data(), t, want.data() + h, len);
                    outer_prebuilt p;
                    prepare_outer(t, p);
                    ASSERT_EQ(p.len, h);
                    write_outer_prebuilt(got.data(), p, got.data() + h, len);
                    ASSERT_EQ(got, want) << "family " << int{family} << " vlan " << vlan
                                         << " checksum " << int(cs) << " payload " << len;
                }
            }
        }
    }
}

} // namespace
} // namespace edgerelay::wire
