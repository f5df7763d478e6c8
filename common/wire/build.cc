// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Underlay header builders: one pass of stores per packet, checksums computed or left to the NIC.
#include "common/wire/build.hh"

#include <cstring>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"

namespace edgerelay::wire {

void write_ip_outer(uint8_t* at, const outer_template& t, const uint8_t* payload,
                    uint16_t payload_len) noexcept
{
    const uint16_t udp_len = static_cast<uint16_t>(udp_hdr_len + payload_len);
    uint8_t* udp;
    uint64_t pseudo;
    if (t.dst.family == 4) {
        uint8_t* ip = at;
        udp = at + ipv4_hdr_len;
        ip[0] = 0x45; // version 4, no options
        ip[1] = 0;    // DSCP/ECN: best effort
        store_be16(ip + 2, static_cast<uint16_t>(ipv4_hdr_len + udp_len));
        store_be16(ip + 4, 0); // id 0 is fine with DF set (RFC 6864 §4.1)
        store_be16(ip + 6, ipv4_flag_df);
        ip[8] = default_ttl;
        ip[9] = ip_proto_udp;
        store_be16(ip + 10, 0);
        std::memcpy(ip + 12, t.src.addr, 4);
        std::memcpy(ip + 16, t.dst.addr, 4);
        store_be16(ip + 10, inet_checksum(ip, ipv4_hdr_len));
        pseudo = pseudo_header_sum_v4(t.src.addr, t.dst.addr, ip_proto_udp, udp_len);
    } else {
        uint8_t* ip = at;
        udp = at + ipv6_hdr_len;
        store_be32(ip, 6u << 28); // version 6, traffic class 0, flow label 0
        store_be16(ip + 4, udp_len);
        ip[6] = ip_proto_udp;
        ip[7] = default_ttl;
        std::memcpy(ip + 8, t.src.addr, 16);
        std::memcpy(ip + 24, t.dst.addr, 16);
        pseudo = pseudo_header_sum_v6(t.src.addr, t.dst.addr, ip_proto_udp, udp_len);
    }
    store_be16(udp, t.src.port);
    store_be16(udp + 2, t.dst.port);
    store_be16(udp + 4, udp_len);
    write_udp_checksum(udp, t.checksum, t.dst.family, pseudo, payload, payload_len);
}

void write_outer(uint8_t* at, const outer_template& t, const uint8_t* payload,
                 uint16_t payload_len) noexcept
{
    std::memcpy(at, t.dst_mac, 6);
    std::memcpy(at + 6, t.src_mac, 6);
    const uint16_t et = t.dst.family == 4 ? ethertype_ipv4 : ethertype_ipv6;
    size_t off = 12;
    if (t.vlan) {
        store_be16(at + 12, ethertype_vlan);
        store_be16(at + 14, t.vlan_tci);
        off += vlan_tag_len;
    }
    store_be16(at + off, et);
    write_ip_outer(at + off + 2, t, payload, payload_len);
}

} // namespace edgerelay::wire
