// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Shared pieces of the io_uring driver: the run-time probe, per-queue counters, address conversion.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>

#include "common/wire/endpoint.hh"

namespace edgerelay::drv {

/// Result of probing io_uring at start-up (Seastar's detect_io_uring()).
struct uring_probe_result {
    bool usable = false; ///< true when every feature the driver needs works here
    std::string reason;  ///< why not, in one line with the fix, when !usable
};

/// Probes the running kernel once: kernel.io_uring_disabled, io_uring_setup (EPERM/ENOSYS
/// under seccomp or in containers), the opcodes the driver issues, provided-buffer rings
/// and multishot recvmsg (Linux >= 6.0). Start-up only; creates and destroys a small ring.
/// @return usable, or the reason the caller must use the recvmmsg/read fallback.
uring_probe_result uring_probe();

/// Per-queue counters. Written only by the worker that owns the queue (dp: wo), so they
/// are plain integers; readers on other threads see approximate values.
struct uring_queue_stats {
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t rx_nombuf = 0;    ///< dropped: the mempool had no mbuf for a received packet
    uint64_t rx_truncated = 0; ///< dropped: datagram larger than the receive buffer
    uint64_t rx_errors = 0;    ///< failed receive completions other than buffer exhaustion
    uint64_t rx_rearms = 0;    ///< multishot receives re-armed after the kernel ended them
    uint64_t rx_ring_empty = 0; ///< multishot ended with -ENOBUFS (every provided buffer in use)
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;
    uint64_t tx_errors = 0;    ///< accepted packets the kernel refused to send (dropped)
};

/// Converts a socket address to an endpoint. IPv4-mapped IPv6 addresses (dual-stack
/// sockets) become IPv4 endpoints, so peers are keyed the same way on every socket type.
/// @return false (ep untouched) for other families or a short length.
inline bool endpoint_from_sockaddr(const void* sa, socklen_t len, wire::endpoint& ep) noexcept
{
    sa_family_t family;
    if (len < static_cast<socklen_t>(sizeof(family))) {
        return false;
    }
    std::memcpy(&family, sa, sizeof(family));
    if (family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in in;
        std::memcpy(&in, sa, sizeof(in));
        ep = wire::endpoint{};
        ep.family = 4;
        ep.port = ntohs(in.sin_port);
        std::memcpy(ep.addr, &in.sin_addr, 4);
        return true;
    }
    if (family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 in6;
        std::memcpy(&in6, sa, sizeof(in6));
        ep = wire::endpoint{};
        ep.port = ntohs(in6.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            ep.family = 4;
            std::memcpy(ep.addr, &in6.sin6_addr.s6_addr[12], 4);
        } else {
            ep.family = 6;
            std::memcpy(ep.addr, &in6.sin6_addr, 16);
        }
        return true;
    }
    return false;
}

/// Writes ep as a socket address for a socket of family `sock_family` (AF_INET or
/// AF_INET6); IPv4 endpoints on an AF_INET6 socket become IPv4-mapped addresses.
/// @return the address length, or 0 when ep cannot be reached through such a socket.
inline socklen_t endpoint_to_sockaddr(const wire::endpoint& ep, int sock_family,
                                      sockaddr_storage& ss) noexcept
{
    std::memset(&ss, 0, sizeof(ss));
    if (sock_family == AF_INET) {
        if (ep.family != 4) {
            return 0;
        }
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(ep.port);
        std::memcpy(&in->sin_addr, ep.addr, 4);
        return sizeof(sockaddr_in);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(ep.port);
    if (ep.family == 4) {
        in6->sin6_addr.s6_addr[10] = 0xff;
        in6->sin6_addr.s6_addr[11] = 0xff;
        std::memcpy(&in6->sin6_addr.s6_addr[12], ep.addr, 4);
    } else if (ep.family == 6) {
        std::memcpy(&in6->sin6_addr, ep.addr, 16);
    } else {
        return 0;
    }
    return sizeof(sockaddr_in6);
}

} // namespace edgerelay::drv
