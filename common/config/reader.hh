// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Typed, located access to a yaml-cpp tree: every failure becomes a config_error at its mark.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/config.hh"

namespace edgerelay::config {

/// One node with where to point at it and how to name it in an error.
struct field {
    YAML::Node node;
    YAML::Mark mark;  ///< the value's mark, or its key's when the value is empty
    std::string path; ///< e.g. "peers[1].endpoint"; empty for the document root
};

/// A mapping whose keys have been checked against a known set, with no duplicates.
struct mapping {
    field self;
    std::vector<std::pair<std::string, field>> entries; ///< in file order, nulls included

    /// Returns the entry, or nullptr when the key is absent or has an empty value (`key:`, `~`),
    /// which both mean "use the default".
    const field* get(std::string_view key) const;
    /// Returns whether the key is written at all, even with an empty value.
    bool has(std::string_view key) const;
};

/// Turns nodes into values, throwing config_error located in `file`.
class reader {
  public:
    explicit reader(std::string file) : _file(std::move(file)) {}

    const std::string& file() const noexcept { return _file; }

    /// Throws config_error at the mark (converted to 1-based line and column).
    [[noreturn]] void fail(const YAML::Mark& m, const std::string& path, std::string problem,
                           std::string hint) const;
    [[noreturn]] void fail(const field& f, std::string problem, std::string hint) const
    {
        fail(f.mark, f.path, std::move(problem), std::move(hint));
    }

    /// Checks that f is a mapping whose keys are all in `known` and none repeats; an unknown key
    /// is reported with the closest known one ("did you mean").
    mapping as_map(const field& f, std::initializer_list<std::string_view> known) const;
    /// Like get(), but a missing or empty key is an error with `hint`.
    const field& require(const mapping& m, std::string_view key, const std::string& hint) const;
    /// Checks that f is a list; elements are named path[i].
    std::vector<field> as_list(const field& f, const std::string& example) const;

    std::string as_string(const field& f) const;
    uint64_t as_uint(const field& f, uint64_t lo, uint64_t hi) const;
    double as_double(const field& f, double lo, double hi) const;
    bool as_bool(const field& f) const;
    /// Returns the index of the scalar in `names`.
    std::size_t as_enum(const field& f, std::initializer_list<std::string_view> names) const;

    std::string as_absolute_path(const field& f, std::size_t max_len = 4095) const;
    wire::endpoint as_endpoint(const field& f) const;
    prefix as_prefix(const field& f, bool host_bits_allowed) const;
    crypto::key32 as_key(const field& f, const char* tool) const;

  private:
    std::string _file;
};

/// "a string", "a list", "a mapping", "nothing" — for type errors.
std::string describe(const YAML::Node& n);

/// The hint for a word that is not one of `known`: the closest one by edit distance (ignoring
/// case, '_' and '-'), or the whole list when none is close.
std::string did_you_mean(std::string_view word, std::initializer_list<std::string_view> known);

} // namespace edgerelay::config
