// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Per-source token bucket for handshake messages under load (the Linux module's ratelimiter.c).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "common/wire/endpoint.hh"
#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp {

/// Token bucket per source address: `packets_per_second` sustained, `burst` at once.
/// IPv4 sources are keyed by the full address, IPv6 by their /64 (one host usually owns a
/// whole /64, so keying by /128 would let it mint unlimited buckets). The port is ignored.
///
/// Memory is bounded: at most `max_entries` buckets. Buckets idle for one second are full
/// again and are dropped by a sweep; when the table is still full a new source is refused,
/// which under a flood is the safe answer. Not thread-safe (one control-plane thread).
class ratelimiter {
public:
    static constexpr uint32_t default_packets_per_second = 20;
    static constexpr uint32_t default_burst = 5;
    static constexpr size_t default_max_entries = 8192;

    /// @param packets_per_second sustained rate per source, > 0.
    /// @param burst packets allowed back to back after an idle period, > 0.
    /// @param max_entries bound on tracked sources, > 0.
    explicit ratelimiter(uint32_t packets_per_second = default_packets_per_second,
                         uint32_t burst = default_burst,
                         size_t max_entries = default_max_entries);

    /// Takes one token from src's bucket at monotonic time now.
    /// @return true if the packet may be processed; false if src is over its rate, or src is
    ///         new and the table is full.
    [[nodiscard]] bool allow(const wire::endpoint& src, nanos now);

    /// Number of tracked sources (for tests and metrics).
    size_t size() const noexcept { return _table.size(); }

private:
    struct key {
        uint8_t family;
        std::array<uint8_t, 8> addr;  // IPv4 in [0..3], IPv6 /64 prefix
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        std::array<uint8_t, 16> seed;  // SipHash key: sources cannot aim at one bucket chain
        size_t operator()(const key& k) const noexcept;
    };
    struct bucket {
        int64_t last_ns;
        int64_t tokens_ns;  // tokens expressed as nanoseconds of credit, like the kernel's
    };

    void sweep(nanos now);

    int64_t _packet_cost_ns;
    int64_t _token_max_ns;
    size_t _max_entries;
    int64_t _last_sweep_ns = 0;
    std::unordered_map<key, bucket, key_hash> _table;
};

} // namespace edgerelay::cp
