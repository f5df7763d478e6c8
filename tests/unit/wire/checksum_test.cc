// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Checksum helpers against RFC 1071's example, a word-by-word model, and DPDK's rte_ip.h.
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <rte_ip.h>

#include "common/wire/build.hh"
#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

// The obviously correct RFC 1071 loop: big-endian 16-bit words, end-around carry.
uint16_t model_checksum(const uint8_t* p, size_t n, uint32_t initial = 0)
{
    uint32_t sum = initial;
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += static_cast<uint32_t>((p[i] << 8) | p[i + 1]);
    }
    if (n % 2 == 1) {
        sum += static_cast<uint32_t>(p[n - 1] << 8);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(~sum);
}

uint16_t raw16(const uint8_t* p)
{
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

TEST(checksum, rfc1071_example)
{
    // RFC 1071 §3: these bytes sum to 0xddf2.
    const uint8_t data[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(csum_fold(csum_partial(data, 8)), 0xddf2);
    EXPECT_EQ(inet_checksum(data, 8), 0x220d);
}

TEST(checksum, known_ipv4_header)
{
    // A captured header with checksum 0xb861 (192.168.0.1 → 192.168.0.199, UDP, DF).
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(csum_fold(csum_partial(h, 20)), 0xffff);
    h[10] = h[11] = 0;
    EXPECT_EQ(inet_checksum(h, 20), 0xb861);
}

TEST(checksum, matches_model_on_random_buffers)
{
    std::mt19937 rng(1071);
    std::vector<uint8_t> buf(300);
    for (int round = 0; round < 2000; ++round) {
        size_t n = rng() % buf.size();
        for (auto& b : buf) {
            b = static_cast<uint8_t>(rng());
        }
        if (round % 10 == 0) {
            std::fill(buf.begin(), buf.end(), 0xff); // exercises the carries
        }
        ASSERT_EQ(inet_checksum(buf.data(), n), model_checksum(buf.data(), n)) << "len " << n;
        // Splitting at an even offset must not change the result.
        size_t cut = (rng() % (n + 1)) & ~size_t{1};
        uint64_t s = csum_partial(buf.data() + cut, n - cut, csum_partial(buf.data(), cut));
        ASSERT_EQ(csum_finish(s), model_checksum(buf.data(), n));
    }
}

TEST(checksum, ipv4_header_matches_dpdk)
{
    for (bool vlan : {false, true}) {
        auto t = test::make_template(4, vlan);
        for (size_t len : {0, 1, 32, 33, 148, 1420, 1451}) {
            test::bytes payload(len, 0xa5);
            auto f = test::make_frame(t, payload);
            uint8_t* ip = f.data() + (vlan ? 18 : 14);
            uint16_t stored = raw16(ip + 10);
            std::memset(ip + 10, 0, 2);
            EXPECT_EQ(stored, rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip)));
        }
    }
}

TEST(checksum, udp_matches_dpdk)
{
    std::mt19937 rng(768);
    for (uint8_t family : {4, 6}) {
        auto t = test::make_template(family, false);
        for (size_t len : {0, 1, 2, 3, 32, 47, 148, 1420, 1451, 9000}) {
            test::bytes payload(len);
            for (auto& b : payload) {
                b = static_cast<uint8_t>(rng());
            }
            auto f = test::make_frame(t, payload);
            uint8_t* ip = f.data() + 14;
            uint8_t* udp = ip + (family == 4 ? 20 : 40);
            uint16_t stored = raw16(udp + 6);
            ASSERT_NE(stored, 0);
            std::memset(udp + 6, 0, 2);
            uint16_t dpdk =
                family == 4 ? rte_ipv4_udptcp_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip), udp)
                            : rte_ipv6_udptcp_cksum(reinterpret_cast<const rte_ipv6_hdr*>(ip), udp);
            EXPECT_EQ(stored, dpdk) << "family " << int(family) << " len " << len;
            // And against the model over the explicit pseudo-header.
            std::vector<uint8_t> ph;
            size_t alen = family == 4 ? 4 : 16;
            const uint8_t* src = ip + (family == 4 ? 12 : 8);
            ph.insert(ph.end(), src, src + 2 * alen);
            size_t ulen = 8 + len;
            if (family == 4) {
                ph.insert(ph.end(), {0, 17, uint8_t(ulen >> 8), uint8_t(ulen)});
            } else {
                ph.insert(ph.end(), {0, 0, uint8_t(ulen >> 8), uint8_t(ulen), 0, 0, 0, 17});
            }
            ph.insert(ph.end(), udp, udp + ulen);
            uint16_t m = model_checksum(ph.data(), ph.size());
            EXPECT_EQ(load_be16(reinterpret_cast<const uint8_t*>(&stored)), m == 0 ? 0xffff : m);
        }
    }
}

TEST(checksum, udp_zero_result_is_sent_as_ffff)
{
    // Choose the last two payload bytes so that the complemented sum is 0: the builder must
    // then write 0xffff, never 0 ("no checksum").
    auto t = test::make_template(4, false);
    test::bytes payload(20, 0x11);
    payload[18] = payload[19] = 0;
    auto f = test::make_frame(t, payload);
    uint8_t* udp = f.data() + 34;
    uint16_t c = load_be16(udp + 6);
    // Adding the checksum value itself into the payload's last word makes the sum 0xffff.
    uint16_t fix = c;
    store_be16(&payload[18], fix);
    f = test::make_frame(t, payload);
    EXPECT_EQ(load_be16(f.data() + 34 + 6), 0xffff);
}

TEST(checksum, none_and_offload_modes)
{
    auto t4 = test::make_template(4, false, udp_csum::none);
    auto f = test::make_frame(t4, test::bytes(40, 1));
    EXPECT_EQ(load_be16(f.data() + 34 + 6), 0);

    // IPv6 has no "no checksum": none falls back to full.
    auto t6 = test::make_template(6, false, udp_csum::none);
    auto f6 = test::make_frame(t6, test::bytes(40, 1));
    auto g6 = test::make_frame(test::make_template(6, false), test::bytes(40, 1));
    EXPECT_NE(load_be16(f6.data() + 54 + 6), 0);
    EXPECT_EQ(f6, g6);

    // Offload: the pseudo-header sum as DPDK's drivers expect it.
    for (uint8_t family : {4, 6}) {
        auto t = test::make_template(family, false, udp_csum::offload);
        auto g = test::make_frame(t, test::bytes(77, 3));
        uint8_t* ip = g.data() + 14;
        uint8_t* udp = ip + (family == 4 ? 20 : 40);
        uint16_t dpdk = family == 4
                            ? rte_ipv4_phdr_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip), 0)
                            : rte_ipv6_phdr_cksum(reinterpret_cast<const rte_ipv6_hdr*>(ip), 0);
        EXPECT_EQ(raw16(udp + 6), dpdk) << "family " << int(family);
    }
}

} // namespace
} // namespace edgerelay::wire
