// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's counters, the sequence tracker behind unique/duplicates/reordered, and the reports.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

namespace edgerelay::tools::wgflow {

struct stats {
    // Sending side.
    uint64_t sent = 0;            ///< data messages sealed with a fresh counter and sent
    uint64_t keepalives_sent = 0;
    uint64_t dup_sent = 0;        ///< earlier messages resent unchanged (--duplicate-every, replay)
    uint64_t send_errors = 0;
    uint64_t echoed = 0;          ///< echo: answers sent
    // Receiving side, in the order open() judges a datagram.
    uint64_t malformed = 0;
    uint64_t bad_index = 0;
    uint64_t replayed = 0;
    uint64_t bad_tag = 0;
    uint64_t keepalives = 0;
    uint64_t received = 0;        ///< authenticated data messages
    uint64_t wrong_dst = 0;       ///< inner destination is not --src
    uint64_t not_probe = 0;       ///< authenticated, but no wgflow sequence header in it
    uint64_t unique = 0;
    uint64_t duplicates = 0;
    uint64_t reordered = 0;
    uint64_t lost = 0;            ///< filled in at the end from what was expected
    // Timing.
    uint64_t max_gap_ns = 0;      ///< longest silence between two data messages
    uint64_t delay_sum_ns = 0;    ///< one-way (recv) or round-trip (send --expect-echo)
    uint64_t delay_min_ns = UINT64_MAX;
    uint64_t delay_max_ns = 0;
    uint64_t delay_samples = 0;
    uint64_t elapsed_ns = 0;

    void add_delay(uint64_t ns) noexcept;

    /// The final one-line JSON report. delay_name is "latency" (one-way) or "rtt".
    std::string json(const char* mode, const char* delay_name) const;
    /// The --progress line.
    std::string progress_line(const char* mode) const;
};

/// Classifies sequence numbers as they arrive. Exact (a set, not a window): a test run is
/// bounded, and a duplicate from far back is exactly what it must report.
class seq_tracker {
public:
    /// Counts seq into s.unique, s.duplicates or s.reordered (reordered: fresh but below the
    /// highest seen). Returns false for a duplicate.
    bool record(uint64_t seq, stats& s);

private:
    std::unordered_set<uint64_t> _seen;
    uint64_t _highest = 0;
    bool _any = false;
};

} // namespace edgerelay::tools::wgflow
