// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Access port over a multi-queue TUN device, driven by io_uring or by plain read/writev.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/io_uring/uring_common.hh"
#include "drivers/port.hh"

struct rte_mempool;

namespace edgerelay::drv {

/// Start-up configuration of a uring_tun_port.
struct uring_tun_config {
    std::string ifname = "er0";  ///< device name (< 16 chars); "er%d" lets the kernel number it
    uint16_t n_queues = 1;       ///< one TUN queue (fd) and ring set per worker queue
    uint16_t port_index = 0;     ///< written to pkt_meta.port_index on receive
    rte_mempool* pool = nullptr; ///< mbufs for received packets (pkt_pool_create())
    uint32_t mtu = 1420;         ///< set with SIOCSIFMTU; 0 leaves the kernel default
    bool set_up = true;          ///< bring the link up (SIOCSIFFLAGS IFF_UP)
    uint32_t ring_entries = 256; ///< SQ size of the send ring; bounds writes in flight
    uint32_t rx_reads = 32;      ///< reads kept in flight per queue (io_uring mode)
    bool force_fallback = false; ///< use read/writev even where io_uring works
};

/// A port_kind::access_ip port: bare IP packets from and to a TUN device created with
/// IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, one file descriptor per queue. The device is
/// not persistent: it disappears when the port is destroyed.
///
/// The port sets the MTU and the up flag only. Addresses and routes are the caller's job
/// (`ip addr add 10.0.0.1/24 dev er0`, `ip route add ...`), because they are site policy
/// and the operator already expresses them with ip(8) or systemd-networkd.
///
/// In io_uring mode `rx_reads` reads stay in flight per queue, each straight into an mbuf
/// (no copy): rx_burst() hands over the completed ones and queues fresh reads with one
/// io_uring_submit(). tx_burst() queues one write per packet and submits once; the mbufs
/// are freed when the writes complete. Queue q must be used by one thread only, always
/// the same in io_uring mode (its requests are cancelled when that thread exits).
class uring_tun_port final : public port {
public:
    /// Creates the device and its queues, sets MTU and link up.
    /// @throws std::runtime_error naming the cause and the fix: no /dev/net/tun, missing
    ///         CAP_NET_ADMIN, a device of that name with other flags, bad configuration.
    explicit uring_tun_port(const uring_tun_config& cfg);
    ~uring_tun_port() override;
    uring_tun_port(const uring_tun_port&) = delete;
    uring_tun_port& operator=(const uring_tun_port&) = delete;

    /// Never blocks. In io_uring mode one io_uring_submit() per burst that received
    /// packets (to queue new reads); none when idle. Fallback: read() until EAGAIN.
    uint16_t rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept override;

    /// Accepted packets are owned by the port. Returns fewer than pkts.size() only when
    /// every send slot is in flight. Packets the kernel refuses (malformed IP, link down)
    /// are dropped and counted in tx_errors.
    uint16_t tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept override;

    port_kind kind() const noexcept override { return port_kind::access_ip; }
    const char* name() const noexcept override { return _name.c_str(); }

    /// "io_uring" or "readv" (the fallback).
    const char* mode() const noexcept { return _uring ? "io_uring" : "readv"; }
    /// Why the fallback was chosen (empty in io_uring mode).
    const std::string& fallback_reason() const noexcept { return _fallback_reason; }
    /// The device name the kernel gave (resolves "er%d").
    const std::string& ifname() const noexcept { return _ifname; }
    int ifindex() const noexcept { return _ifindex; }
    uint16_t n_queues() const noexcept { return _n_queues; }
    /// Counters of queue q; only exact when read by the queue's own thread.
    const uring_queue_stats& stats(uint16_t queue) const noexcept;

    struct queue;

private:
    uint16_t rx_uring(queue& q, std::span<pkt*> pkts) noexcept;
    uint16_t tx_uring(queue& q, std::span<pkt* const> pkts) noexcept;
    uint16_t rx_read(queue& q, std::span<pkt*> pkts) noexcept;
    uint16_t tx_write(queue& q, std::span<pkt* const> pkts) noexcept;
    void rx_refill(queue& q) noexcept;
    void close_all() noexcept;

    std::string _name;
    std::string _ifname;
    std::string _fallback_reason;
    std::unique_ptr<queue[]> _queues;
    rte_mempool* _pool;
    int _ifindex = 0;
    uint16_t _n_queues;
    uint16_t _port_index;
    bool _uring = false;
};

} // namespace edgerelay::drv
