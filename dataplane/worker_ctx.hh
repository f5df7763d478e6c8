// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A worker's private state for one burst: tables it reads, its engine, counters and outputs.
#pragma once

#include <cstdint>

#include <rte_mbuf.h>

#include "common/wire/endpoint.hh"
#include "dataplane/counters.hh"
#include "dataplane/limits.hh"
#include "drivers/port.hh"

namespace edgerelay::crypto {
class aead_burst_engine;
}

namespace edgerelay::dp {

class table_set;
using drv::pkt;

/// Something the slow path must know; raised by workers, drained by the applier thread.
struct dp_event {
    enum type_t : uint8_t {
        rekey_needed,      ///< REKEY_AFTER_MESSAGES or (initiator) REKEY_AFTER_TIME reached on send
        keypair_expired,   ///< REJECT_AFTER_TIME passed: the keypair is refused from now on
        endpoint_roamed,   ///< an authenticated packet came from a new endpoint
        keypair_confirmed, ///< first authenticated packet on the peer's `next` keypair
        handshake_wanted,  ///< a packet to send found no usable current keypair
    };
    type_t type;
    uint16_t port_index;
    peer_id peer;
    uint32_t local_index;
    wire::endpoint remote;
};

/// Bounded per-burst event list; the worker loop drains it after every burst.
struct event_buffer {
    static constexpr uint16_t capacity = 64;
    dp_event items[capacity];
    uint16_t n = 0;

    /// Returns false (and the caller counts events_lost) when full.
    bool push(const dp_event& e) noexcept
    {
        if (n == capacity) {
            return false;
        }
        items[n++] = e;
        return true;
    }
};

inline constexpr uint16_t max_ports = 8;
inline constexpr uint16_t no_port = UINT16_MAX;

/// Packets a burst produced for one output port.
struct tx_list {
    pkt* pkts[max_burst];
    uint16_t n = 0;
};

/// Everything a stage needs. Owned by exactly one worker: no field is shared writable.
struct worker_ctx {
    // --- set at start-up ---
    const table_set* tables = nullptr;
    crypto::aead_burst_engine* aead = nullptr;
    worker_counters* counters = nullptr;
    peer_counters* peer_stats = nullptr;  ///< [max_peers] for this worker
    uint32_t max_peers = 0;
    uint16_t worker_id = 0;
    uint16_t overlay_port = 51820;        ///< our WireGuard UDP port (host order)
    uint16_t mtu = 1420;                  ///< inner MTU: padding never exceeds it
    uint16_t n_ports = 0;
    drv::port_kind port_kinds[max_ports]{};
    uint16_t access_port = no_port;       ///< index of the local access port, if any
    uint8_t access_src_mac[6]{};          ///< access_eth: our MAC
    uint8_t access_dst_mac[6]{};          ///< access_eth: the local host's MAC
    bool udp4_checksum = false;           ///< compute UDP checksums over IPv4 (optional there)
    /// REKEY_TIMEOUT in TSC ticks: the least time between two handshake_wanted events for one
    /// peer. 0: never raise them (benchmarks and tests that do not drain events).
    uint64_t handshake_wanted_every = 0;

    // --- per burst ---
    uint64_t now_tsc = 0;                 ///< rte_rdtsc() at the start of the burst
    event_buffer events;
    tx_list tx[max_ports];
    pkt* punted[max_burst];
    uint16_t n_punted = 0;
    pkt* dropped[2 * max_burst];
    uint16_t n_dropped = 0;

    /// Counts the drop and queues the mbuf for one bulk free at the end of the burst.
    void drop(pkt* m, drop_reason r) noexcept
    {
        counters->drop(r);
        consume(m);
    }

    /// Queues a consumed packet (not a drop: nothing is counted) for the same bulk free.
    void consume(pkt* m) noexcept
    {
        dropped[n_dropped++] = m;
        if (n_dropped == 2 * max_burst) [[unlikely]] {
            flush_drops();
        }
    }

    void flush_drops() noexcept
    {
        rte_pktmbuf_free_bulk(dropped, n_dropped);
        n_dropped = 0;
    }

    void raise(const dp_event& e) noexcept
    {
        if (events.push(e)) {
            counters->events++;
        } else {
            counters->events_lost++;
        }
    }
};

} // namespace edgerelay::dp
