// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Test helpers that craft WireGuard frames, inner packets and their deliberate corruptions.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <ostream>
#include <vector>

#include "common/wire/build.hh"
#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/verdict.hh"
#include "common/wire/wireguard.hh"

namespace edgerelay::wire {

/// Lets GoogleTest print verdicts by name (found by argument-dependent lookup).
inline void PrintTo(verdict v, std::ostream* os)
{
    *os << verdict_name(v);
}

} // namespace edgerelay::wire

namespace edgerelay::wire::test {

using bytes = std::vector<uint8_t>;

/// 192.0.2.1:51820 → 198.51.100.7:40000, or 2001:db8::1 → 2001:db8:ff::7 (documentation nets).
inline outer_template make_template(uint8_t family, bool vlan, udp_csum csum = udp_csum::full)
{
    outer_template t;
    t.src.family = family;
    t.dst.family = family;
    t.src.port = 51820;
    t.dst.port = 40000;
    if (family == 4) {
        const uint8_t s[4] = {192, 0, 2, 1};
        const uint8_t d[4] = {198, 51, 100, 7};
        std::memcpy(t.src.addr, s, 4);
        std::memcpy(t.dst.addr, d, 4);
    } else {
        const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
        std::memcpy(t.src.addr, s, 16);
        std::memcpy(t.dst.addr, d, 16);
    }
    const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 1};
    const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 2};
    std::memcpy(t.src_mac, smac, 6);
    std::memcpy(t.dst_mac, dmac, 6);
    t.vlan = vlan;
    t.vlan_tci = vlan ? 0x2064 : 0; // PCP 1, VID 100
    t.checksum = csum;
    return t;
}

/// An Ethernet frame around payload, built by write_outer().
inline bytes make_frame(const outer_template& t, const bytes& payload)
{
    size_t h = outer_header_len(t.dst.family, t.vlan);
    bytes f(h + payload.size());
    if (!payload.empty()) {
        std::memcpy(f.data() + h, payload.data(), payload.size());
    }
    write_outer(f.data(), t, f.data() + h, static_cast<uint16_t>(payload.size()));
    return f;
}

/// A raw IP packet around payload, built by write_ip_outer().
inline bytes make_ip_packet(const outer_template& t, const bytes& payload)
{
    size_t h = ip_outer_header_len(t.dst.family);
    bytes f(h + payload.size());
    if (!payload.empty()) {
        std::memcpy(f.data() + h, payload.data(), payload.size());
    }
    write_ip_outer(f.data(), t, f.data() + h, static_cast<uint16_t>(payload.size()));
    return f;
}

/// Recomputes the IPv4 header checksum at l3 after a test changed a header field.
inline void fix_ipv4_checksum(bytes& f, size_t l3)
{
    size_t ihl = static_cast<size_t>(f[l3] & 0x0f) * 4;
    store_be16(&f[l3 + 10], 0);
    store_be16(&f[l3 + 10], inet_checksum(&f[l3], ihl));
}

/// A WireGuard message of the given type with filler contents and the right size.
inline bytes wg_message(uint8_t type, size_t plaintext_len = 0)
{
    size_t n = type == message_type_initiation     ? sizeof(message_initiation)
               : type == message_type_response     ? sizeof(message_response)
               : type == message_type_cookie_reply ? sizeof(message_cookie_reply)
                                                   : transport_message_len(plaintext_len);
    bytes m(n);
    for (size_t i = 0; i < n; ++i) {
        m[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    m[0] = type;
    m[1] = m[2] = m[3] = 0;
    if (type == message_type_transport) {
        write_transport_header(m.data(), 0x11223344, 0x0102030405060708ull);
    }
    return m;
}

/// An inner IPv4 packet of total_len bytes (>= 20), zero-padded to span_len.
inline bytes inner_v4(size_t total_len, size_t span_len)
{
    // Build a whole header, then cut to span_len: truncated headers are test cases too.
    bytes p(std::max<size_t>(span_len, 20), 0);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<uint16_t>(total_len));
    p[8] = 63;
    p[9] = 6; // TCP
    const uint8_t s[4] = {10, 0, 0, 1};
    const uint8_t d[4] = {10, 0, 1, 2};
    std::memcpy(&p[12], s, 4);
    std::memcpy(&p[16], d, 4);
    store_be16(&p[10], inet_checksum(p.data(), 20));
    p.resize(span_len);
    return p;
}

/// An inner IPv6 packet with payload_len bytes after the header, zero-padded to span_len.
inline bytes inner_v6(size_t payload_len, size_t span_len)
{
    bytes p(std::max<size_t>(span_len, 40), 0);
    p[0] = 0x60;
    store_be16(&p[4], static_cast<uint16_t>(payload_len));
    p[6] = 58; // ICMPv6
    p[7] = 255;
    p[8] = 0xfd;
    p[23] = 1;
    p[24] = 0xfd;
    p[39] = 2;
    p.resize(span_len);
    return p;
}

} // namespace edgerelay::wire::test
