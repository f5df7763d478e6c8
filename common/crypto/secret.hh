// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Fixed-size secret buffers that are wiped when they go away, and the wipe itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace edgerelay::crypto {

/// Initialises libsodium. Every function in common/crypto calls it, so callers need not;
/// calling it early at start-up only moves the one-time cost. Thread-safe and idempotent.
/// Aborts the process if libsodium cannot initialise (no usable random source).
void crypto_init() noexcept;

/// Overwrites n bytes with zeros in a way the compiler may not elide (sodium_memzero).
void wipe(void* p, size_t n) noexcept;

/// Constant-time comparison of n bytes; true when equal.
bool equal_ct(const void* a, const void* b, size_t n) noexcept;

/// N bytes of key material, zeroed on destruction and on move-from.
template <size_t N>
struct secret {
    std::array<uint8_t, N> bytes{};

    secret() = default;
    secret(const secret&) = default;
    secret& operator=(const secret&) = default;
    /// Moving copies the bytes and wipes the source, so no stale copy is left behind.
    secret(secret&& other) noexcept : bytes(other.bytes) { wipe(other.bytes.data(), N); }
    secret& operator=(secret&& other) noexcept
    {
        if (this != &other) {
            bytes = other.bytes;
            wipe(other.bytes.data(), N);
        }
        return *this;
    }
    ~secret() { wipe(bytes.data(), N); }

    uint8_t* data() noexcept { return bytes.data(); }
    const uint8_t* data() const noexcept { return bytes.data(); }
    static constexpr size_t size() noexcept { return N; }
};

using key32 = std::array<uint8_t, 32>;   ///< a public value (public key, hash)
using secret32 = secret<32>;             ///< a private value (private key, chaining key)

/// Fills n bytes from the operating system's CSPRNG (randombytes_buf).
void random_bytes(void* p, size_t n) noexcept;

} // namespace edgerelay::crypto
