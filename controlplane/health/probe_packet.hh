// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The health probe: an inner IPv6/UDP packet between two relays' probe addresses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/wire/headers.hh"
#include "controlplane/health/probe_address.hh"

namespace edgerelay::cp::health {

/// UDP port of both ends of a probe (next to the DHT's 4222).
inline constexpr uint16_t probe_port = 4223;
inline constexpr std::array<uint8_t, 4> probe_magic = {'E', 'R', 'P', 'B'};
inline constexpr uint8_t probe_version = 1;

/// Payload layout, big-endian: magic[4] version[1] type[1] reserved[2]=0 seq[4] timestamp[8].
inline constexpr size_t probe_payload_len = 20;
/// The whole inner packet: IPv6 header + UDP header + payload (68 bytes). Probes have exactly
/// this length; anything longer or shorter is refused.
inline constexpr size_t probe_packet_len =
    wire::ipv6_hdr_len + wire::udp_hdr_len + probe_payload_len;

enum class probe_type : uint8_t {
    request = 1, ///< "are you there": the receiver answers with a reply
    reply = 2,   ///< echoes the request's seq and timestamp
};

/// The content of a probe, decoded.
struct probe_message {
    probe_type type = probe_type::request;
    uint32_t seq = 0;          ///< the requester's sequence number (echoed by the reply)
    uint64_t timestamp_ns = 0; ///< the requester's monotonic send time (echoed by the reply)
    probe_addr src{};          ///< sender's probe address
    probe_addr dst{};          ///< receiver's probe address
};

/// Why probe_parse() refused a packet (ok when it did not).
enum class probe_verdict : uint8_t {
    ok,
    bad_length,     ///< not exactly probe_packet_len bytes
    not_ipv6,       ///< IP version is not 6
    bad_ip_length,  ///< IPv6 payload length is not UDP header + probe payload
    not_udp,        ///< next header is not UDP (extension headers are never used by probes)
    bad_address,    ///< source or destination outside probe_prefix, or source == destination
    bad_port,       ///< a UDP port is not probe_port
    bad_udp_length, ///< UDP length field disagrees with the packet
    bad_checksum,   ///< UDP checksum wrong, or zero (forbidden over IPv6, RFC 8200 §8.1)
    bad_magic,
    bad_version,
    bad_type,
    bad_reserved,   ///< the reserved bytes are not zero
};

/// Short stable name of a verdict ("ok", "bad_checksum", ...) for counters and logs.
const char* to_string(probe_verdict v) noexcept;

/// Encodes m as a complete inner IPv6/UDP packet with hop limit wire::default_ttl, flow
/// label 0 and a correct UDP checksum.
std::array<uint8_t, probe_packet_len> probe_build(const probe_message& m) noexcept;

/// Decodes and validates a packet; any length and content is safe to pass.
/// @param pkt the inner packet, starting at the IPv6 header
/// @param out receives the message when the verdict is ok (untouched otherwise)
/// @return ok, or the first check that failed
probe_verdict probe_parse(std::span<const uint8_t> pkt, probe_message& out) noexcept;

} // namespace edgerelay::cp::health
