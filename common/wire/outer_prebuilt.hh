// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A path's outer headers prepared once, so that encapsulating a packet is a fixed-size copy,
// two length stores and an incremental IPv4 header checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/wire/build.hh"
#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/headers.hh"

namespace edgerelay::wire {

/// The bytes write_outer() would write for a template, with every length (and so every
/// checksum) left at zero, plus the partial sums that only the lengths change.
struct outer_prebuilt {
    static constexpr size_t max_len = eth_hdr_len + vlan_tag_len + ipv6_hdr_len + udp_hdr_len;

    alignas(16) uint8_t bytes[max_len] = {};
    uint8_t len = 0;          ///< outer_header_len(family, vlan)
    uint8_t ip_off = 0;       ///< start of the IP header in bytes
    uint8_t udp_off = 0;      ///< start of the UDP header in bytes
    uint8_t family = 0;       ///< 4 or 6
    udp_csum checksum = udp_csum::full;
    uint64_t ip_sum = 0;      ///< IPv4: partial sum of the header with length and checksum zero
    uint64_t pseudo_sum = 0;  ///< partial sum of the UDP pseudo-header with a zero length
};

/// Prepares `out` from a template; once per path, not per packet.
void prepare_outer(const outer_template& t, outer_prebuilt& out) noexcept;

namespace detail {

// The copy with a length known at compile time for each of the four header shapes: the
// compiler turns each into a few vector moves, where a variable length would call memcpy.
inline void copy_outer(uint8_t* at, const outer_prebuilt& h) noexcept
{
    switch (h.len) {
    case outer_header_len(4, false):
        std::memcpy(at, h.bytes, outer_header_len(4, false));
        break;
    case outer_header_len(4, true):
        std::memcpy(at, h.bytes, outer_header_len(4, true));
        break;
    case outer_header_len(6, false):
        std::memcpy(at, h.bytes, outer_header_len(6, false));
        break;
    default:
        std::memcpy(at, h.bytes, outer_header_len(6, true));
        break;
    }
}

// Adds the 16-bit word stored at p to a partial sum as csum_partial() would: in native order.
inline uint64_t add_word(uint64_t sum, const uint8_t* p) noexcept
{
    uint16_t w;
    std::memcpy(&w, p, 2);
    return sum + w;
}

} // namespace detail

/// Writes the same h.len bytes at `at` that write_outer() writes for the template `h` was
/// prepared from (the wire unit tests compare them byte for byte).
/// @param payload      the UDP payload, read only for udp_csum::full (and IPv6 with none).
/// @param payload_len  precondition: payload_len <= max_udp_payload(h.family).
/// Always inlined: it is the whole per-packet work of the encap stage, and a call would be a
/// fifth of it.
[[gnu::always_inline]] inline void write_outer_prebuilt(uint8_t* at, const outer_prebuilt& h, const uint8_t* payload,
                                 uint16_t payload_len) noexcept
{
    detail::copy_outer(at, h);
    uint8_t* ip = at + h.ip_off;
    uint8_t* udp = at + h.udp_off;
    const auto udp_len = static_cast<uint16_t>(udp_hdr_len + payload_len);
    store_be16(udp + 4, udp_len);
    if (h.family == 4) {
        store_be16(ip + 2, static_cast<uint16_t>(ipv4_hdr_len + udp_len));
        store_be16(ip + 10, csum_finish(detail::add_word(h.ip_sum, ip + 2)));
    } else {
        store_be16(ip + 4, udp_len);
    }
    // The pseudo-header's length word, as its big-endian bytes: the UDP length field holds them.
    const uint64_t pseudo = detail::add_word(h.pseudo_sum, udp + 4);
    write_udp_checksum(udp, h.checksum, h.family, pseudo, payload, payload_len);
}

} // namespace edgerelay::wire
