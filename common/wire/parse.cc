// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Underlay and inner-packet parsers: every length is checked before the bytes it covers are read.
#include "common/wire/parse.hh"

#include <cstring>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/headers.hh"

namespace edgerelay::wire {
namespace {

// p points at the UDP header, len is the IP payload length, base its offset in the span.
verdict parse_udp(const uint8_t* p, size_t len, size_t base, bool v6, outer_info& out) noexcept
{
    if (len < udp_hdr_len) {
        return verdict::udp_truncated;
    }
    // Linux trims an IP payload longer than the UDP length; we refuse it instead, since
    // nothing legitimate sends a WireGuard datagram with bytes after it.
    if (load_be16(p + 4) != len) {
        return verdict::udp_bad_length;
    }
    uint16_t sport = load_be16(p);
    uint16_t dport = load_be16(p + 2);
    if (sport == 0 || dport == 0) {
        return verdict::udp_port_zero;
    }
    if (v6 && load_be16(p + 6) == 0) {
        return verdict::udp6_zero_checksum;
    }
    out.src.port = sport;
    out.dst.port = dport;
    out.l4_offset = static_cast<uint16_t>(base);
    out.payload_offset = static_cast<uint16_t>(base + udp_hdr_len);
    out.payload_len = static_cast<uint16_t>(len - udp_hdr_len);
    return verdict::ok;
}

verdict parse_ipv4(const uint8_t* p, size_t avail, size_t base, outer_info& out) noexcept
{
    out.l3_offset = static_cast<uint16_t>(base);
    if (avail < ipv4_hdr_len) {
        return verdict::ipv4_truncated;
    }
    if ((p[0] >> 4) != 4) {
        return verdict::ipv4_bad_version;
    }
    size_t ihl = static_cast<size_t>(p[0] & 0x0f) * 4;
    if (ihl < ipv4_hdr_len) {
        return verdict::ipv4_bad_ihl;
    }
    if (avail < ihl) {
        return verdict::ipv4_truncated;
    }
    size_t total = load_be16(p + 2);
    if (total < ihl || total > avail) {
        return verdict::ipv4_bad_total_length;
    }
    // The checksum comes before any other header field is trusted, so a corrupted header is
    // counted as corrupted rather than as whatever its damaged fields happen to say.
    if (csum_fold(csum_partial(p, ihl)) != 0xffff) {
        return verdict::ipv4_bad_checksum;
    }
    if ((load_be16(p + 6) & (ipv4_flag_mf | ipv4_frag_offset)) != 0) {
        return verdict::ipv4_fragment;
    }
    out.ip_proto = p[9];
    out.ttl = p[8];
    if (p[9] != ip_proto_udp) {
        return verdict::not_udp;
    }
    out.l3_len = static_cast<uint32_t>(total);
    out.src.family = 4;
    out.dst.family = 4;
    std::memcpy(out.src.addr, p + 12, 4);
    std::memcpy(out.dst.addr, p + 16, 4);
    return parse_udp(p + ihl, total - ihl, base + ihl, false, out);
}

verdict parse_ipv6(const uint8_t* p, size_t avail, size_t base, outer_info& out) noexcept
{
    out.l3_offset = static_cast<uint16_t>(base);
    if (avail < ipv6_hdr_len) {
        return verdict::ipv6_truncated;
    }
    if ((p[0] >> 4) != 6) {
        return verdict::ipv6_bad_version;
    }
    size_t plen = load_be16(p + 4);
    if (ipv6_hdr_len + plen > avail) {
        return verdict::ipv6_bad_payload_length;
    }
    uint8_t nh = p[6];
    out.ip_proto = nh;
    out.ttl = p[7];
    if (nh != ip_proto_udp) {
        // Jumbograms (payload length 0) need a hop-by-hop header, so they end up here too.
        return is_ipv6_ext_header(nh) ? verdict::ipv6_ext_header : verdict::not_udp;
    }
    out.l3_len = static_cast<uint32_t>(ipv6_hdr_len + plen);
    out.src.family = 6;
    out.dst.family = 6;
    std::memcpy(out.src.addr, p + 8, 16);
    std::memcpy(out.dst.addr, p + 24, 16);
    return parse_udp(p + ipv6_hdr_len, plen, base + ipv6_hdr_len, true, out);
}

} // namespace

verdict parse_outer(std::span<const uint8_t> frame, outer_info& out) noexcept
{
    out = outer_info{};
    const uint8_t* p = frame.data();
    size_t n = frame.size();
    if (n < eth_hdr_len) {
        return verdict::eth_truncated;
    }
    uint16_t et = load_be16(p + 12);
    size_t off = eth_hdr_len;
    if (et == ethertype_vlan) {
        if (n < eth_hdr_len + vlan_tag_len) {
            return verdict::vlan_truncated;
        }
        out.has_vlan = true;
        out.vlan_tci = load_be16(p + 14);
        et = load_be16(p + 16);
        off += vlan_tag_len;
        if (et == ethertype_vlan || et == ethertype_qinq) {
            return verdict::vlan_stacked;
        }
    } else if (et == ethertype_qinq) {
        // An S-tag only ever appears in front of a C-tag: this is a double-tagged frame.
        return verdict::vlan_stacked;
    }
    out.ethertype = et;
    if (et == ethertype_ipv4) {
        return parse_ipv4(p + off, n - off, off, out);
    }
    if (et == ethertype_ipv6) {
        return parse_ipv6(p + off, n - off, off, out);
    }
    return verdict::unknown_ethertype;
}

verdict parse_ip_outer(std::span<const uint8_t> ip, outer_info& out) noexcept
{
    out = outer_info{};
    if (ip.empty()) {
        return verdict::ip_truncated;
    }
    switch (ip[0] >> 4) {
    case 4:
        out.ethertype = ethertype_ipv4;
        return parse_ipv4(ip.data(), ip.size(), 0, out);
    case 6:
        out.ethertype = ethertype_ipv6;
        return parse_ipv6(ip.data(), ip.size(), 0, out);
    default:
        return verdict::ip_unknown_version;
    }
}

verdict parse_inner(std::span<const uint8_t> ip, inner_info& out) noexcept
{
    out = inner_info{};
    const uint8_t* p = ip.data();
    size_t n = ip.size();
    if (n == 0) {
        return verdict::inner_truncated;
    }
    switch (p[0] >> 4) {
    case 4: {
        out.family = 4;
        if (n < ipv4_hdr_len) {
            return verdict::inner_truncated;
        }
        size_t ihl = static_cast<size_t>(p[0] & 0x0f) * 4;
        if (ihl < ipv4_hdr_len) {
            return verdict::inner_bad_ihl;
        }
        if (n < ihl) {
            return verdict::inner_truncated;
        }
        size_t total = load_be16(p + 2);
        if (total < ihl || total > n) {
            return verdict::inner_bad_length;
        }
        out.proto = p[9];
        out.ttl = p[8];
        out.header_len = static_cast<uint8_t>(ihl);
        out.length = static_cast<uint32_t>(total);
        std::memcpy(out.src, p + 12, 4);
        std::memcpy(out.dst, p + 16, 4);
        return verdict::ok;
    }
    case 6: {
        out.family = 6;
        if (n < ipv6_hdr_len) {
            return verdict::inner_truncated;
        }
        size_t total = ipv6_hdr_len + load_be16(p + 4);
        if (total > n) {
            return verdict::inner_bad_length;
        }
        out.proto = p[6];
        out.ttl = p[7];
        out.header_len = static_cast<uint8_t>(ipv6_hdr_len);
        out.length = static_cast<uint32_t>(total);
        std::memcpy(out.src, p + 8, 16);
        std::memcpy(out.dst, p + 24, 16);
        return verdict::ok;
    }
    default:
        return verdict::inner_bad_version;
    }
}

} // namespace edgerelay::wire
