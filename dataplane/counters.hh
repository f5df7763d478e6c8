// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Per-worker counters: written by one worker without atomics, read by the exporter.
#pragma once

#include <cstdint>

#include "dataplane/drop_reason.hh"

namespace edgerelay::dp {

/// Per peer and per worker: 32 bytes, so 100 000 peers cost 3.2 MB per worker.
struct peer_counters {
    uint64_t rx_packets;
    uint64_t rx_bytes;   ///< inner (plaintext) bytes received from the peer
    uint64_t tx_packets;
    uint64_t tx_bytes;   ///< inner (plaintext) bytes sent to the peer
};

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
