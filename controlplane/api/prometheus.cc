// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The Prometheus text-format writer: validation first, then one line per sample.
#include "controlplane/api/prometheus.hh"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace edgerelay::cp::api {
namespace {

bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

std::string_view type_name(metric_type t)
{
    switch (t) {
    case metric_type::counter:
        return "counter";
    case metric_type::gauge:
        return "gauge";
    case metric_type::histogram:
        return "histogram";
    }
    return "untyped";
}

// One key per series of a family, independent of label order: Prometheus identifies a series
// by its label set, so {a="1",b="2"} and {b="2",a="1"} are duplicates.
std::string series_key(std::string_view name, const metric_labels& labels, std::string_view le)
{
    std::vector<std::pair<std::string_view, std::string_view>> sorted;
    sorted.reserve(labels.size() + 1);
    for (const auto& [k, v] : labels) {
        sorted.emplace_back(k, v);
    }
    if (!le.empty()) {
        sorted.emplace_back("le", le);
    }
    std::sort(sorted.begin(), sorted.end());
    std::string key(name);
    for (const auto& [k, v] : sorted) {
        key += '\0';
        key += k;
        key += '\0';
        key += v;
    }
    return key;
}

} // namespace

bool valid_metric_name(std::string_view name) noexcept
{
    if (name.empty() || !(name_start(name[0]) || name[0] == ':')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) noexcept
{
    if (name.empty() || !name_start(name[0]) || name.starts_with("__")) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), name_char);
}

std::string escape_label_value(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double v)
{
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    if (ec != std::errc()) {
        return "NaN"; // cannot happen with 64 bytes; a valid token beats a broken line
    }
    return std::string(buf, end);
}

bool prometheus_writer::fail(std::string message)
{
    if (_error.empty()) {
        _error = std::move(message);
    }
    return false;
}

bool prometheus_writer::family(std::string_view name, std::string_view help, metric_type type)
{
    if (!valid_metric_name(name)) {
        return fail("invalid metric name '" + std::string(name) + "'");
    }
    std::string n(name);
    std::vector<std::string> names{n};
    if (type == metric_type::histogram) {
        names.push_back(n + "_bucket");
        names.push_back(n + "_sum");
        names.push_back(n + "_count");
    }
    for (const auto& x : names) {
        if (_used.contains(x)) {
            return fail("metric family '" + n + "' written twice (or collides with another)");
        }
    }
    _used.insert(names.begin(), names.end());
    _name = std::move(n);
    _type = type;
    _series.clear();
    _out += "# HELP ";
    _out += _name;
    _out += ' ';
    _out += escape_help(help);
    _out += "\n# TYPE ";
    _out += _name;
    _out += ' ';
    _out += type_name(type);
    _out += '\n';
    return true;
}

bool prometheus_writer::write_labels(const metric_labels& labels, std::string_view le)
{
    // Validation only: nothing is written unless every label is fine.
    for (size_t i = 0; i < labels.size(); ++i) {
        const auto& k = labels[i].first;
        if (!valid_label_name(k)) {
            return fail("invalid label name '" + k + "' in " + _name);
        }
        if (!le.empty() && k == "le") {
            return fail("label 'le' is reserved for histogram buckets in " + _name);
        }
        for (size_t j = 0; j < i; ++j) {
            if (labels[j].first == k) {
                return fail("label '" + k + "' repeated in " + _name);
            }
        }
    }
    return true;
}

void prometheus_writer::write_line(std::string_view name, const metric_labels& labels,
                                   std::string_view le, std::string_view value)
{
    _out += name;
    if (!labels.empty() || !le.empty()) {
        _out += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) {
                _out += ',';
            }
            first = false;
            _out += k;
            _out += "=\"";
            _out += escape_label_value(v);
            _out += '"';
        }
        if (!le.empty()) {
            if (!first) {
                _out += ',';
            }
            _out += "le=\"";
            _out += le;
            _out += '"';
        }
        _out += '}';
    }
    _out += ' ';
    _out += value;
    _out += '\n';
}

bool prometheus_writer::sample(const metric_labels& labels, double value)
{
    if (_name.empty() || _type == metric_type::histogram) {
        return fail("sample outside a counter or gauge family");
    }
    if (_type == metric_type::counter && !(value >= 0)) {
        return fail("counter " + _name + " given a negative or NaN value");
    }
    if (!write_labels(labels, {})) {
        return false;
    }
    if (!_series.insert(series_key(_name, labels, {})).second) {
        return fail("duplicate series in " + _name);
    }
    write_line(_name, labels, {}, format_value(value));
    return true;
}

bool prometheus_writer::sample(const metric_labels& labels, uint64_t value)
{
    if (_name.empty() || _type == metric_type::histogram) {
        return fail("sample outside a counter or gauge family");
    }
    if (!write_labels(labels, {})) {
        return false;
    }
    if (!_series.insert(series_key(_name, labels, {})).second) {
        return fail("duplicate series in " + _name);
    }
    write_line(_name, labels, {}, std::to_string(value));
    return true;
}

bool prometheus_writer::histogram(const metric_labels& labels, std::span<const double> upper_bounds,
                                  std::span<const uint64_t> counts, double sum)
{
    if (_name.empty() || _type != metric_type::histogram) {
        return fail("histogram series outside a histogram family");
    }
    if (counts.size() != upper_bounds.size() + 1) {
        return fail("histogram " + _name + ": counts must have one more entry than bounds");
    }
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
        if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i]))) {
            return fail("histogram " + _name + ": bounds must be finite and strictly ascending");
        }
    }
    if (!write_labels(labels, "+Inf")) {
        return false;
    }
    if (!_series.insert(series_key(_name, labels, {})).second) {
        return fail("duplicate series in " + _name);
    }
    std::string bucket = _name + "_bucket";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
        cumulative += counts[i];
        write_line(bucket, labels, format_value(upper_bounds[i]), std::to_string(cumulative));
    }
    cumulative += counts.back();
    write_line(bucket, labels, "+Inf", std::to_string(cumulative));
    write_line(_name + "_sum", labels, {}, format_value(sum));
    write_line(_name + "_count", labels, {}, std::to_string(cumulative));
    return true;
}

} // namespace edgerelay::cp::api
