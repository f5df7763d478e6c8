// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A writer for the Prometheus text exposition format 0.0.4 (HELP, TYPE, samples, histograms).
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgerelay::cp::api {

/// The Content-Type of a /metrics answer in text format 0.0.4.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class metric_type { counter, gauge, histogram };

/// Label name/value pairs, written in the order given.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// True for a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name) noexcept;
/// True for a valid, non-reserved label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting "__".
bool valid_label_name(std::string_view name) noexcept;
/// Escapes a label value: backslash, double quote and newline (the format's only escapes).
std::string escape_label_value(std::string_view v);
/// Escapes HELP text: backslash and newline.
std::string escape_help(std::string_view v);
/// A sample value as the format writes it: shortest round-trip decimal, "NaN", "+Inf", "-Inf".
std::string format_value(double v);

/// Builds an exposition. Each family is opened once with family() and its samples follow it,
/// so a family's samples are always contiguous and its HELP/TYPE come first and only once.
/// Misuse (an invalid or repeated name, a sample of the wrong kind, a bad label name,
/// unsorted histogram bounds) writes nothing for that call and records the first error, so
/// a bug in a caller loses one series, not the whole scrape.
class prometheus_writer {
  public:
    /// Opens family `name` (HELP then TYPE). Returns false if the name is invalid or a family
    /// of that name (or one whose _bucket/_sum/_count names collide) was already opened.
    bool family(std::string_view name, std::string_view help, metric_type type);

    /// A counter or gauge sample of the current family. Counters refuse negative values.
    bool sample(const metric_labels& labels, double value);
    bool sample(const metric_labels& labels, uint64_t value);
    bool sample(double value) { return sample(metric_labels{}, value); }
    bool sample(uint64_t value) { return sample(metric_labels{}, value); }

    /// A histogram series of the current (histogram) family. `upper_bounds` ascending and
    /// finite; `counts[i]` observations in bucket i (not cumulative), with
    /// counts.size() == upper_bounds.size() + 1: the last is the overflow bucket (+Inf).
    /// Writes cumulative _bucket{le=...} lines including +Inf, then _sum and _count.
    bool histogram(const metric_labels& labels, std::span<const double> upper_bounds,
                   std::span<const uint64_t> counts, double sum);

    /// The exposition so far; every line ends with '\n'.
    const std::string& str() const noexcept { return _out; }
    std::string take() noexcept { return std::move(_out); }
    /// The first misuse seen, empty if none.
    const std::string& error() const noexcept { return _error; }

  private:
    bool fail(std::string message);
    bool write_labels(const metric_labels& labels, std::string_view le);
    void write_line(std::string_view name, const metric_labels& labels, std::string_view le,
                    std::string_view value);

    std::string _out;
    std::string _error;
    std::string _name;          // the open family, empty before the first
    metric_type _type = metric_type::counter;
    std::set<std::string, std::less<>> _used; // family names and the names their samples use
    std::set<std::string, std::less<>> _series; // name + labels of this family, for duplicates
};

} // namespace edgerelay::cp::api
