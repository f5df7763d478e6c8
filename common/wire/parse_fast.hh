// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Fast paths of the parsers for the packets nearly all traffic is: underlay frames of Ethernet
// (+ one 802.1Q tag) / IPv4 without options / UDP, inner IPv4 without options or IPv6.
// Inline so the stages can fuse them; anything else falls back to parse.hh.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/headers.hh"
#include "common/wire/parse.hh"

namespace edgerelay::wire {

/// The 20-byte IPv4 header's checksum test with a fixed length: five 32-bit adds instead of
/// csum_partial()'s length loop. True when the header sums to 0xffff (RFC 1071).
inline bool ipv4_hdr20_checksum_ok(const uint8_t* ip) noexcept
{
    uint32_t w[5];
    std::memcpy(w, ip, sizeof(w));
    // csum_fold() swaps the folded sum to big-endian order; 0xffff reads the same both ways.
    return csum_fold(uint64_t{w[0]} + w[1] + w[2] + w[3] + w[4]) == 0xffff;
}

/// Tries the common case only. Returns true when the frame is Ethernet (+ at most one 802.1Q
/// tag) / IPv4 with IHL 5 / UDP and passes every check parse_outer() makes; `out` then holds
/// exactly what parse_outer() would have written (the wire unit tests compare the two).
/// Returns false for anything else, valid or not: the caller must then call parse_outer(),
/// which decides the verdict. `out` is unspecified after false.
/// Always inlined: gcc would call it out of line, and only inlined can the stage drop the
/// stores to the fields it never reads (about a third of the function).
[[gnu::always_inline]] inline bool parse_outer_fast(std::span<const uint8_t> frame, outer_info& out) noexcept
{
    const uint8_t* p = frame.data();
    const size_t n = frame.size();
    // 14 + 20 + 8: the shortest frame this path can accept; shorter ones go to the checks.
    if (n < eth_hdr_len + ipv4_hdr_len + udp_hdr_len) [[unlikely]] {
        return false;
    }
    size_t off = eth_hdr_len;
    uint16_t et = load_be16(p + 12);
    bool vlan = false;
    uint16_t tci = 0;
    if (et == ethertype_vlan) {
        vlan = true;
        tci = load_be16(p + 14);
        et = load_be16(p + 16);
        off += vlan_tag_len;
        if (n < off + ipv4_hdr_len + udp_hdr_len) [[unlikely]] {
            return false;
        }
    }
    const uint8_t* ip = p + off;
    // Version 4, IHL 5, IPv4 ethertype; anything else (options, IPv6, ARP, stacked tags)
    // is the generic parser's.
    if (et != ethertype_ipv4 || ip[0] != 0x45) [[unlikely]] {
        return false;
    }
    const size_t total = load_be16(ip + 2);
    const size_t avail = n - off;
    if (total < ipv4_hdr_len + udp_hdr_len || total > avail) [[unlikely]] {
        return false;
    }
    if (!ipv4_hdr20_checksum_ok(ip)) [[unlikely]] {
        return false;
    }
    if ((load_be16(ip + 6) & (ipv4_flag_mf | ipv4_frag_offset)) != 0 || ip[9] != ip_proto_udp)
        [[unlikely]] {
        return false;
    }
    const uint8_t* udp = ip + ipv4_hdr_len;
    const size_t udp_len = total - ipv4_hdr_len;
    const uint16_t sport = load_be16(udp);
    const uint16_t dport = load_be16(udp + 2);
    if (load_be16(udp + 4) != udp_len || sport == 0 || dport == 0) [[unlikely]] {
        return false;
    }
    out = outer_info{};
    out.src.family = 4;
    out.dst.family = 4;
    std::memcpy(out.src.addr, ip + 12, 4);
    std::memcpy(out.dst.addr, ip + 16, 4);
    out.src.port = sport;
    out.dst.port = dport;
    out.l3_len = static_cast<uint32_t>(total);
    out.l3_offset = static_cast<uint16_t>(off);
    out.l4_offset = static_cast<uint16_t>(off + ipv4_hdr_len);
    out.payload_offset = static_cast<uint16_t>(off + ipv4_hdr_len + udp_hdr_len);
    out.payload_len = static_cast<uint16_t>(udp_len - udp_hdr_len);
    out.ethertype = ethertype_ipv4;
    out.vlan_tci = tci;
    out.has_vlan = vlan;
    out.ip_proto = ip_proto_udp;
    out.ttl = ip[8];
    return true;
}

/// parse_inner()'s fast path for what the decrypt stage needs per packet: the real length of an
/// IPv4 packet without options or of an IPv6 packet. True when parse_inner() would say ok with
/// inner_info::length == `length`; false for anything else, valid or not (then call
/// parse_inner() for the verdict). Skips filling an inner_info the caller does not read.
inline bool inner_length_fast(std::span<const uint8_t> ip, uint32_t& length) noexcept
{
    const uint8_t* p = ip.data();
    const size_t n = ip.size();
    if (n >= ipv4_hdr_len && p[0] == 0x45) {
        const size_t total = load_be16(p + 2);
        length = static_cast<uint32_t>(total);
        return total >= ipv4_hdr_len && total <= n;
    }
    if (n >= ipv6_hdr_len && (p[0] >> 4) == 6) {
        const size_t total = ipv6_hdr_len + load_be16(p + 4);
        length = static_cast<uint32_t>(total);
        return total <= n;
    }
    return false;
}

} // namespace edgerelay::wire
