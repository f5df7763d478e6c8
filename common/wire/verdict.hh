// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The closed list of packet-parse outcomes; the dataplane folds it into its drop reasons.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerelay::wire {

/// Every way a frame can fail to parse, one entry each, in wire order (outermost first).
/// Names are counter names (`wire.<name>`): keep them short, lower_snake_case and stable.
/// `ok` is not in this list: it is the enum's first value.
#define WIRE_VERDICTS(X)                                                                           \
    X(eth_truncated, "frame shorter than an Ethernet header")                                      \
    X(vlan_truncated, "frame ends inside the 802.1Q tag")                                          \
    X(vlan_stacked, "more than one VLAN tag (QinQ / 802.1ad)")                                     \
    X(unknown_ethertype, "ethertype is neither IPv4, IPv6 nor 802.1Q")                             \
    X(ip_truncated, "empty IP packet")                                                             \
    X(ip_unknown_version, "raw IP packet with a version other than 4 or 6")                        \
    X(ipv4_truncated, "frame ends inside the IPv4 header")                                         \
    X(ipv4_bad_version, "IPv4 ethertype but version field is not 4")                               \
    X(ipv4_bad_ihl, "IPv4 header length below 20 bytes")                                           \
    X(ipv4_bad_total_length, "IPv4 total length smaller than its header or beyond the frame")      \
    X(ipv4_bad_checksum, "IPv4 header checksum mismatch")                                          \
    X(ipv4_fragment, "IPv4 fragment (MF set or offset not zero)")                                  \
    X(ipv6_truncated, "frame ends inside the IPv6 header")                                         \
    X(ipv6_bad_version, "IPv6 ethertype but version field is not 6")                               \
    X(ipv6_bad_payload_length, "IPv6 payload length beyond the frame")                             \
    X(ipv6_ext_header, "IPv6 extension header before the transport header")                        \
    X(not_udp, "transport protocol is not UDP")                                                    \
    X(udp_truncated, "IP payload shorter than a UDP header")                                       \
    X(udp_bad_length, "UDP length disagrees with the IP payload length")                           \
    X(udp_port_zero, "UDP source or destination port is zero")                                     \
    X(udp6_zero_checksum, "UDP over IPv6 without a checksum (RFC 8200 forbids it)")                \
    X(wg_truncated, "UDP payload shorter than a WireGuard message header")                         \
    X(wg_unknown_type, "WireGuard message type not 1 to 4")                                        \
    X(wg_reserved_nonzero, "WireGuard reserved header bytes not zero")                             \
    X(wg_bad_size, "WireGuard handshake or cookie message of the wrong size")                      \
    X(wg_transport_truncated, "WireGuard transport message shorter than header plus tag")          \
    X(wg_transport_bad_padding, "WireGuard transport ciphertext not a multiple of 16 bytes")       \
    X(inner_truncated, "plaintext ends inside the inner IP header")                                \
    X(inner_bad_version, "inner packet is neither IPv4 nor IPv6")                                  \
    X(inner_bad_ihl, "inner IPv4 header length below 20 bytes")                                    \
    X(inner_bad_length, "inner IP length field smaller than its header or beyond the plaintext")

/// The outcome of a parser in common/wire. `ok` is zero so `if (v != verdict::ok)` is one test.
enum class verdict : uint8_t {
    ok,
#define X(name, text) name,
    WIRE_VERDICTS(X)
#undef X
        count // keep last: number of entries including ok
};

/// Number of verdicts including ok (array size for per-verdict counters).
inline constexpr size_t verdict_count = static_cast<size_t>(verdict::count);

/// The verdict's name as written in WIRE_VERDICTS ("ok" for ok).
/// @return a static string; "unknown" for values outside the list.
const char* verdict_name(verdict v) noexcept;

/// A short human explanation of the verdict.
/// @return a static string; "unknown verdict" for values outside the list.
const char* verdict_text(verdict v) noexcept;

} // namespace edgerelay::wire
