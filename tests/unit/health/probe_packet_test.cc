// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Probe addresses and the probe packet: round trips and every way a packet can be refused.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "controlplane/health/probe_packet.hh"

namespace edgerelay::cp::health {
namespace {

crypto::key32 key(uint8_t id)
{
    crypto::key32 k{};
    k.fill(id);
    k[31] = 0x40;
    return k;
}

probe_message sample(probe_type t = probe_type::request)
{
    probe_message m;
    m.type = t;
    m.seq = 0xdeadbeef;
    m.timestamp_ns = 0x0102030405060708ull;
    m.src = probe_address(key(1));
    m.dst = probe_address(key(2));
    return m;
}

// Recomputes the UDP checksum of a (possibly modified) probe, so a test can reach the checks
// that come after it. Independent of the codec: the RFC 8200 pseudo-header spelled out.
void fix_checksum(std::vector<uint8_t>& p)
{
    p[46] = p[47] = 0;
    const size_t udp_len = p.size() - 40;
    const uint64_t pseudo =
        wire::pseudo_header_sum_v6(&p[8], &p[24], 17, static_cast<uint32_t>(udp_len));
    wire::store_be16(&p[46], wire::udp_checksum(pseudo, &p[40], udp_len));
}

std::vector<uint8_t> valid_bytes()
{
    const auto a = probe_build(sample());
    return {a.begin(), a.end()};
}

probe_verdict parse(const std::vector<uint8_t>& p)
{
    probe_message out;
    return probe_parse(p, out);
}

TEST(probe_address, deterministic_in_prefix_and_distinct)
{
    const probe_addr a = probe_address(key(1));
    EXPECT_EQ(a, probe_address(key(1)));
    EXPECT_NE(a, probe_address(key(2)));
    EXPECT_TRUE(is_probe_shaped(a));
    // fd65:6467:6572::/48 spells "edger" after the ULA's fd.
    EXPECT_EQ(a[0], 0xfd);
    EXPECT_EQ(a[1], 'e');
    EXPECT_EQ(a[2], 'd');
    EXPECT_EQ(a[3], 'g');
    EXPECT_EQ(a[4], 'e');
    EXPECT_EQ(a[5], 'r');
    probe_addr other = a;
    other[5] ^= 1;
    EXPECT_FALSE(is_probe_shaped(other));
    // A single-bit change of the key changes the 80 hashed bits.
    crypto::key32 k = key(1);
    k[0] ^= 0x80;
    EXPECT_NE(probe_address(k), a);
}

TEST(probe_address, no_collisions_among_many_keys)
{
    std::vector<probe_addr> seen;
    for (int i = 0; i < 2000; ++i) {
        crypto::key32 k{};
        wire::store_be32(k.data(), static_cast<uint32_t>(i));
        seen.push_back(probe_address(k));
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST(probe_packet, round_trip_request_and_reply)
{
    for (probe_type t : {probe_type::request, probe_type::reply}) {
        const probe_message m = sample(t);
        const auto pkt = probe_build(m);
        static_assert(probe_packet_len == 68 && probe_packet_len < 256);
        probe_message out;
        ASSERT_EQ(probe_parse(pkt, out), probe_verdict::ok);
        EXPECT_EQ(out.type, t);
        EXPECT_EQ(out.seq, m.seq);
        EXPECT_EQ(out.timestamp_ns, m.timestamp_ns);
        EXPECT_EQ(out.src, m.src);
        EXPECT_EQ(out.dst, m.dst);
    }
}

TEST(probe_packet, layout_on_the_wire)
{
    const auto p = probe_build(sample());
    EXPECT_EQ(p[0], 0x60);
    EXPECT_EQ(wire::load_be16(&p[4]), 28); // IPv6 payload: UDP header + 20
    EXPECT_EQ(p[6], 17);
    EXPECT_EQ(p[7], 64);
    EXPECT_EQ(wire::load_be16(&p[40]), 4223);
    EXPECT_EQ(wire::load_be16(&p[42]), 4223);
    EXPECT_EQ(wire::load_be16(&p[44]), 28);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&p[48]), 4), "ERPB");
    EXPECT_EQ(p[52], 1);
    EXPECT_EQ(p[53], 1);
    EXPECT_EQ(wire::load_be32(&p[56]), 0xdeadbeefu);
    EXPECT_EQ(wire::load_be32(&p[60]), 0x01020304u);
    EXPECT_EQ(wire::load_be32(&p[64]), 0x05060708u);
    // The checksum verifies: the sum over pseudo-header and datagram folds to all ones.
    const uint64_t pseudo = wire::pseudo_header_sum_v6(&p[8], &p[24], 17, 28);
    EXPECT_EQ(wire::csum_fold(wire::csum_partial(&p[40], 28, pseudo)), 0xffff);
}

TEST(probe_packet, every_length_but_68_is_refused)
{
    const auto good = valid_bytes();
    for (size_t n = 0; n < 200; ++n) {
        if (n == probe_packet_len) {
            continue;
        }
        std::vector<uint8_t> p(good.begin(), good.begin() + std::min(n, good.size()));
        p.resize(n, 0);
        EXPECT_EQ(parse(p), probe_verdict::bad_length) << n;
    }
    EXPECT_EQ(parse(good), probe_verdict::ok);
}

struct mutation {
    const char* what;
    void (*apply)(std::vector<uint8_t>&);
    probe_verdict expect;
};

TEST(probe_packet, each_malformed_field_has_its_verdict)
{
    const mutation cases[] = {
        {"ipv4 version", [](auto& p) { p[0] = 0x45; }, probe_verdict::not_ipv6},
        {"version 0", [](auto& p) { p[0] = 0x00; }, probe_verdict::not_ipv6},
        {"ip payload length", [](auto& p) { wire::store_be16(&p[4], 29); }, probe_verdict::bad_ip_length},
        {"ip payload length 0", [](auto& p) { wire::store_be16(&p[4], 0); }, probe_verdict::bad_ip_length},
        {"next header tcp", [](auto& p) { p[6] = 6; }, probe_verdict::not_udp},
        {"hop-by-hop ext header", [](auto& p) { p[6] = 0; }, probe_verdict::not_udp},
        {"src not probe", [](auto& p) { p[8] = 0xfe; }, probe_verdict::bad_address},
        {"dst not probe", [](auto& p) { p[29] ^= 0xff; }, probe_verdict::bad_address},
        {"src == dst", [](auto& p) { std::copy(&p[24], &p[40], &p[8]); }, probe_verdict::bad_address},
        {"src port", [](auto& p) { wire::store_be16(&p[40], 4222); }, probe_verdict::bad_port},
        {"dst port", [](auto& p) { wire::store_be16(&p[42], 53); }, probe_verdict::bad_port},
        {"udp length", [](auto& p) { wire::store_be16(&p[44], 27); }, probe_verdict::bad_udp_length},
        {"magic", [](auto& p) { p[51] = 'C'; }, probe_verdict::bad_magic},
        {"version 2", [](auto& p) { p[52] = 2; }, probe_verdict::bad_version},
        {"version 0", [](auto& p) { p[52] = 0; }, probe_verdict::bad_version},
        {"type 0", [](auto& p) { p[53] = 0; }, probe_verdict::bad_type},
        {"type 3", [](auto& p) { p[53] = 3; }, probe_verdict::bad_type},
        {"reserved", [](auto& p) { p[55] = 1; }, probe_verdict::bad_reserved},
    };
    for (const mutation& c : cases) {
        auto p = valid_bytes();
        c.apply(p);
        fix_checksum(p); // so the field's own check is what refuses it
        EXPECT_EQ(parse(p), c.expect) << c.what;
        EXPECT_STRNE(to_string(parse(p)), "unknown") << c.what;
    }
}

TEST(probe_packet, checksum_is_checked)
{
    auto p = valid_bytes();
    p[47] ^= 1;
    EXPECT_EQ(parse(p), probe_verdict::bad_checksum);
    // Zero ("no checksum") is forbidden for UDP over IPv6.
    p = valid_bytes();
    p[46] = p[47] = 0;
    EXPECT_EQ(parse(p), probe_verdict::bad_checksum);
    // Any change to a checksummed byte without fixing the sum is caught.
    p = valid_bytes();
    p[60] ^= 0x10; // timestamp
    EXPECT_EQ(parse(p), probe_verdict::bad_checksum);
}

TEST(probe_packet, bit_flips_outside_unchecked_fields_never_parse)
{
    // Traffic class, flow label (bytes 0 low nibble..3) and hop limit (7) are not covered by
    // the UDP checksum and are ignored; every other single-bit flip must be refused.
    const auto good = valid_bytes();
    for (size_t byte = 0; byte < good.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto p = good;
            p[byte] ^= static_cast<uint8_t>(1u << bit);
            const bool unchecked = (byte == 0 && bit < 4) || byte == 1 || byte == 2 ||
                                   byte == 3 || byte == 7;
            EXPECT_EQ(parse(p) == probe_verdict::ok, unchecked) << byte << ":" << bit;
        }
    }
}

TEST(probe_packet, random_input_never_crashes_and_leaves_out_untouched)
{
    std::mt19937_64 rng(7);
    probe_message out = sample();
    const probe_message before = out;
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> p(rng() % 100);
        for (auto& b : p) {
            b = static_cast<uint8_t>(rng());
        }
        if (p.size() == probe_packet_len && (rng() & 1)) {
            // Plausible header, random payload: reaches the payload checks.
            const auto good = valid_bytes();
            std::copy(good.begin(), good.begin() + 48, p.begin());
            fix_checksum(p);
        }
        if (probe_parse(p, out) != probe_verdict::ok) {
            EXPECT_EQ(out.seq, before.seq);
            EXPECT_EQ(out.src, before.src);
        } else {
            out = before;
        }
    }
}

} // namespace
} // namespace edgerelay::cp::health
