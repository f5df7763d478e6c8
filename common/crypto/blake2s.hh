// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// BLAKE2s (RFC 7693), keyed BLAKE2s, HMAC-BLAKE2s and WireGuard's HKDF, for the handshake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/crypto/secret.hh"

namespace edgerelay::crypto {

using bytes_view = std::span<const uint8_t>;

/// HASH(a || b || ...): unkeyed BLAKE2s-256 over the concatenation of the parts.
key32 blake2s(std::initializer_list<bytes_view> parts) noexcept;

/// MAC(key, input) as WireGuard's mac1/mac2: keyed BLAKE2s with a 16-byte output.
/// key_len is 1..32.
void blake2s_mac16(uint8_t out[16], bytes_view key, bytes_view input) noexcept;

/// Keyed BLAKE2s (RFC 7693 §2.5) with an out_len-byte digest: out_len is 1..32 and the key
/// 1..32 bytes. blake2s_mac16() is this with out_len 16; out_len 32 matches blake2s-kat.txt.
void blake2s_keyed(uint8_t* out, size_t out_len, bytes_view key, bytes_view input) noexcept;

/// HMAC(key, input) with BLAKE2s-256 as the hash (RFC 2104, block size 64).
key32 hmac_blake2s(bytes_view key, bytes_view input) noexcept;

/// WireGuard's KDFn(key, input): up to three 32-byte outputs.
/// t0 = HMAC(key, input); t1 = HMAC(t0, 0x1); t2 = HMAC(t0, t1 || 0x2); t3 = HMAC(t0, t2 || 0x3).
/// Pass nullptr for outputs not wanted (n = number of non-null leading outputs).
/// The outputs may alias key or input (WireGuard's `ck, k = KDF2(ck, x)` updates ck in place):
/// both are read only before the first output is written.
void kdf(secret32* t1, secret32* t2, secret32* t3, bytes_view key, bytes_view input) noexcept;

} // namespace edgerelay::crypto
