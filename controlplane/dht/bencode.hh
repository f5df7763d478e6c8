// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A small strict bencode reader and writer for relay records (BEP 3 encoding, canonical form).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace edgerelay::cp::dht {

/// One bencoded value. Dictionaries keep their keys sorted (std::map), so encode() is canonical.
struct bvalue {
    using list = std::vector<bvalue>;
    using dict = std::map<std::string, bvalue>;
    std::variant<int64_t, std::string, list, dict> v;

    bvalue() : v(int64_t{0}) {}
    bvalue(int64_t i) : v(i) {}
    bvalue(std::string s) : v(std::move(s)) {}
    bvalue(list l) : v(std::move(l)) {}
    bvalue(dict d) : v(std::move(d)) {}

    const int64_t* as_int() const noexcept { return std::get_if<int64_t>(&v); }
    const std::string* as_string() const noexcept { return std::get_if<std::string>(&v); }
    const list* as_list() const noexcept { return std::get_if<list>(&v); }
    const dict* as_dict() const noexcept { return std::get_if<dict>(&v); }
};

/// Appends the canonical encoding of v to out.
void bencode(const bvalue& v, std::string& out);
std::string bencode(const bvalue& v);

/// Decodes exactly one value that must span all of in. Refuses (nullopt) anything that is not
/// canonical: leading zeros, "-0", unsorted or duplicate dictionary keys, trailing bytes, nesting
/// deeper than max_depth, and lengths past the end. Never reads outside in.
std::optional<bvalue> bdecode(std::string_view in, int max_depth = 8);

} // namespace edgerelay::cp::dht
