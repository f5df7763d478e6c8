// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard handshake constants, message byte layouts and TAI64N timestamps (whitepaper §5.4).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace edgerelay::cp {

/// Time as the handshake sees it: nanoseconds, passed in by the caller (no clock reads here).
/// Monotonic time is used for ages and rate limits; wall time (since the Unix epoch) only for
/// the TAI64N timestamp of an initiation.
using nanos = std::chrono::nanoseconds;

inline constexpr std::string_view construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr std::string_view identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr std::string_view label_mac1 = "mac1----";
inline constexpr std::string_view label_cookie = "cookie--";

/// Message type, stored as a little-endian u32 at offset 0 (so bytes 1..3 are zero).
enum class msg_type : uint8_t { initiation = 1, response = 2, cookie_reply = 3, transport = 4 };

/// Message 1, handshake initiation (148 bytes):
///   0 type (=1, LE32)      4 sender index (LE32)     8 unencrypted ephemeral (32)
///  40 encrypted static (32 + 16 tag)   88 encrypted timestamp (12 + 16 tag)
/// 116 mac1 (16)          132 mac2 (16)
struct initiation_layout {
    static constexpr size_t size = 148;
    static constexpr size_t sender = 4;
    static constexpr size_t ephemeral = 8;
    static constexpr size_t encrypted_static = 40;
    static constexpr size_t encrypted_timestamp = 88;
    static constexpr size_t mac1 = 116;
    static constexpr size_t mac2 = 132;
};

/// Message 2, handshake response (92 bytes):
///   0 type (=2, LE32)   4 sender index (LE32)   8 receiver index (LE32)
///  12 unencrypted ephemeral (32)   44 encrypted nothing (0 + 16 tag)
///  60 mac1 (16)   76 mac2 (16)
struct response_layout {
    static constexpr size_t size = 92;
    static constexpr size_t sender = 4;
    static constexpr size_t receiver = 8;
    static constexpr size_t ephemeral = 12;
    static constexpr size_t encrypted_nothing = 44;
    static constexpr size_t mac1 = 60;
    static constexpr size_t mac2 = 76;
};

/// Message 3, cookie reply (64 bytes):
///   0 type (=3, LE32)   4 receiver index (LE32)   8 nonce (24)   32 encrypted cookie (16 + 16 tag)
struct cookie_reply_layout {
    static constexpr size_t size = 64;
    static constexpr size_t receiver = 4;
    static constexpr size_t nonce = 8;
    static constexpr size_t encrypted_cookie = 32;
};

using initiation_msg = std::array<uint8_t, initiation_layout::size>;
using response_msg = std::array<uint8_t, response_layout::size>;
using cookie_reply_msg = std::array<uint8_t, cookie_reply_layout::size>;

using tai64n_stamp = std::array<uint8_t, 12>;

// Protocol timings (whitepaper §6.1 and the Linux module's messages.h).
inline constexpr nanos cookie_secret_max_age = std::chrono::seconds(120);
/// A held cookie is used for mac2 only while younger than this: the responder's secret may
/// rotate at 120 s, and the margin covers the reply's time in flight.
inline constexpr nanos cookie_secret_latency = std::chrono::seconds(5);
/// The responder accepts at most this many initiations per second from one peer.
inline constexpr uint32_t max_initiations_per_second = 50;

/// The bytes of a protocol label or string constant, for hashing.
inline std::span<const uint8_t> text_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// Reads a little-endian u32 at offset off. The caller has checked the length.
constexpr uint32_t load_le32(std::span<const uint8_t> b, size_t off) noexcept
{
    return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 |
           uint32_t(b[off + 3]) << 24;
}

/// Writes v as little-endian at offset off. The caller has checked the length.
constexpr void store_le32(std::span<uint8_t> b, size_t off, uint32_t v) noexcept
{
    b[off] = uint8_t(v);
    b[off + 1] = uint8_t(v >> 8);
    b[off + 2] = uint8_t(v >> 16);
    b[off + 3] = uint8_t(v >> 24);
}

/// The expected size of a handshake-family message of this type, or 0 for any other type.
constexpr size_t message_size(msg_type t) noexcept
{
    switch (t) {
    case msg_type::initiation: return initiation_layout::size;
    case msg_type::response: return response_layout::size;
    case msg_type::cookie_reply: return cookie_reply_layout::size;
    default: return 0;
    }
}

/// True when msg is exactly a well-formed header and size for type t: the first four bytes
/// are the little-endian type (reserved bytes zero) and the length matches.
constexpr bool has_type(std::span<const uint8_t> msg, msg_type t) noexcept
{
    return msg.size() == message_size(t) && msg.size() >= 4 && load_le32(msg, 0) == uint32_t(t);
}

/// TAI64N label of a wall-clock time (since the Unix epoch): 8 bytes big-endian seconds
/// offset by 2^62 + 10 (as WireGuard writes it), then 4 bytes big-endian nanoseconds.
/// Exact: no whitening (create_initiation applies it). Byte order makes memcmp order
/// equal time order, which is how the responder compares stamps.
tai64n_stamp tai64n(nanos since_unix_epoch) noexcept;

/// Rounds nanoseconds down to a power of two at or under 1 s / max_initiations_per_second,
/// so a stamp does not leak the sender's fine-grained clock (wireguard-go's whitener).
nanos tai64n_whiten(nanos since_unix_epoch) noexcept;

} // namespace edgerelay::cp
