// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Build→parse round trips, and one crafted packet for every verdict of WIRE_VERDICTS.
#include <cstring>
#include <functional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "common/wire/build.hh"
#include "common/wire/headers.hh"
#include "common/wire/parse.hh"
#include "common/wire/wireguard.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

using test::bytes;

TEST(parse, round_trip_ethernet)
{
    for (uint8_t family : {4, 6}) {
        for (bool vlan : {false, true}) {
            for (auto csum : {udp_csum::full, udp_csum::none}) {
                for (size_t plain : {0, 1, 16, 100, 1420}) {
                    auto t = test::make_template(family, vlan, csum);
                    auto msg = test::wg_message(message_type_transport, plain);
                    auto f = test::make_frame(t, msg);
                    outer_info o;
                    ASSERT_EQ(parse_outer(f, o), verdict::ok)
                        << int(family) << vlan << " " << plain << " "
                        << verdict_name(parse_outer(f, o));
                    size_t l3 = vlan ? 18 : 14;
                    size_t l4 = l3 + (family == 4 ? 20 : 40);
                    EXPECT_EQ(o.has_vlan, vlan);
                    EXPECT_EQ(o.vlan_tci, vlan ? 0x2064 : 0);
                    EXPECT_EQ(o.ethertype, family == 4 ? ethertype_ipv4 : ethertype_ipv6);
                    EXPECT_EQ(o.l3_offset, l3);
                    EXPECT_EQ(o.l4_offset, l4);
                    EXPECT_EQ(o.payload_offset, l4 + 8);
                    EXPECT_EQ(o.payload_offset, outer_header_len(family, vlan));
                    EXPECT_EQ(o.payload_len, msg.size());
                    EXPECT_EQ(o.l3_len, f.size() - l3);
                    EXPECT_EQ(o.ip_proto, ip_proto_udp);
                    EXPECT_EQ(o.ttl, default_ttl);
                    EXPECT_EQ(o.src, t.src);
                    EXPECT_EQ(o.dst, t.dst);
                    EXPECT_EQ(bytes(f.begin() + o.payload_offset, f.end()), msg);
                    // The header fields the brief fixes: DF, id 0, version/flow label.
                    if (family == 4) {
                        EXPECT_EQ(f[l3], 0x45);
                        EXPECT_EQ(load_be16(&f[l3 + 4]), 0);
                        EXPECT_EQ(load_be16(&f[l3 + 6]), ipv4_flag_df);
                    } else {
                        EXPECT_EQ(load_be32(&f[l3]), 0x60000000u);
                    }
                    uint8_t type = 0;
                    EXPECT_EQ(classify_wg({f.data() + o.payload_offset, o.payload_len}, type),
                              verdict::ok);
                    EXPECT_EQ(type, message_type_transport);
                }
            }
        }
    }
}

TEST(parse, builder_golden_bytes)
{
    // Expected header computed independently (Python struct + RFC 1071 sum) for a VLAN-tagged
    // IPv4 datagram carrying bytes 0..31.
    const bytes want = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // MACs
        0x81, 0x00, 0x20, 0x64, 0x08, 0x00,                                     // 802.1Q, IPv4
        0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x4e, 0x75, // IPv4 header
        0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,                         // addresses
        0xca, 0x6c, 0x9c, 0x40, 0x00, 0x28, 0xbb, 0xb3,                         // UDP header
    };
    bytes payload(32);
    for (size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<uint8_t>(i);
    }
    auto f = test::make_frame(test::make_template(4, true), payload);
    ASSERT_EQ(f.size(), want.size() + payload.size());
    EXPECT_EQ(bytes(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(want.size())), want);
}

TEST(parse, round_trip_raw_ip)
{
    for (uint8_t family : {4, 6}) {
        auto t = test::make_template(family, false);
        auto msg = test::wg_message(message_type_initiation);
        auto p = test::make_ip_packet(t, msg);
        EXPECT_EQ(p.size(), ip_outer_header_len(family) + msg.size());
        outer_info o;
        ASSERT_EQ(parse_ip_outer(p, o), verdict::ok);
        EXPECT_EQ(o.l3_offset, 0);
        EXPECT_EQ(o.payload_offset, ip_outer_header_len(family));
        EXPECT_EQ(o.payload_len, 148);
        EXPECT_EQ(o.src, t.src);
        EXPECT_EQ(o.dst, t.dst);
        EXPECT_EQ(o.ethertype, family == 4 ? ethertype_ipv4 : ethertype_ipv6);
        // The Ethernet builder writes the same IP bytes after its 14-byte header.
        auto f = test::make_frame(t, msg);
        EXPECT_EQ(bytes(f.begin() + 14, f.end()), p);
    }
}

