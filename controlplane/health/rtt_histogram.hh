// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A fixed-bucket RTT histogram shaped for a Prometheus histogram (le buckets in seconds).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace edgerelay::cp::health {

/// Counts RTT samples into fixed buckets. Buckets are stored non-cumulative; cumulative()
/// gives Prometheus' `le` view. Fixed bounds keep every relay's series comparable.
class rtt_histogram {
  public:
    /// Upper bounds in seconds (inclusive, as Prometheus' `le`), 100 µs to 1 s; a last,
    /// implicit bucket is +Inf.
    static constexpr std::array<double, 13> bounds_seconds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
    static constexpr size_t bucket_count = bounds_seconds.size() + 1; ///< with +Inf

    /// Adds one sample (negative samples count as 0).
    void observe(std::chrono::nanoseconds rtt) noexcept;

    /// Samples in bucket i alone (i == bounds_seconds.size() is the +Inf bucket).
    uint64_t bucket(size_t i) const noexcept { return i < bucket_count ? _counts[i] : 0; }
    /// Samples <= bounds_seconds[i] (or all samples for the +Inf bucket): Prometheus' value.
    uint64_t cumulative(size_t i) const noexcept;
    uint64_t count() const noexcept { return _count; }
    /// Sum of all samples in seconds (Prometheus' _sum).
    double sum_seconds() const noexcept { return static_cast<double>(_sum_ns) / 1e9; }

  private:
    std::array<uint64_t, bucket_count> _counts{};
    uint64_t _count = 0;
    uint64_t _sum_ns = 0;
};

} // namespace edgerelay::cp::health
