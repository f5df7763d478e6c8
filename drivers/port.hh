// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The one burst interface every packet driver implements (DPDK ethdev, io_uring, fake).
#pragma once

#include <cstdint>
#include <span>

struct rte_mbuf;

namespace edgerelay::drv {

/// Packets are DPDK mbufs in every driver: the io_uring driver fills mbufs from a
/// mempool too, so the pipeline has one packet type and no per-packet dispatch.
using pkt = rte_mbuf;

/// What a port's packets look like; the pipeline picks its entry stage once per burst.
enum class port_kind : uint8_t {
    underlay_eth, ///< Ethernet frames carrying outer IPv4/IPv6 + UDP + WireGuard (DPDK ports)
    underlay_udp, ///< UDP payloads only; the remote endpoint is in pkt_meta (io_uring sockets)
    access_eth,   ///< Ethernet frames carrying plaintext inner IP (DPDK access port)
    access_ip,    ///< bare plaintext inner IP packets (TUN device)
};

/// A packet port. One indirect call per burst, never per packet.
class port {
public:
    virtual ~port() = default;

    /// Receives up to pkts.size() packets into pkts; returns how many were written.
    /// Never blocks. The caller owns the returned mbufs.
    virtual uint16_t rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept = 0;

    /// Transmits packets; returns how many were accepted (and are now owned by the port).
    /// The caller still owns pkts[returned..] and must free or retry them.
    virtual uint16_t tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept = 0;

    /// The shape of this port's packets.
    virtual port_kind kind() const noexcept = 0;

    /// A short name for logs and stats ("dpdk:net_memif0", "uring:udp4:51820", "fake:a").
    virtual const char* name() const noexcept = 0;
};

} // namespace edgerelay::drv