TEST(parse, ethernet_padding_is_ignored)
{
    // A 64-byte minimum frame carrying a short datagram: the IP length decides its end.
    auto t = test::make_template(4, false);
    auto f = test::make_frame(t, bytes{});
    bytes zero(64 - f.size(), 0);
    f.insert(f.end(), zero.begin(), zero.end());
    outer_info o;
    ASSERT_EQ(parse_outer(f, o), verdict::ok);
    EXPECT_EQ(o.payload_len, 0);
    EXPECT_EQ(o.l3_len, 28u);
}

TEST(parse, ipv4_options_accepted)
{
    auto t = test::make_template(4, false);
    auto f = test::make_frame(t, test::wg_message(message_type_response));
    // Insert 8 bytes of options (two NOPs + end-of-list padding) after the 20-byte header.
    bytes opt = {1, 1, 0, 0, 0, 0, 0, 0};
    f.insert(f.begin() + 34, opt.begin(), opt.end());
    f[14] = 0x47;
    store_be16(&f[16], static_cast<uint16_t>(load_be16(&f[16]) + 8));
    test::fix_ipv4_checksum(f, 14);
    outer_info o;
    ASSERT_EQ(parse_outer(f, o), verdict::ok);
    EXPECT_EQ(o.l4_offset, 14 + 28);
    EXPECT_EQ(o.payload_len, 92);
}

TEST(parse, inner_lengths)
{
    inner_info in;
    // WireGuard padding: 41-byte packet in a 48-byte plaintext.
    auto p = test::inner_v4(41, 48);
    ASSERT_EQ(parse_inner(p, in), verdict::ok);
    EXPECT_EQ(in.family, 4);
    EXPECT_EQ(in.length, 41u);
    EXPECT_EQ(in.header_len, 20);
    EXPECT_EQ(in.proto, 6);
    EXPECT_EQ(in.ttl, 63);
    const uint8_t s4[16] = {10, 0, 0, 1};
    const uint8_t d4[16] = {10, 0, 1, 2};
    EXPECT_EQ(std::memcmp(in.src, s4, 16), 0);
    EXPECT_EQ(std::memcmp(in.dst, d4, 16), 0);

    auto q = test::inner_v6(8, 48);
    ASSERT_EQ(parse_inner(q, in), verdict::ok);
    EXPECT_EQ(in.family, 6);
    EXPECT_EQ(in.length, 48u);
    EXPECT_EQ(in.proto, 58);
    EXPECT_EQ(in.src[0], 0xfd);
    EXPECT_EQ(in.src[15], 1);
    EXPECT_EQ(in.dst[15], 2);

    // Exactly the header, no padding.
    EXPECT_EQ(parse_inner(test::inner_v4(20, 20), in), verdict::ok);
    EXPECT_EQ(parse_inner(test::inner_v6(0, 40), in), verdict::ok);
    EXPECT_EQ(in.length, 40u);
}

// ---- one crafted packet per verdict ------------------------------------------------------

struct crafted {
    std::string what;
    verdict expect;
    std::function<verdict()> run;
};

verdict outer(const bytes& f)
{
    outer_info o;
    return parse_outer(f, o);
}

verdict raw(const bytes& f)
{
    outer_info o;
    return parse_ip_outer(f, o);
}

verdict inner(const bytes& p)
{
    inner_info in;
    return parse_inner(p, in);
}

verdict wg(const bytes& m, bool strict = false)
{
    uint8_t type;
    return classify_wg(m, type, strict);
}

bytes frame4()
{
    return test::make_frame(test::make_template(4, false), test::wg_message(4, 32));
}

bytes frame6()
{
    return test::make_frame(test::make_template(6, false), test::wg_message(4, 32));
}

template <typename Edit> bytes edited(bytes f, Edit e)
{
    e(f);
    return f;
}

