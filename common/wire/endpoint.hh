// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// An underlay UDP endpoint (IPv4 or IPv6 address and port), plain data shared by both processes.
#pragma once

#include <cstdint>
#include <cstring>

namespace edgerelay::wire {

/// A UDP endpoint. Trivially copyable so it can cross the shared-memory segment.
/// IPv4 addresses occupy addr[0..3]; the rest of addr is zero.
struct endpoint {
    uint8_t family = 0;   ///< 0 = none, 4 = IPv4, 6 = IPv6
    uint8_t reserved = 0; ///< must be zero on the segment
    uint16_t port = 0;    ///< host byte order
    uint8_t addr[16] = {};

    bool operator==(const endpoint& o) const noexcept
    {
        return family == o.family && port == o.port && std::memcmp(addr, o.addr, 16) == 0;
    }
    bool empty() const noexcept { return family == 0; }

    /// The IPv4 endpoint a.b.c.d:port.
    static constexpr endpoint ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) noexcept
    {
        endpoint e;
        e.family = 4;
        e.port = port;
        e.addr[0] = a;
        e.addr[1] = b;
        e.addr[2] = c;
        e.addr[3] = d;
        return e;
    }
};
static_assert(sizeof(endpoint) == 20);

} // namespace edgerelay::wire
