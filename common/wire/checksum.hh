// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Internet checksum (RFC 1071) and UDP pseudo-header sums for IPv4 (RFC 768) and IPv6 (RFC 8200).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgerelay::wire {

// The ones'-complement sum does not depend on byte order (RFC 1071 §2(B)): we add the data
// as native 32-bit words into a 64-bit accumulator and swap once at the end. A partial sum
// is therefore an opaque value; only csum_fold()/csum_finish() give a usable number.

/// Adds len bytes at data to a running partial sum.
/// @param data  bytes to add; must start at an even offset of the checksummed region, since
///              an odd start would pair the bytes the other way round.
/// @param len   number of bytes; an odd tail byte counts as the high byte of a zero-padded word.
/// @param sum   partial sum so far (0 to start).
/// @return the new partial sum (opaque; pass it on or to csum_fold()).
inline uint64_t csum_partial(const uint8_t* data, size_t len, uint64_t sum = 0) noexcept
{
    while (len >= 4) {
        uint32_t w;
        std::memcpy(&w, data, 4);
        sum += w;
        data += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t w;
        std::memcpy(&w, data, 2);
        sum += w;
        data += 2;
        len -= 2;
    }
    if (len == 1) {
        const uint8_t tail[2] = {data[0], 0};
        uint16_t w;
        std::memcpy(&w, tail, 2);
        sum += w;
    }
    return sum;
}

/// Folds a partial sum to 16 bits.
/// @return the ones'-complement sum as the value of a big-endian 16-bit word (host order),
///         not yet complemented. A correct IPv4 header folds to 0xffff.
inline uint16_t csum_fold(uint64_t sum) noexcept
{
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    auto v = static_cast<uint16_t>(sum);
    if constexpr (std::endian::native == std::endian::little) {
        v = __builtin_bswap16(v);
    }
    return v;
}

/// Complements a folded partial sum: the value to store (with store_be16) in a checksum field
/// that was zero while summing.
inline uint16_t csum_finish(uint64_t sum) noexcept
{
    return static_cast<uint16_t>(~csum_fold(sum));
}

/// The Internet checksum of len bytes at data (e.g. an IPv4 header with its checksum field zeroed).
/// @return the host-order value to store with store_be16().
inline uint16_t inet_checksum(const uint8_t* data, size_t len) noexcept
{
    return csum_finish(csum_partial(data, len));
}

/// Partial sum of the IPv4 pseudo-header (RFC 768): source, destination, zero, protocol, length.
/// @param src,dst  4-byte addresses in network order.
/// @param proto    IP protocol number (17 for UDP).
/// @param l4_len   length of the transport header plus payload, host order.
inline uint64_t pseudo_header_sum_v4(const uint8_t* src, const uint8_t* dst, uint8_t proto,
                                     uint16_t l4_len) noexcept
{
    const uint8_t tail[4] = {0, proto, static_cast<uint8_t>(l4_len >> 8),
                             static_cast<uint8_t>(l4_len)};
    return csum_partial(tail, 4, csum_partial(dst, 4, csum_partial(src, 4)));
}

/// Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit upper-layer
/// length, three zero bytes, next header.
/// @param src,dst  16-byte addresses in network order.
/// @param proto    next header value of the upper layer (17 for UDP).
/// @param l4_len   upper-layer packet length, host order.
inline uint64_t pseudo_header_sum_v6(const uint8_t* src, const uint8_t* dst, uint8_t proto,
                                     uint32_t l4_len) noexcept
{
    const uint8_t tail[8] = {static_cast<uint8_t>(l4_len >> 24),
                             static_cast<uint8_t>(l4_len >> 16),
                             static_cast<uint8_t>(l4_len >> 8),
                             static_cast<uint8_t>(l4_len),
                             0,
                             0,
                             0,
                             proto};
    return csum_partial(tail, 8, csum_partial(dst, 16, csum_partial(src, 16)));
}

/// The UDP checksum of a datagram given its pseudo-header sum.
/// @param pseudo   pseudo_header_sum_v4() or pseudo_header_sum_v6() of the datagram.
/// @param udp      the UDP header and payload, with the checksum field zero.
/// @param udp_len  bytes at udp.
/// @return the value to store; a computed 0 is sent as 0xffff because 0 means "no checksum"
///         (RFC 768).
inline uint16_t udp_checksum(uint64_t pseudo, const uint8_t* udp, size_t udp_len) noexcept
{
    uint16_t c = csum_finish(csum_partial(udp, udp_len, pseudo));
    return c == 0 ? 0xffff : c;
}

} // namespace edgerelay::wire
