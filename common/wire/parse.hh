// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Parsers for the underlay (Ethernet/IP/UDP) and for decrypted inner IP packets, over raw bytes.
#pragma once

#include <cstdint>
#include <span>

#include "common/wire/endpoint.hh"
#include "common/wire/verdict.hh"

namespace edgerelay::wire {

/// What parse_outer()/parse_ip_outer() learnt about a UDP datagram.
/// Offsets are from the start of the span that was parsed. On a verdict other than ok, only
/// the fields learnt before the failing check are set (the rest are zero): ethertype, has_vlan,
/// vlan_tci and ip_proto let a caller punt ARP or ICMPv6 neighbour discovery.
struct outer_info {
    endpoint src;                ///< sender's address and UDP source port
    endpoint dst;                ///< our address and UDP destination port
    uint32_t l3_len = 0;         ///< IP packet length from the IP header; excludes Ethernet padding
    uint16_t l3_offset = 0;      ///< start of the IP header
    uint16_t l4_offset = 0;      ///< start of the UDP header
    uint16_t payload_offset = 0; ///< start of the UDP payload (the WireGuard message)
    uint16_t payload_len = 0;    ///< UDP payload length (UDP length minus 8)
    uint16_t ethertype = 0;      ///< after any VLAN tag; set to the IP version's for raw IP
    uint16_t vlan_tci = 0;       ///< tag control information (PCP, DEI, VID) if has_vlan
    bool has_vlan = false;       ///< one 802.1Q tag was present
    uint8_t ip_proto = 0;        ///< IPv4 protocol or IPv6 next header, once read
    uint8_t ttl = 0;             ///< IPv4 TTL or IPv6 hop limit
};

/// What parse_inner() learnt about a decrypted inner packet.
struct inner_info {
    uint8_t family = 0;     ///< 4 or 6
    uint8_t proto = 0;      ///< IPv4 protocol or IPv6 next header
    uint8_t ttl = 0;        ///< IPv4 TTL or IPv6 hop limit
    uint8_t header_len = 0; ///< IPv4 header length with options, or 40
    uint32_t length = 0;  ///< the packet's real length from its header (without WireGuard padding)
    uint8_t src[16] = {}; ///< source address; IPv4 in src[0..3], rest zero
    uint8_t dst[16] = {}; ///< destination address; IPv4 in dst[0..3], rest zero
};

/// Parses an Ethernet frame carrying one UDP datagram over IPv4 or IPv6.
/// Accepts at most one 802.1Q tag, IPv4 options, and trailing Ethernet padding (the IP length
/// decides where the datagram ends). Verifies the IPv4 header checksum; the UDP checksum is not
/// verified here (NICs check it, and WireGuard's AEAD tag authenticates the payload anyway).
/// @param frame  the frame from the destination MAC on, without FCS.
/// @param out    filled as described at outer_info.
/// @return ok, or the first failing check: eth_*, vlan_*, unknown_ethertype, ipv4_*, ipv6_*,
///         not_udp, udp_truncated, udp_bad_length, udp_port_zero, udp6_zero_checksum.
verdict parse_outer(std::span<const uint8_t> frame, outer_info& out) noexcept;

/// parse_outer() for a raw IP packet (no Ethernet header: TUN devices, UDP sockets' cmsg-less
/// paths). The IP version nibble selects IPv4 or IPv6.
/// @return as parse_outer(), plus ip_truncated for an empty span and ip_unknown_version; never
///         eth_*, vlan_*, unknown_ethertype.
verdict parse_ip_outer(std::span<const uint8_t> ip, outer_info& out) noexcept;

/// Parses a decrypted inner packet. WireGuard pads plaintext to a multiple of 16 bytes, so the
/// real length comes from the IP header and may be shorter than the span. The inner IPv4
/// checksum is not verified: the relay forwards the packet and the end host checks it.
/// @param ip   the plaintext (must not be empty: a zero-length plaintext is a keepalive,
///             which the caller recognises before calling).
/// @param out  filled on ok; on failure, family is set once the version was read.
/// @return ok, inner_truncated, inner_bad_version, inner_bad_ihl or inner_bad_length.
verdict parse_inner(std::span<const uint8_t> ip, inner_info& out) noexcept;

} // namespace edgerelay::wire
