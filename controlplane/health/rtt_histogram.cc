// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A fixed-bucket RTT histogram shaped for a Prometheus histogram (le buckets in seconds).
#include "controlplane/health/rtt_histogram.hh"

namespace edgerelay::cp::health {

namespace {
// The bounds in integer nanoseconds, so a sample exactly on a bound lands in that bucket
// without floating-point rounding deciding it.
constexpr std::array<uint64_t, rtt_histogram::bounds_seconds.size()> bounds_ns = [] {
    std::array<uint64_t, rtt_histogram::bounds_seconds.size()> b{};
    for (size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<uint64_t>(rtt_histogram::bounds_seconds[i] * 1e9 + 0.5);
    }
    return b;
}();
} // namespace

void rtt_histogram::observe(std::chrono::nanoseconds rtt) noexcept
{
    const uint64_t ns = rtt.count() < 0 ? 0 : static_cast<uint64_t>(rtt.count());
    size_t i = 0;
    while (i < bounds_ns.size() && ns > bounds_ns[i]) {
        ++i;
    }
    ++_counts[i];
    ++_count;
    _sum_ns += ns;
}

uint64_t rtt_histogram::cumulative(size_t i) const noexcept
{
    uint64_t c = 0;
    for (size_t j = 0; j <= i && j < bucket_count; ++j) {
        c += _counts[j];
    }
    return c;
}

} // namespace edgerelay::cp::health