std::vector<crafted> crafted_cases()
{
    std::vector<crafted> c;
    auto add = [&](std::string what, verdict v, std::function<verdict()> run) {
        c.push_back({std::move(what), v, std::move(run)});
    };
    add("ipv4 frame", verdict::ok, [] { return outer(frame4()); });
    add("13-byte frame", verdict::eth_truncated, [] { return outer(bytes(13, 0)); });
    add("frame ends in the VLAN tag", verdict::vlan_truncated, [] {
        auto f = test::make_frame(test::make_template(4, true), {});
        f.resize(16);
        return outer(f);
    });
    add("two 802.1Q tags", verdict::vlan_stacked, [] {
        auto f = test::make_frame(test::make_template(4, true), {});
        f.insert(f.begin() + 12, {0x81, 0x00, 0x00, 0x05});
        return outer(f);
    });
    add("802.1ad S-tag", verdict::vlan_stacked, [] {
        return outer(edited(frame4(), [](bytes& f) { store_be16(&f[12], ethertype_qinq); }));
    });
    add("ARP", verdict::unknown_ethertype, [] {
        return outer(edited(frame4(), [](bytes& f) { store_be16(&f[12], ethertype_arp); }));
    });
    add("empty raw IP", verdict::ip_truncated, [] { return raw({}); });
    add("raw IP version 5", verdict::ip_unknown_version, [] {
        auto p = test::make_ip_packet(test::make_template(4, false), {});
        p[0] = 0x55;
        return raw(p);
    });
    add("19 bytes of IPv4", verdict::ipv4_truncated, [] {
        auto f = frame4();
        f.resize(14 + 19);
        return outer(f);
    });
    add("frame ends in IPv4 options", verdict::ipv4_truncated, [] {
        auto f = frame4();
        f[14] = 0x4f; // 60-byte header
        f.resize(14 + 40);
        return outer(f);
    });
    add("IPv4 ethertype, version 6", verdict::ipv4_bad_version,
        [] { return outer(edited(frame4(), [](bytes& f) { f[14] = 0x65; })); });
    add("IPv4 IHL 4", verdict::ipv4_bad_ihl,
        [] { return outer(edited(frame4(), [](bytes& f) { f[14] = 0x44; })); });
    add("IPv4 total length < header", verdict::ipv4_bad_total_length, [] {
        return outer(edited(frame4(), [](bytes& f) {
            store_be16(&f[16], 19);
            test::fix_ipv4_checksum(f, 14);
        }));
    });
    add("IPv4 total length beyond frame", verdict::ipv4_bad_total_length, [] {
        auto f = frame4();
        f.pop_back();
        return outer(f);
    });
    add("IPv4 header bit flip", verdict::ipv4_bad_checksum,
        [] { return outer(edited(frame4(), [](bytes& f) { f[14 + 8] ^= 0x01; })); });
    add("IPv4 MF set", verdict::ipv4_fragment, [] {
        return outer(edited(frame4(), [](bytes& f) {
            store_be16(&f[20], ipv4_flag_mf);
            test::fix_ipv4_checksum(f, 14);
        }));
    });
    add("IPv4 offset 185", verdict::ipv4_fragment, [] {
        return outer(edited(frame4(), [](bytes& f) {
            store_be16(&f[20], 185);
            test::fix_ipv4_checksum(f, 14);
        }));
    });
    add("IPv4 TCP", verdict::not_udp, [] {
        return outer(edited(frame4(), [](bytes& f) {
            f[14 + 9] = 6;
            test::fix_ipv4_checksum(f, 14);
        }));
    });
    add("39 bytes of IPv6", verdict::ipv6_truncated, [] {
        auto f = frame6();
        f.resize(14 + 39);
        return outer(f);
    });
    add("IPv6 ethertype, version 4", verdict::ipv6_bad_version,
        [] { return outer(edited(frame6(), [](bytes& f) { f[14] = 0x45; })); });
    add("IPv6 payload length beyond frame", verdict::ipv6_bad_payload_length, [] {
        auto f = frame6();
        f.pop_back();
        return outer(f);
    });
    add("IPv6 hop-by-hop", verdict::ipv6_ext_header,
        [] { return outer(edited(frame6(), [](bytes& f) { f[14 + 6] = 0; })); });
    add("IPv6 fragment header", verdict::ipv6_ext_header,
        [] { return outer(edited(frame6(), [](bytes& f) { f[14 + 6] = 44; })); });
    add("IPv6 ICMPv6", verdict::not_udp,
        [] { return outer(edited(frame6(), [](bytes& f) { f[14 + 6] = ip_proto_icmpv6; })); });
    add("IPv4 with 7-byte UDP", verdict::udp_truncated, [] {
        auto f = test::make_frame(test::make_template(4, false), {});
        f.pop_back();
        store_be16(&f[16], 27);
        test::fix_ipv4_checksum(f, 14);
        return outer(f);
    });
    add("IPv6 with 0-byte payload", verdict::udp_truncated, [] {
        auto f = test::make_frame(test::make_template(6, false), {});
        f.resize(54);
        store_be16(&f[18], 0);
        return outer(f);
    });
    add("UDP length + 1", verdict::udp_bad_length, [] {
        return outer(edited(frame4(), [](bytes& f) {
            store_be16(&f[34 + 4], static_cast<uint16_t>(load_be16(&f[34 + 4]) + 1));
        }));
    });
    add("UDP length 7", verdict::udp_bad_length,
        [] { return outer(edited(frame6(), [](bytes& f) { store_be16(&f[54 + 4], 7); })); });
    add("UDP source port 0", verdict::udp_port_zero,
        [] { return outer(edited(frame4(), [](bytes& f) { store_be16(&f[34], 0); })); });
    add("UDP destination port 0", verdict::udp_port_zero,
        [] { return outer(edited(frame6(), [](bytes& f) { store_be16(&f[54 + 2], 0); })); });
    add("IPv6 UDP checksum 0", verdict::udp6_zero_checksum,
        [] { return outer(edited(frame6(), [](bytes& f) { store_be16(&f[54 + 6], 0); })); });
    add("IPv4 UDP checksum 0 is fine", verdict::ok,
        [] { return outer(test::make_frame(test::make_template(4, false, udp_csum::none), {1})); });

    add("3-byte WireGuard payload", verdict::wg_truncated, [] { return wg({1, 0, 0}); });
    add("type 0", verdict::wg_unknown_type, [] {
        auto m = test::wg_message(1);
        m[0] = 0;
        return wg(m);
    });
    add("type 5", verdict::wg_unknown_type, [] {
        auto m = test::wg_message(4);
        m[0] = 5;
        return wg(m);
    });
    add("reserved byte set", verdict::wg_reserved_nonzero, [] {
        auto m = test::wg_message(2);
        m[3] = 1;
        return wg(m);
    });
    add("149-byte initiation", verdict::wg_bad_size, [] {
        auto m = test::wg_message(1);
        m.push_back(0);
        return wg(m);
    });
    add("91-byte response", verdict::wg_bad_size, [] {
        auto m = test::wg_message(2);
        m.pop_back();
        return wg(m);
    });
    add("80-byte cookie reply", verdict::wg_bad_size, [] {
        auto m = test::wg_message(3);
        m.resize(80);
        return wg(m);
    });
    add("31-byte transport", verdict::wg_transport_truncated, [] {
        auto m = test::wg_message(4);
        m.pop_back();
        return wg(m);
    });
    add("33-byte transport, strict", verdict::wg_transport_bad_padding, [] {
        auto m = test::wg_message(4);
        m.push_back(0);
        return wg(m, true);
    });
    add("empty inner", verdict::inner_truncated, [] { return inner({}); });
    add("19-byte inner IPv4", verdict::inner_truncated,
        [] { return inner(test::inner_v4(19, 19)); });
    add("39-byte inner IPv6", verdict::inner_truncated,
        [] { return inner(test::inner_v6(0, 39)); });
    add("inner IPv4 options beyond span", verdict::inner_truncated, [] {
        auto p = test::inner_v4(20, 20);
        p[0] = 0x46;
        return inner(p);
    });
    add("inner version 0 (zero padding)", verdict::inner_bad_version,
        [] { return inner(bytes(16, 0)); });
    add("inner IHL 3", verdict::inner_bad_ihl, [] {
        auto p = test::inner_v4(40, 48);
        p[0] = 0x43;
        return inner(p);
    });
    add("inner IPv4 longer than plaintext", verdict::inner_bad_length,
        [] { return inner(test::inner_v4(49, 48)); });
    add("inner IPv4 total < IHL", verdict::inner_bad_length,
        [] { return inner(test::inner_v4(19, 48)); });
    add("inner IPv6 longer than plaintext", verdict::inner_bad_length,
        [] { return inner(test::inner_v6(9, 48)); });
    return c;
}

