// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The health probe: an inner IPv6/UDP packet between two relays' probe addresses.
#include "controlplane/health/probe_packet.hh"

#include <algorithm>
#include <cstring>

#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"

namespace edgerelay::cp::health {

namespace {

constexpr size_t udp_off = wire::ipv6_hdr_len;
constexpr size_t payload_off = udp_off + wire::udp_hdr_len;
constexpr uint16_t udp_len = wire::udp_hdr_len + probe_payload_len;

// The UDP checksum over the pseudo-header and the datagram with its checksum field zero.
uint16_t checksum_of(const uint8_t* pkt) noexcept
{
    std::array<uint8_t, udp_len> udp;
    std::memcpy(udp.data(), pkt + udp_off, udp_len);
    udp[6] = 0;
    udp[7] = 0;
    const uint64_t pseudo =
        wire::pseudo_header_sum_v6(pkt + 8, pkt + 24, wire::ip_proto_udp, udp_len);
    return wire::udp_checksum(pseudo, udp.data(), udp.size());
}

} // namespace

const char* to_string(probe_verdict v) noexcept
{
    switch (v) {
    case probe_verdict::ok: return "ok";
    case probe_verdict::bad_length: return "bad_length";
    case probe_verdict::not_ipv6: return "not_ipv6";
    case probe_verdict::bad_ip_length: return "bad_ip_length";
    case probe_verdict::not_udp: return "not_udp";
    case probe_verdict::bad_address: return "bad_address";
    case probe_verdict::bad_port: return "bad_port";
    case probe_verdict::bad_udp_length: return "bad_udp_length";
    case probe_verdict::bad_checksum: return "bad_checksum";
    case probe_verdict::bad_magic: return "bad_magic";
    case probe_verdict::bad_version: return "bad_version";
    case probe_verdict::bad_type: return "bad_type";
    case probe_verdict::bad_reserved: return "bad_reserved";
    }
    return "unknown";
}

std::array<uint8_t, probe_packet_len> probe_build(const probe_message& m) noexcept
{
    std::array<uint8_t, probe_packet_len> p{};
    uint8_t* ip = p.data();
    ip[0] = 0x60; // version 6, traffic class 0, flow label 0
    wire::store_be16(ip + 4, udp_len);
    ip[6] = wire::ip_proto_udp;
    ip[7] = wire::default_ttl;
    std::copy(m.src.begin(), m.src.end(), ip + 8);
    std::copy(m.dst.begin(), m.dst.end(), ip + 24);

    uint8_t* udp = ip + udp_off;
    wire::store_be16(udp + 0, probe_port);
    wire::store_be16(udp + 2, probe_port);
    wire::store_be16(udp + 4, udp_len);

    uint8_t* pl = ip + payload_off;
    std::copy(probe_magic.begin(), probe_magic.end(), pl);
    pl[4] = probe_version;
    pl[5] = static_cast<uint8_t>(m.type);
    // pl[6..7] reserved, zero
    wire::store_be32(pl + 8, m.seq);
    wire::store_be32(pl + 12, static_cast<uint32_t>(m.timestamp_ns >> 32));
    wire::store_be32(pl + 16, static_cast<uint32_t>(m.timestamp_ns));

    wire::store_be16(udp + 6, checksum_of(ip));
    return p;
}

probe_verdict probe_parse(std::span<const uint8_t> pkt, probe_message& out) noexcept
{
    if (pkt.size() != probe_packet_len) {
        return probe_verdict::bad_length;
    }
    const uint8_t* ip = pkt.data();
    if ((ip[0] >> 4) != 6) {
        return probe_verdict::not_ipv6;
    }
    if (wire::load_be16(ip + 4) != udp_len) {
        return probe_verdict::bad_ip_length;
    }
    if (ip[6] != wire::ip_proto_udp) {
        return probe_verdict::not_udp;
    }
    const std::span<const uint8_t, 16> src(ip + 8, 16);
    const std::span<const uint8_t, 16> dst(ip + 24, 16);
    if (!is_probe_shaped(src) || !is_probe_shaped(dst) ||
        std::equal(src.begin(), src.end(), dst.begin())) {
        return probe_verdict::bad_address;
    }
    const uint8_t* udp = ip + udp_off;
    if (wire::load_be16(udp) != probe_port || wire::load_be16(udp + 2) != probe_port) {
        return probe_verdict::bad_port;
    }
    if (wire::load_be16(udp + 4) != udp_len) {
        return probe_verdict::bad_udp_length;
    }
    const uint16_t sent_sum = wire::load_be16(udp + 6);
    if (sent_sum == 0 || sent_sum != checksum_of(ip)) {
        return probe_verdict::bad_checksum;
    }
    const uint8_t* pl = ip + payload_off;
    if (!std::equal(probe_magic.begin(), probe_magic.end(), pl)) {
        return probe_verdict::bad_magic;
    }
    if (pl[4] != probe_version) {
        return probe_verdict::bad_version;
    }
    if (pl[5] != static_cast<uint8_t>(probe_type::request) &&
        pl[5] != static_cast<uint8_t>(probe_type::reply)) {
        return probe_verdict::bad_type;
    }
    if (pl[6] != 0 || pl[7] != 0) {
        return probe_verdict::bad_reserved;
    }
    out.type = static_cast<probe_type>(pl[5]);
    out.seq = wire::load_be32(pl + 8);
    out.timestamp_ns = (uint64_t{wire::load_be32(pl + 12)} << 32) | wire::load_be32(pl + 16);
    std::copy(src.begin(), src.end(), out.src.begin());
    std::copy(dst.begin(), dst.end(), out.dst.begin());
    return probe_verdict::ok;
}

} // namespace edgerelay::cp::health
