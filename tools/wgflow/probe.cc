// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Building, parsing and reflecting wgflow's inner probe packets.
#include "tools/wgflow/probe.hh"

#include <algorithm>
#include <cstring>

#include "common/wire/build.hh"
#include "common/wire/bytes.hh"
#include "common/wire/parse.hh"

namespace edgerelay::tools::wgflow {

namespace {

constexpr uint8_t proto_udp = 17;

wire::endpoint to_endpoint(const inner_addr& a, uint16_t port) noexcept
{
    wire::endpoint e;
    e.family = a.family;
    e.port = port;
    std::memcpy(e.addr, a.bytes, 16);
    return e;
}

void store_be64(uint8_t* p, uint64_t v) noexcept
{
    wire::store_be32(p, static_cast<uint32_t>(v >> 32));
    wire::store_be32(p + 4, static_cast<uint32_t>(v));
}

uint64_t load_be64(const uint8_t* p) noexcept
{
    return (uint64_t{wire::load_be32(p)} << 32) | wire::load_be32(p + 4);
}

} // namespace

size_t probe_build(const options& o, uint64_t seq, uint64_t sent_ns, uint8_t* out) noexcept
{
    wire::outer_template t;
    t.src = to_endpoint(o.src, o.sport);
    t.dst = to_endpoint(o.dst, o.dport);
    t.checksum = wire::udp_csum::full;
    size_t hdr = wire::ip_outer_header_len(o.src.family);
    uint8_t* payload = out + hdr;
    store_be64(payload, seq);
    store_be64(payload + 8, sent_ns);
    // A recognisable pattern rather than zeros, so a relay that mangles bytes is caught by
    // the inner UDP checksum at a kernel receiver.
    for (size_t i = probe_header_len; i < o.size; ++i) {
        payload[i] = static_cast<uint8_t>(seq + i);
    }
    wire::write_ip_outer(out, t, payload, static_cast<uint16_t>(o.size));
    return hdr + o.size;
}

bool probe_parse(const options& o, std::span<const uint8_t> plain, probe_info& out) noexcept
{
    out = probe_info{};
    wire::inner_info in;
    if (wire::parse_inner(plain, in) != wire::verdict::ok) {
        return false;
    }
    out.ip_len = std::min<size_t>(in.length, plain.size());
    if (o.src.family != 0) {
        size_t n = in.family == 4 ? 4 : 16;
        out.to_us = in.family == o.src.family && std::memcmp(in.dst, o.src.bytes, n) == 0;
    }
    if (in.proto != proto_udp) {
        return true;
    }
    wire::outer_info udp;
    if (wire::parse_ip_outer(plain.first(out.ip_len), udp) != wire::verdict::ok ||
        udp.payload_len < probe_header_len) {
        return true;
    }
    const uint8_t* p = plain.data() + udp.payload_offset;
    out.has_probe = true;
    out.seq = load_be64(p);
    out.sent_ns = load_be64(p + 8);
    return true;
}

void probe_reflect(std::span<uint8_t> packet) noexcept
{
    if (packet.empty()) {
        return;
    }
    uint8_t* p = packet.data();
    size_t l4 = 0;
    uint8_t proto = 0;
    if ((p[0] >> 4) == 4 && packet.size() >= 20) {
        std::swap_ranges(p + 12, p + 16, p + 16);
        l4 = static_cast<size_t>(p[0] & 0x0f) * 4;
        proto = p[9];
    } else if ((p[0] >> 4) == 6 && packet.size() >= 40) {
        std::swap_ranges(p + 8, p + 24, p + 24);
        l4 = 40;
        proto = p[6];
    }
    if (proto == proto_udp && packet.size() >= l4 + 8) {
        std::swap_ranges(p + l4, p + l4 + 2, p + l4 + 2);
    }
}

} // namespace edgerelay::tools::wgflow
