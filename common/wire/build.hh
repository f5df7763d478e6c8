// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Builders of the underlay headers (Ethernet, 802.1Q, IPv4/IPv6, UDP) for the encapsulation stage.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/endpoint.hh"
#include "common/wire/headers.hh"

namespace edgerelay::wire {

/// How the UDP checksum of an outgoing datagram is filled in.
enum class udp_csum : uint8_t {
    full,    ///< computed in software over pseudo-header, header and payload
    none,    ///< IPv4: 0 (RFC 768 "no checksum"); IPv6 forbids it, so IPv6 computes it (full)
    offload, ///< the pseudo-header sum only, for the NIC to finish (DPDK RTE_MBUF_F_TX_UDP_CKSUM)
};

/// Fills the checksum of a UDP header whose other fields are written. `pseudo` is the
/// pseudo-header's partial sum (pseudo_header_sum_v4/v6), `family` 4 or 6, the payload follows
/// the header. Inline: both encapsulation paths (write_outer, write_outer_prebuilt) call it
/// per packet.
inline void write_udp_checksum(uint8_t* udp, udp_csum mode, uint8_t family, uint64_t pseudo,
                               const uint8_t* payload, uint16_t payload_len) noexcept
{
    store_be16(udp + 6, 0);
    switch (mode) {
    case udp_csum::offload:
        // DPDK's convention: the NIC adds header and payload to the folded pseudo-header sum.
        store_be16(udp + 6, csum_fold(pseudo));
        return;
    case udp_csum::none:
        if (family == 4) {
            return;
        }
        [[fallthrough]]; // RFC 8200 §8.1: IPv6 UDP must carry a checksum
    case udp_csum::full:
        break;
    }
    uint64_t sum = csum_partial(udp, udp_hdr_len, pseudo);
    sum = csum_partial(payload, payload_len, sum);
    const uint16_t c = csum_finish(sum);
    store_be16(udp + 6, c == 0 ? 0xffff : c); // 0 would mean "no checksum" (RFC 768)
}

/// Everything the encapsulation stage needs to know about a path, prepared once per path
/// (not per packet) by whoever installs the path.
struct outer_template {
    endpoint src;            ///< our address and port; family must equal dst.family (4 or 6)
    endpoint dst;            ///< the peer's address and port
    uint8_t src_mac[6] = {}; ///< Ethernet only
    uint8_t dst_mac[6] = {}; ///< Ethernet only
    uint16_t vlan_tci = 0;   ///< written when vlan is set (PCP, DEI, VID)
    bool vlan = false;       ///< add one 802.1Q tag
    udp_csum checksum = udp_csum::full;
};

/// Bytes of IP + UDP header that write_ip_outer() writes for an address family.
/// @param family  4 or 6 (anything else is treated as 6).
constexpr size_t ip_outer_header_len(uint8_t family) noexcept
{
    return (family == 4 ? ipv4_hdr_len : ipv6_hdr_len) + udp_hdr_len;
}

/// Bytes of Ethernet (+ 802.1Q) + IP + UDP header that write_outer() writes.
/// @param family  4 or 6.
/// @param vlan    whether one 802.1Q tag is added.
constexpr size_t outer_header_len(uint8_t family, bool vlan) noexcept
{
    return eth_hdr_len + (vlan ? vlan_tag_len : 0) + ip_outer_header_len(family);
}

/// Largest UDP payload a single unfragmented datagram of that family can carry.
constexpr size_t max_udp_payload(uint8_t family) noexcept
{
    return 0xffff - (family == 4 ? ipv4_hdr_len + udp_hdr_len : udp_hdr_len);
}

/// Writes Ethernet (+ optional 802.1Q), IPv4 (DF, TTL 64, id 0, checksum) or IPv6 (hop limit 64,
/// flow label 0), and UDP headers, outer_header_len() bytes in all.
/// @param at           where the Ethernet header starts; outer_header_len() writable bytes.
/// @param t            the path's template (family taken from t.dst.family).
/// @param payload      the UDP payload (the WireGuard message), read only to compute the UDP
///                     checksum; usually at + outer_header_len(). May be null when no payload
///                     bytes are summed (IPv4 with udp_csum::none, or udp_csum::offload).
/// @param payload_len  its length; precondition: payload_len <= max_udp_payload(family).
void write_outer(uint8_t* at, const outer_template& t, const uint8_t* payload,
                 uint16_t payload_len) noexcept;

/// write_outer() without the Ethernet header, for raw IP ports (TUN); ip_outer_header_len() bytes.
void write_ip_outer(uint8_t* at, const outer_template& t, const uint8_t* payload,
                    uint16_t payload_len) noexcept;

} // namespace edgerelay::wire
