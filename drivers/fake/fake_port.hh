// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// An in-memory port pair for whole-pipeline tests (wireguard-go's bindtest, VPP's pg).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/port.hh"

struct rte_ring;

namespace edgerelay::drv {

/// One end of a fake link: what is sent on one end is received on the other, in order,
/// through a bounded rte_ring. A full ring refuses packets like a full NIC queue.
class fake_port final : public port {
public:
    uint16_t rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept override;
    uint16_t tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept override;
    port_kind kind() const noexcept override { return _kind; }
    const char* name() const noexcept override { return _name.c_str(); }

    /// Index written into pkt_meta.port_index of every received packet.
    void set_port_index(uint16_t index) noexcept { _port_index = index; }

    /// Packets transmitted / received through this end since creation.
    uint64_t tx_packets() const noexcept { return _tx_count; }
    uint64_t rx_packets() const noexcept { return _rx_count; }

    ~fake_port() override;

private:
    friend struct fake_link;
    fake_port(std::string name, port_kind kind, rte_ring* rx, rte_ring* tx, bool owns_rings);

    std::string _name;
    port_kind _kind;
    rte_ring* _rx;
    rte_ring* _tx;
    bool _owns_rings;
    uint16_t _port_index = 0;
    uint64_t _tx_count = 0;
    uint64_t _rx_count = 0;
};

/// A link of two fake ports. Each side has its own kind, so a test can connect a
/// relay's underlay port (underlay_eth or underlay_udp) to a test "wire" end.
struct fake_link {
    std::unique_ptr<fake_port> a;
    std::unique_ptr<fake_port> b;

    /// Creates both ends with rings of `capacity` packets (a power of two). Throws
    /// std::runtime_error when DPDK cannot create the rings (start-up only).
    static fake_link create(const std::string& name, port_kind kind_a, port_kind kind_b,
                            unsigned capacity = 1024);
};

} // namespace edgerelay::drv
