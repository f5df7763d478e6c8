// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Preparing a path's outer headers: write_outer() with zero lengths, then the sums the
// per-packet lengths are added to.
#include "common/wire/outer_prebuilt.hh"

namespace edgerelay::wire {

void prepare_outer(const outer_template& t, outer_prebuilt& out) noexcept
{
    out = outer_prebuilt{};
    out.family = t.dst.family == 4 ? 4 : 6;
    out.len = static_cast<uint8_t>(outer_header_len(out.family, t.vlan));
    out.ip_off = static_cast<uint8_t>(eth_hdr_len + (t.vlan ? vlan_tag_len : 0));
    out.udp_off = static_cast<uint8_t>(out.len - udp_hdr_len);
    out.checksum = t.checksum;
    // Offload would store the pseudo-header sum and full the whole checksum: both are redone
    // per packet, so the template is written without any and its checksum fields stay zero.
    outer_template plain = t;
    plain.checksum = udp_csum::none;
    write_outer(out.bytes, plain, nullptr, 0);
    uint8_t* ip = out.bytes + out.ip_off;
    uint8_t* udp = out.bytes + out.udp_off;
    store_be16(udp + 4, 0);
    store_be16(udp + 6, 0);
    if (out.family == 4) {
        store_be16(ip + 2, 0);
        store_be16(ip + 10, 0);
        out.ip_sum = csum_partial(ip, ipv4_hdr_len);
        out.pseudo_sum = pseudo_header_sum_v4(t.src.addr, t.dst.addr, ip_proto_udp, 0);
    } else {
        store_be16(ip + 4, 0);
        out.pseudo_sum = pseudo_header_sum_v6(t.src.addr, t.dst.addr, ip_proto_udp, 0);
    }
}

} // namespace edgerelay::wire
