// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the health probe parser (controlplane/health/probe_packet.hh).
//
// probe_parse() takes any bytes arriving from a tunnel: it must never crash, must leave `out`
// alone when it refuses, and what it accepts must survive probe_build(): the rebuilt packet
// parses to the same message (the input may differ in fields parse does not look at, such as
// the hop limit or the flow label, so the bytes themselves are not compared).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "controlplane/health/probe_packet.hh"

namespace {

using namespace edgerelay::cp::health;

void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_probe: contract broken: %s\n", what);
        std::abort();
    }
}

bool same(const probe_message& a, const probe_message& b)
{
    return a.type == b.type && a.seq == b.seq && a.timestamp_ns == b.timestamp_ns &&
           a.src == b.src && a.dst == b.dst;
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // A sentinel message: a refusal must leave it exactly as it was.
    probe_message m;
    m.type = probe_type::reply;
    m.seq = 0xdeadbeef;
    m.timestamp_ns = 0x0123456789abcdefULL;
    m.src.fill(0xaa);
    m.dst.fill(0x55);
    const probe_message sentinel = m;

    probe_verdict v = probe_parse(std::span<const uint8_t>(data, size), m);
    require(to_string(v) != nullptr && std::strlen(to_string(v)) > 0, "every verdict has a name");
    if (v != probe_verdict::ok) {
        require(same(m, sentinel), "a refused packet leaves out untouched");
        return 0;
    }
    require(size == probe_packet_len, "only probe_packet_len bytes are accepted");
    require(m.type == probe_type::request || m.type == probe_type::reply, "type is known");
    require(m.src != m.dst, "source and destination differ");

    auto rebuilt = probe_build(m);
    probe_message again;
    probe_verdict v2 = probe_parse(rebuilt, again);
    if (v2 != probe_verdict::ok) {
        std::fprintf(stderr, "fuzz_probe: rebuilt packet refused: %s\n", to_string(v2));
    }
    require(v2 == probe_verdict::ok, "probe_build of a parsed message parses");
    require(same(again, m), "probe_parse(probe_build(m)) == m");
    // The payload (magic, version, type, reserved, seq, timestamp) is fully determined by m.
    constexpr size_t payload_at = probe_packet_len - probe_payload_len;
    require(std::memcmp(rebuilt.data() + payload_at, data + payload_at, probe_payload_len) == 0,
            "the rebuilt payload equals the accepted one");
    return 0;
}
