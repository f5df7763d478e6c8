// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A strict validator of the Prometheus text exposition format 0.0.4 (our own parser, no deps).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace edgerelay::promcheck {

struct options {
    /// Refuse samples whose family has no TYPE line (our exposition always writes one).
    bool require_type = true;
};

struct result {
    bool ok = false;
    size_t families = 0; ///< distinct metric families (declared or sampled)
    size_t samples = 0;  ///< sample lines
    size_t line = 0;     ///< 1-based line of the first error, 0 when ok
    std::string error;   ///< what is wrong there, empty when ok
};

/// Checks a whole exposition and stops at the first error. Total: any byte string is answered,
/// nothing is thrown. Rules: line grammar, metric/label name syntax, escapes in HELP and label
/// values, UTF-8, numbers (incl. NaN, +Inf, -Inf) and timestamps, HELP/TYPE at most once per
/// family and before its samples, a family's samples contiguous, known TYPE values, counters
/// non-negative, duplicate series, histograms (le parses, ascending, buckets cumulative,
/// +Inf present and equal to _count, _sum present) and summaries (quantile in [0, 1]).
result check(std::string_view text, const options& opt = {});

/// "ok: N families, M samples" or "line L: <error>".
std::string describe(const result& r);

} // namespace edgerelay::promcheck
