// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the wire parsers, with a build→parse round trip on whatever parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "common/wire/build.hh"
#include "common/wire/parse.hh"
#include "common/wire/parse_fast.hh"
#include "common/wire/wireguard.hh"

namespace {

using namespace edgerelay::wire;

// Abort rather than return: libFuzzer reports an abort as a crash with the input saved.
void require(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

bool named(verdict v)
{
    return static_cast<size_t>(v) < verdict_count;
}

// Rebuilds the datagram from what the parser reported and checks it parses back the same.
void round_trip(std::span<const uint8_t> frame, const outer_info& o, bool ethernet)
{
    outer_template t;
    t.src = o.src;
    t.dst = o.dst;
    t.vlan = o.has_vlan;
    t.vlan_tci = o.vlan_tci;
    if (ethernet) {
        std::memcpy(t.dst_mac, frame.data(), 6);
        std::memcpy(t.src_mac, frame.data() + 6, 6);
    }
    const uint8_t* payload = frame.data() + o.payload_offset;
    size_t h =
        ethernet ? outer_header_len(o.src.family, o.has_vlan) : ip_outer_header_len(o.src.family);
    std::vector<uint8_t> g(h + o.payload_len);
    std::memcpy(g.data() + h, payload, o.payload_len);
    if (ethernet) {
        write_outer(g.data(), t, g.data() + h, o.payload_len);
    } else {
        write_ip_outer(g.data(), t, g.data() + h, o.payload_len);
    }
    outer_info p;
    require((ethernet ? parse_outer(g, p) : parse_ip_outer(g, p)) == verdict::ok);
    require(p.src == o.src && p.dst == o.dst);
    require(p.payload_offset == h && p.payload_len == o.payload_len);
    require(p.has_vlan == o.has_vlan && p.vlan_tci == o.vlan_tci);
    require(std::memcmp(g.data() + h, payload, o.payload_len) == 0);
}

void check_outer(std::span<const uint8_t> data, bool ethernet)
{
    outer_info o;
    verdict v = ethernet ? parse_outer(data, o) : parse_ip_outer(data, o);
    require(named(v));
    if (ethernet) {
        // The fast path may only accept what the generic parser accepts, with the same result.
        outer_info f;
        if (parse_outer_fast(data, f)) {
            require(v == verdict::ok && f.src == o.src && f.dst == o.dst);
            require(f.payload_offset == o.payload_offset && f.payload_len == o.payload_len);
            require(f.l3_offset == o.l3_offset && f.l3_len == o.l3_len && f.ttl == o.ttl);
            require(f.has_vlan == o.has_vlan && f.vlan_tci == o.vlan_tci);
        }
    }
    if (v != verdict::ok) {
        return;
    }
    require(size_t{o.l3_offset} + o.l3_len <= data.size());
    require(size_t{o.payload_offset} + o.payload_len == size_t{o.l3_offset} + o.l3_len);
    round_trip(data, o, ethernet);

    auto payload = data.subspan(o.payload_offset, o.payload_len);
    uint8_t type = 0;
    if (classify_wg(payload, type) == verdict::ok && type == message_type_transport) {
        (void)transport_receiver_index(payload.data());
        (void)transport_counter(payload.data());
        // Treat the ciphertext as if it were the plaintext: it is only bytes to the parser.
        inner_info in;
        auto plain =
            payload.subspan(wg_transport_header_len, payload.size() - wg_transport_min_len);
        if (!plain.empty() && parse_inner(plain, in) == verdict::ok) {
            require(in.length <= plain.size() && in.length >= in.header_len);
        }
    }
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::span<const uint8_t> in(data, size);
    check_outer(in, true);
    check_outer(in, false);

    uint8_t type = 0;
    require(named(classify_wg(in, type)));
    require(named(classify_wg(in, type, true)));

    inner_info inner;
    verdict iv = parse_inner(in, inner);
    require(named(iv));
    if (iv == verdict::ok) {
        require(inner.length <= size && inner.length >= inner.header_len);
    }
    uint32_t fast_len = 0;
    if (inner_length_fast(in, fast_len)) {
        require(iv == verdict::ok && fast_len == inner.length);
    }
    return 0;
}
