// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Randomized robustness: 100 000 random or mutated frames, with invariants on every result.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
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

// A deliberately plain reference parser: reads fields by index off a copy of the frame, in the
// documented order of checks, with no shared code with common/wire/parse.cc.
verdict model_ip(const bytes& p, size_t at)
{
    auto be16 = [&](size_t i) { return static_cast<size_t>(p[at + i] * 256 + p[at + i + 1]); };
    size_t avail = p.size() - at;
    size_t version = avail > 0 ? p[at] / 16 : 0;
    if (version == 4) {
        if (avail < 20) {
            return verdict::ipv4_truncated;
        }
        size_t ihl = (p[at] % 16) * 4;
        if (ihl < 20) {
            return verdict::ipv4_bad_ihl;
        }
        if (avail < ihl) {
            return verdict::ipv4_truncated;
        }
        size_t total = be16(2);
        if (total < ihl || total > avail) {
            return verdict::ipv4_bad_total_length;
        }
        uint32_t sum = 0;
        for (size_t i = 0; i < ihl; i += 2) {
            sum += static_cast<uint32_t>(be16(i));
        }
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        if (sum != 0xffff) {
            return verdict::ipv4_bad_checksum;
        }
        bool mf = (p[at + 6] & 0x20) != 0;
        size_t offset = be16(6) % 8192;
        if (mf || offset != 0) {
            return verdict::ipv4_fragment;
        }
        if (p[at + 9] != 17) {
            return verdict::not_udp;
        }
        size_t u = at + ihl;
        size_t ulen = total - ihl;
        if (ulen < 8) {
            return verdict::udp_truncated;
        }
        if (be16(ihl + 4) != ulen) {
            return verdict::udp_bad_length;
        }
        if (be16(ihl) == 0 || be16(ihl + 2) == 0) {
            return verdict::udp_port_zero;
        }
        (void)u;
        return verdict::ok;
    }
    if (version == 6) {
        if (avail < 40) {
            return verdict::ipv6_truncated;
        }
        size_t plen = be16(4);
        if (40 + plen > avail) {
            return verdict::ipv6_bad_payload_length;
        }
        size_t nh = p[at + 6];
        if (nh != 17) {
            const size_t ext[] = {0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254};
            for (size_t e : ext) {
                if (nh == e) {
                    return verdict::ipv6_ext_header;
                }
            }
            return verdict::not_udp;
        }
        if (plen < 8) {
            return verdict::udp_truncated;
        }
        if (be16(44) != plen) {
            return verdict::udp_bad_length;
        }
        if (be16(40) == 0 || be16(42) == 0) {
            return verdict::udp_port_zero;
        }
        if (be16(46) == 0) {
            return verdict::udp6_zero_checksum;
        }
        return verdict::ok;
    }
    return verdict::ip_unknown_version;
}

verdict model_outer(const bytes& f)
{
    if (f.size() < 14) {
        return verdict::eth_truncated;
    }
    size_t at = 14;
    size_t et = f[12] * 256 + f[13];
    if (et == 0x8100) {
        if (f.size() < 18) {
            return verdict::vlan_truncated;
        }
        et = f[16] * 256 + f[17];
        at = 18;
        if (et == 0x8100 || et == 0x88a8) {
            return verdict::vlan_stacked;
        }
    } else if (et == 0x88a8) {
        return verdict::vlan_stacked;
    }
    if (et != 0x0800 && et != 0x86dd) {
        return verdict::unknown_ethertype;
    }
    size_t want = et == 0x0800 ? 4 : 6;
    if (f.size() - at < (want == 4 ? 20u : 40u)) {
        return want == 4 ? verdict::ipv4_truncated : verdict::ipv6_truncated;
    }
    if (f[at] / 16 != want) {
        return want == 4 ? verdict::ipv4_bad_version : verdict::ipv6_bad_version;
    }
    return model_ip(f, at);
}

void check_frame(const bytes& f, int& oks, std::set<verdict>& seen)
{
    outer_info o;
    verdict v = parse_outer(f, o);
    ASSERT_TRUE(named(v));
    ASSERT_EQ(v, model_outer(f)) << "frame of " << f.size() << " bytes";
    seen.insert(v);
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
        ((o.ethertype == 0x0800 && f[14] >> 4 == 4) ||
         (o.ethertype == 0x86dd && f[14] >> 4 == 6))) {
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
    std::set<verdict> seen;
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
                switch (rng() % 6) {
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
                case 4: { // a boundary value in a 16-bit field of the headers
                    static const uint16_t interesting[] = {0,      1,      7,      8,      0x8100,
                                                           0x88a8, 0x0800, 0x86dd, 0x2000, 0xffff};
                    size_t at = rng() % std::min<size_t>(80, f.size());
                    if (at + 1 < f.size()) {
                        store_be16(&f[at], interesting[rng() % std::size(interesting)]);
                    }
                    break;
                }
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
        check_frame(f, oks, seen);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    // The mutations must leave enough valid frames for the ok-path checks to mean something.
    EXPECT_GT(oks, rounds / 10);
    // ... and reach all 20 parse_outer verdicts, so the model comparison covers every check.
    EXPECT_GE(seen.size(), 20u) << "distinct parse_outer verdicts: " << seen.size();
}

} // namespace
} // namespace edgerelay::wire