TEST(parse, crafted_packets)
{
    for (const auto& c : crafted_cases()) {
        verdict got = c.run();
        EXPECT_EQ(got, c.expect) << c.what << ": got " << verdict_name(got) << ", want "
                                 << verdict_name(c.expect);
    }
}

TEST(parse, every_verdict_has_a_crafted_packet)
{
    std::set<verdict> seen;
    for (const auto& c : crafted_cases()) {
        seen.insert(c.expect);
    }
    for (size_t i = 0; i < verdict_count; ++i) {
        EXPECT_TRUE(seen.count(static_cast<verdict>(i)))
            << verdict_name(static_cast<verdict>(i)) << " has no crafted packet";
    }
}

TEST(parse, failure_keeps_what_was_learnt)
{
    outer_info o;
    auto f = test::make_frame(test::make_template(6, true), {});
    f[18 + 6] = ip_proto_icmpv6;
    EXPECT_EQ(parse_outer(f, o), verdict::not_udp);
    EXPECT_TRUE(o.has_vlan);
    EXPECT_EQ(o.ethertype, ethertype_ipv6);
    EXPECT_EQ(o.ip_proto, ip_proto_icmpv6);
    EXPECT_EQ(o.l3_offset, 18);

    auto g = frame4();
    store_be16(&g[12], ethertype_arp);
    EXPECT_EQ(parse_outer(g, o), verdict::unknown_ethertype);
    EXPECT_EQ(o.ethertype, ethertype_arp);
    EXPECT_FALSE(o.has_vlan);
}

} // namespace
} // namespace edgerelay::wire
