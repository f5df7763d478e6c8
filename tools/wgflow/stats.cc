// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's report formats and sequence tracking.
#include "tools/wgflow/stats.hh"

#include <cstdio>

namespace edgerelay::tools::wgflow {

void stats::add_delay(uint64_t ns) noexcept
{
    delay_sum_ns += ns;
    delay_samples++;
    delay_min_ns = ns < delay_min_ns ? ns : delay_min_ns;
    delay_max_ns = ns > delay_max_ns ? ns : delay_max_ns;
}

namespace {

double ms(uint64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

} // namespace

std::string stats::json(const char* mode, const char* delay_name) const
{
    double avg = delay_samples ? ms(delay_sum_ns) / static_cast<double>(delay_samples) : 0.0;
    double min = delay_samples ? ms(delay_min_ns) : 0.0;
    char buf[1024];
    std::snprintf(buf, sizeof(buf),
                  "{\"mode\":\"%s\",\"sent\":%lu,\"received\":%lu,\"unique\":%lu,"
                  "\"duplicates\":%lu,\"reordered\":%lu,\"lost\":%lu,\"bad_tag\":%lu,"
                  "\"max_gap_ms\":%.3f,\"replayed\":%lu,\"bad_index\":%lu,\"malformed\":%lu,"
                  "\"wrong_dst\":%lu,\"not_probe\":%lu,\"keepalives\":%lu,"
                  "\"keepalives_sent\":%lu,\"dup_sent\":%lu,\"echoed\":%lu,\"send_errors\":%lu,"
                  "\"%s_min_ms\":%.3f,\"%s_avg_ms\":%.3f,\"%s_max_ms\":%.3f,\"elapsed_s\":%.3f}",
                  mode, sent, received, unique, duplicates, reordered, lost, bad_tag,
                  ms(max_gap_ns), replayed, bad_index, malformed, wrong_dst, not_probe,
                  keepalives, keepalives_sent, dup_sent, echoed, send_errors, delay_name, min,
                  delay_name, avg, delay_name, ms(delay_max_ns), ms(elapsed_ns) / 1000.0);
    return buf;
}

std::string stats::progress_line(const char* mode) const
{
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "wgflow %s %.0fs: sent=%lu received=%lu unique=%lu dup=%lu reord=%lu "
                  "replayed=%lu bad_tag=%lu bad_index=%lu echoed=%lu",
                  mode, ms(elapsed_ns) / 1000.0, sent, received, unique, duplicates, reordered,
                  replayed, bad_tag, bad_index, echoed);
    return buf;
}

bool seq_tracker::record(uint64_t seq, stats& s)
{
    if (!_seen.insert(seq).second) {
        s.duplicates++;
        return false;
    }
    s.unique++;
    if (_any && seq < _highest) {
        s.reordered++;
    }
    if (!_any || seq > _highest) {
        _highest = seq;
    }
    _any = true;
    return true;
}

} // namespace edgerelay::tools::wgflow
