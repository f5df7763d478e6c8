// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Per-worker counters: written by one worker without atomics, read by the exporter.
#pragma once

#include <cstdint>

#include "common/abi/segment.hh"
#include "dataplane/drop_reason.hh"

namespace edgerelay::dp {

/// Per peer and per worker: 32 bytes, so 100 000 peers cost 3.2 MB per worker. They live in the
/// segment (abi::segment::peer_counters), so the control plane reads them without an export
/// step; the worker writes them with abi::counter_add (single writer: no locked instruction).
using peer_counters = abi::peer_stats;

/// One worker's counters. Only that worker writes them (plain stores, no atomics): the
/// exporter copies them to the segment at housekeeping, where a torn 64-bit read cannot
/// happen on x86-64. Aligned so two workers never share a cache line.
struct alignas(64) worker_counters {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t decrypted;       ///< transport messages whose tag verified
    uint64_t encrypted;
    uint64_t keepalives_rx;   ///< authenticated empty transport messages, consumed
    uint64_t punted;          ///< handshake and cookie messages sent to the control plane
    uint64_t control_punted;  ///< inner packets routed to next_hop_control, sent to it
    uint64_t local_delivered; ///< inner packets handed to the access side
    uint64_t events;          ///< events raised (rekey, expiry, roaming, confirmation)
    uint64_t events_lost;     ///< events dropped because the event buffer was full
    uint64_t drops[drop_reason_count];
    uint64_t drops_total;

    void drop(drop_reason r) noexcept
    {
        drops[static_cast<uint8_t>(r)]++;
        drops_total++;
    }
};

} // namespace edgerelay::dp
