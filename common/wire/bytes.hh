// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Unaligned big- and little-endian loads and stores over raw packet bytes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace edgerelay::wire {

// memcpy is how C++ spells an unaligned access without undefined behaviour; compilers turn it
// into a single mov (plus bswap/movbe) for these sizes.

/// Reads a big-endian (network order) 16-bit value at p.
inline uint16_t load_be16(const uint8_t* p) noexcept
{
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

/// Reads a big-endian (network order) 32-bit value at p.
inline uint32_t load_be32(const uint8_t* p) noexcept
{
    uint32_t v;
    std::memcpy(&v, p, 4);
    return std::endian::native == std::endian::little ? __builtin_bswap32(v) : v;
}

/// Writes v at p in big-endian (network) order.
inline void store_be16(uint8_t* p, uint16_t v) noexcept
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

/// Writes v at p in big-endian (network) order.
inline void store_be32(uint8_t* p, uint32_t v) noexcept
{
    if constexpr (std::endian::native == std::endian::little) {
        v = __builtin_bswap32(v);
    }
    std::memcpy(p, &v, 4);
}

/// Reads a little-endian 32-bit value at p (WireGuard's byte order).
inline uint32_t load_le32(const uint8_t* p) noexcept
{
    uint32_t v;
    std::memcpy(&v, p, 4);
    return std::endian::native == std::endian::little ? v : __builtin_bswap32(v);
}

/// Reads a little-endian 64-bit value at p (WireGuard's byte order).
inline uint64_t load_le64(const uint8_t* p) noexcept
{
    uint64_t v;
    std::memcpy(&v, p, 8);
    return std::endian::native == std::endian::little ? v : __builtin_bswap64(v);
}

/// Writes v at p in little-endian order (WireGuard's byte order).
inline void store_le32(uint8_t* p, uint32_t v) noexcept
{
    if constexpr (std::endian::native != std::endian::little) {
        v = __builtin_bswap32(v);
    }
    std::memcpy(p, &v, 4);
}

/// Writes v at p in little-endian order (WireGuard's byte order).
inline void store_le64(uint8_t* p, uint64_t v) noexcept
{
    if constexpr (std::endian::native != std::endian::little) {
        v = __builtin_bswap64(v);
    }
    std::memcpy(p, &v, 8);
}

} // namespace edgerelay::wire
