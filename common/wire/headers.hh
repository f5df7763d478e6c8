// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Sizes, field offsets and code points of the underlay headers (Ethernet, 802.1Q, IPv4, IPv6, UDP).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerelay::wire {

inline constexpr size_t eth_hdr_len = 14;  ///< destination, source, ethertype
inline constexpr size_t vlan_tag_len = 4;  ///< TCI + inner ethertype (802.1Q)
inline constexpr size_t ipv4_hdr_len = 20; ///< without options
inline constexpr size_t ipv4_max_hdr_len = 60;
inline constexpr size_t ipv6_hdr_len = 40;
inline constexpr size_t udp_hdr_len = 8;

inline constexpr uint16_t ethertype_ipv4 = 0x0800;
inline constexpr uint16_t ethertype_ipv6 = 0x86dd;
inline constexpr uint16_t ethertype_arp = 0x0806;
inline constexpr uint16_t ethertype_vlan = 0x8100; ///< 802.1Q C-tag
inline constexpr uint16_t ethertype_qinq = 0x88a8; ///< 802.1ad S-tag

inline constexpr uint8_t ip_proto_udp = 17;
inline constexpr uint8_t ip_proto_icmpv6 = 58;

inline constexpr uint16_t ipv4_flag_df = 0x4000;     ///< don't fragment
inline constexpr uint16_t ipv4_flag_mf = 0x2000;     ///< more fragments
inline constexpr uint16_t ipv4_frag_offset = 0x1fff; ///< fragment offset mask

/// TTL / hop limit of packets we originate (the Linux default, as WireGuard's encapsulation uses).
inline constexpr uint8_t default_ttl = 64;

/// True for the IPv6 extension-header code points (IANA "IPv6 Extension Header Types", RFC 7045).
constexpr bool is_ipv6_ext_header(uint8_t next_header) noexcept
{
    switch (next_header) {
    case 0:   // hop-by-hop options
    case 43:  // routing
    case 44:  // fragment
    case 50:  // ESP
    case 51:  // AH
    case 60:  // destination options
    case 135: // mobility
    case 139: // HIP
    case 140: // shim6
    case 253: // experimentation (RFC 3692)
    case 254:
        return true;
    default:
        return false;
    }
}

} // namespace edgerelay::wire
