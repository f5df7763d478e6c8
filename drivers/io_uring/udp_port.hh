// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Underlay UDP port over io_uring (multishot recvmsg, provided buffers), with a recvmmsg fallback.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/io_uring/uring_common.hh"
#include "drivers/port.hh"

struct rte_mempool;

namespace edgerelay::drv {

/// Address families the port listens on.
enum class udp_family : uint8_t {
    ipv4, ///< AF_INET socket
    ipv6, ///< AF_INET6 socket with IPV6_V6ONLY
    dual, ///< AF_INET6 socket accepting IPv4-mapped traffic too (bind address must be "::")
};

/// Start-up configuration of a uring_udp_port.
struct uring_udp_config {
    udp_family family = udp_family::dual;
    std::string bind_address;      ///< numeric address; empty = wildcard of the family
    uint16_t listen_port = 51820;  ///< 0 = kernel-chosen (tests); every queue shares it
    uint16_t n_queues = 1;         ///< one socket and one ring set per worker queue
    uint16_t port_index = 0;       ///< written to pkt_meta.port_index on receive
    rte_mempool* pool = nullptr;   ///< mbufs for received packets (pkt_pool_create())
    uint32_t ring_entries = 256;   ///< SQ size per ring; bounds sends in flight per queue
    uint32_t rx_buffers = 512;     ///< provided buffers per queue (power of two)
    uint32_t rx_buffer_size = 2048; ///< bytes per provided buffer, headers included
    int socket_buffer_bytes = 4 << 20; ///< SO_RCVBUF/SO_SNDBUF; 0 leaves the default
    bool force_fallback = false;   ///< use recvmmsg/sendmmsg even where io_uring works
};

/// A port_kind::underlay_udp port: one SO_REUSEPORT UDP socket per queue, bound to the
/// overlay port, so the kernel spreads flows over the workers' queues.
///
/// rx_burst() returns mbufs holding one UDP payload each, with pkt_meta.remote = source,
/// pkt_meta.local = the address it was sent to (IP_PKTINFO / IPV6_PKTINFO), port_index,
/// payload_off = 0 and payload_len = the payload length.
/// tx_burst() sends each mbuf's data to pkt_meta.remote; when pkt_meta.local is set and
/// of the destination's family it is used as the source address (as WireGuard's sticky
/// sockets do). Accepted mbufs are freed by the port once the kernel completed the send.
///
/// Queue q must only ever be used by one thread at a time (worker q), and in io_uring mode
/// always by the same thread: the first rx_burst() arms the receive from that thread, and
/// the kernel cancels a thread's io_uring requests when it exits.
class uring_udp_port final : public port {
public:
    /// Opens and binds the sockets and sets up the rings (or the fallback).
    /// @throws std::runtime_error naming the cause and the fix: port already bound by
    ///         another process, address not on this host, port below 1024 without
    ///         CAP_NET_BIND_SERVICE, bad configuration, locked-memory limit.
    explicit uring_udp_port(const uring_udp_config& cfg);
    ~uring_udp_port() override;
    uring_udp_port(const uring_udp_port&) = delete;
    uring_udp_port& operator=(const uring_udp_port&) = delete;

    /// Never blocks; in io_uring mode makes no system call except to (re-)arm the
    /// multishot receive (first call, and after the kernel ended it, e.g. all provided
    /// buffers were in use). Drops (and counts) packets when the pool is empty.
    uint16_t rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept override;

    /// One io_uring_submit() (or one sendmmsg()) per burst. Returns fewer than pkts.size()
    /// when all send slots are in flight (io_uring) or the socket buffer is full
    /// (fallback). Packets the kernel refuses (no route, bad address) count as accepted
    /// and are dropped and counted in tx_errors.
    uint16_t tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept override;

    port_kind kind() const noexcept override { return port_kind::underlay_udp; }
    const char* name() const noexcept override { return _name.c_str(); }

    /// "io_uring" or "recvmmsg".
    const char* mode() const noexcept { return _uring ? "io_uring" : "recvmmsg"; }
    /// Why the fallback was chosen (empty in io_uring mode).
    const std::string& fallback_reason() const noexcept { return _fallback_reason; }
    /// The bound UDP port (useful when listen_port was 0).
    uint16_t local_port() const noexcept { return _local_port; }
    uint16_t n_queues() const noexcept { return _n_queues; }
    /// The socket of queue q (for tests and diagnostics; do not read from it).
    int fd(uint16_t queue) const noexcept;
    /// Counters of queue q; only exact when read by the queue's own thread.
    const uring_queue_stats& stats(uint16_t queue) const noexcept;

    struct queue;

private:
    uint16_t rx_uring(queue& q, std::span<pkt*> pkts) noexcept;
    uint16_t tx_uring(queue& q, std::span<pkt* const> pkts) noexcept;
    uint16_t rx_mmsg(queue& q, std::span<pkt*> pkts) noexcept;
    uint16_t tx_mmsg(queue& q, std::span<pkt* const> pkts) noexcept;
    void rx_arm(queue& q) noexcept;
    void close_all() noexcept;

    std::string _name;
    std::string _fallback_reason;
    std::unique_ptr<queue[]> _queues;
    rte_mempool* _pool;
    int _sock_family;
    uint16_t _n_queues;
    uint16_t _port_index;
    uint16_t _local_port = 0;
    bool _uring;
};

} // namespace edgerelay::drv
