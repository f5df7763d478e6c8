// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// DPDK ethdev port (PCI, net_memif, net_af_packet, net_af_xdp, net_tap, net_ring) behind drv::port.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "drivers/port.hh"

struct rte_mempool;

namespace edgerelay::drv {

/// Starts DPDK's EAL with args (args[0] is the program name, as in argv).
/// @return true if this call initialised EAL, false if it was already initialised in this
///         process (tests start it from their environment; EAL cannot start twice).
/// @throws std::runtime_error naming rte_errno and the likely fix (hugepages, permissions,
///         bad arguments). Note that EAL refuses a second attempt after a failed one.
bool eal_init(std::vector<std::string> args);

/// How to open one ethdev port. Start-up configuration.
struct port_config {
    /// Device name as given to --vdev ("net_memif0") or a PCI address ("0000:3b:00.0").
    std::string name;
    /// What the pipeline expects on this port: underlay_eth or access_eth.
    port_kind kind = port_kind::underlay_eth;
    /// Index stamped into pkt_meta.port_index on receive; 0xffff uses the ethdev port id.
    uint16_t index = 0xffff;
    /// One RX/TX queue pair per worker.
    uint16_t n_queues = 1;
    /// Descriptor ring sizes; the device may round them (rte_eth_dev_adjust_nb_rx_tx_desc).
    uint16_t rx_ring = 1024;
    uint16_t tx_ring = 1024;
    /// Underlay IP MTU; the max frame follows from it (1500 → 1518 with Ethernet + CRC).
    uint16_t mtu = 1500;
    /// Size of the shared per-socket packet pool if this open creates it (2^n - 1 is best
    /// for the mempool ring). Ports opened later on the same socket share that pool.
    unsigned pool_mbufs = 16383;
};

/// Link state as reported by the driver.
struct link_info {
    bool up = false;
    uint32_t speed_mbps = 0; ///< 0 if unknown
    bool full_duplex = false;
};

/// Counter snapshot (from the ethdev xstats basic set).
struct port_stats {
    uint64_t rx_packets = 0;
    uint64_t tx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_missed = 0; ///< dropped by the NIC: RX ring full (workers too slow)
    uint64_t rx_errors = 0;
    uint64_t tx_errors = 0;
    uint64_t rx_nombuf = 0; ///< RX refill failed: packet pool exhausted
};

/// One ethdev port, configured and started. Queue q is used by worker q only.
class dpdk_port final : public port {
public:
    /// Looks the device up by name, configures it (queues, RSS on the outer 5-tuple when
    /// n_queues > 1, checksum offloads when the device has them, promiscuous off, MTU),
    /// sets up its queues on the per-socket packet pool and starts it.
    /// @throws std::runtime_error naming the port, the cause and the fix: unknown device,
    ///         too many queues, pool creation failure (hugepages), configure/start errors.
    static std::unique_ptr<dpdk_port> open(const port_config& cfg);

    /// Stops and closes the port.
    ~dpdk_port() override;

    dpdk_port(const dpdk_port&) = delete;
    dpdk_port& operator=(const dpdk_port&) = delete;

    /// rte_eth_rx_burst on queue; stamps pkt_meta.port_index. Never blocks.
    uint16_t rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept override;

    /// rte_eth_tx_burst on queue; the caller keeps pkts[returned..].
    uint16_t tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept override;

    port_kind kind() const noexcept override { return _kind; }

    /// "dpdk:<device name>".
    const char* name() const noexcept override { return _name.c_str(); }

    /// ethdev port id.
    uint16_t port_id() const noexcept { return _port_id; }

    /// NUMA socket of the device, -1 if unknown.
    int socket() const noexcept { return _socket; }

    /// Number of RX/TX queue pairs.
    uint16_t n_queues() const noexcept { return _n_queues; }

    /// True if the device computes IPv4 header and UDP checksums on transmit: the encap
    /// stage then sets RTE_MBUF_F_TX_IPV4 | _IP_CKSUM | _UDP_CKSUM and the pseudo-header
    /// sum instead of computing them in software.
    bool tx_cksum_offload() const noexcept { return _tx_cksum; }

    /// True if RX checksum status is reported in ol_flags (RTE_MBUF_F_RX_*_CKSUM_*).
    bool rx_cksum_offload() const noexcept { return _rx_cksum; }

    /// True if RSS spreads flows over the queues (false with one queue or no RSS support).
    bool rss() const noexcept { return _rss; }

    /// Pool the RX queues refill from (shared by every port on this socket).
    rte_mempool* pool() const noexcept { return _pool; }

    /// Current link state without waiting.
    link_info link_status() const noexcept;

    /// The port's MAC address.
    std::array<uint8_t, 6> mac() const noexcept;

    /// Counter snapshot. No allocation; safe to call from a housekeeping loop.
    port_stats stats() const noexcept;

    /// Every xstat the driver exposes, by name. Slow path (allocates).
    std::vector<std::pair<std::string, uint64_t>> xstats() const;

    /// Notes from configuration the operator may want logged (e.g. RSS unsupported).
    const std::vector<std::string>& notes() const noexcept { return _notes; }

    /// Stops the port (no more RX/TX). Idempotent.
    void stop() noexcept;

    /// Stops and closes the port, releasing its queues. Idempotent.
    void close() noexcept;

private:
    dpdk_port() = default;

    enum stat_slot : unsigned {
        st_rx_packets,
        st_tx_packets,
        st_rx_bytes,
        st_tx_bytes,
        st_rx_missed,
        st_rx_errors,
        st_tx_errors,
        st_rx_nombuf,
        st_count,
    };

    std::string _name;
    port_kind _kind = port_kind::underlay_eth;
    uint16_t _port_id = 0;
    uint16_t _index = 0;
    uint16_t _n_queues = 0;
    int _socket = -1;
    bool _tx_cksum = false;
    bool _rx_cksum = false;
    bool _rss = false;
    bool _started = false;
    bool _closed = true; // until started: a failed open must not close the device
    rte_mempool* _pool = nullptr;
    unsigned _pool_reserved = 0; // mbufs this port's rings may hold, returned on close
    std::array<uint64_t, st_count> _xstat_ids{};
    bool _have_xstat_ids = false;
    std::vector<std::string> _notes;
};

} // namespace edgerelay::drv
