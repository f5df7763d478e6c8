// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Typed, located access to a yaml-cpp tree, and the "did you mean" hints for unknown keys.
#include "common/config/reader.hh"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

std::string normalized(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c != '_' && c != '-') {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

// Long values (keys, paths) are cut so a message stays on one terminal line.
std::string quoted(const std::string& s)
{
    if (s.size() > 60) {
        return "\"" + s.substr(0, 57) + "...\"";
    }
    return "\"" + s + "\"";
}

} // namespace

std::string describe(const YAML::Node& n)
{
    switch (n.Type()) {
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Scalar:
        return quoted(n.Scalar());
    default:
        return "nothing";
    }
}

std::string did_you_mean(std::string_view word, std::initializer_list<std::string_view> known)
{
    std::string w = normalized(word);
    std::string_view best;
    std::size_t best_d = SIZE_MAX;
    for (std::string_view k : known) {
        std::size_t d = edit_distance(w, normalized(k));
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    std::size_t limit = std::clamp<std::size_t>(w.size() / 3, 1, 3);
    if (!best.empty() && best_d <= limit) {
        return "did you mean \"" + std::string(best) + "\"?";
    }
    std::string list;
    for (std::string_view k : known) {
        list += list.empty() ? "" : ", ";
        list += k;
    }
    return "known keys here: " + list;
}

const field* mapping::get(std::string_view key) const
{
    for (const auto& [k, f] : entries) {
        if (k == key) {
            return f.node.IsNull() ? nullptr : &f;
        }
    }
    return nullptr;
}

bool mapping::has(std::string_view key) const
{
    return std::any_of(entries.begin(), entries.end(),
                       [&](const auto& e) { return e.first == key; });
}

void reader::fail(const YAML::Mark& m, const std::string& path, std::string problem,
                  std::string hint) const
{
    throw config_error(_file, m.line + 1, m.column + 1, path, std::move(problem), std::move(hint));
}

mapping reader::as_map(const field& f, std::initializer_list<std::string_view> known) const
{
    if (!f.node.IsMap()) {
        fail(f, "expected a mapping, found " + describe(f.node),
             "write key: value pairs, indented under " +
                 (f.path.empty() ? std::string("the top level") : f.path));
    }
    mapping m{f, {}};
    for (const auto& kv : f.node) {
        const YAML::Node& k = kv.first;
        std::string name = k.IsScalar() ? k.Scalar() : std::string();
        std::string path = f.path.empty() ? name : f.path + "." + name;
        if (!k.IsScalar()) {
            fail(k.Mark(), f.path, "a key must be a plain word, found " + describe(k),
                 "write key: value");
        }
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            fail(k.Mark(), path, "unknown key " + quoted(name), did_you_mean(name, known));
        }
        for (const auto& [seen, prev] : m.entries) {
            if (seen == name) {
                // yaml-cpp keeps both pairs and lookups return the first, so a second value
                // would be silently ignored: refuse it.
                fail(k.Mark(), path,
                     "duplicate key " + quoted(name) + " (first at line " +
                         std::to_string(prev.mark.line + 1) + ")",
                     "keep one of them");
            }
        }
        const YAML::Node& v = kv.second;
        // An empty value's mark points past the key, often at the next line; the key is clearer.
        m.entries.emplace_back(name, field{v, v.IsNull() ? k.Mark() : v.Mark(), path});
    }
    return m;
}

const field& reader::require(const mapping& m, std::string_view key, const std::string& hint) const
{
    std::string path =
        m.self.path.empty() ? std::string(key) : m.self.path + "." + std::string(key);
    if (const field* f = m.get(key)) {
        return *f;
    }
    for (const auto& [k, f] : m.entries) {
        if (k == key) {
            fail(f.mark, path, "has no value", hint);
        }
    }
    fail(m.self.mark, path, "missing key " + quoted(std::string(key)), hint);
}

std::vector<field> reader::as_list(const field& f, const std::string& example) const
{
    if (!f.node.IsSequence()) {
        fail(f, "expected a list, found " + describe(f.node), "write a list, e.g. " + example);
    }
    std::vector<field> out;
    std::size_t i = 0;
    for (const YAML::Node& n : f.node) {
        out.push_back(field{n, n.Mark(), f.path + "[" + std::to_string(i++) + "]"});
    }
    return out;
}

std::string reader::as_string(const field& f) const
{
    if (!f.node.IsScalar()) {
        fail(f, "expected a string, found " + describe(f.node), "write a single value");
    }
    return f.node.Scalar();
}

uint64_t reader::as_uint(const field& f, uint64_t lo, uint64_t hi) const
{
    std::string range = std::to_string(lo) + ".." + std::to_string(hi);
    if (!f.node.IsScalar()) {
        fail(f, "expected a number, found " + describe(f.node), "write a number in " + range);
    }
    const std::string& s = f.node.Scalar();
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || ec == std::errc::invalid_argument) {
        fail(f, quoted(s) + " is not a whole number", "write a number in " + range);
    }
    if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
        fail(f, s + " is out of range", "use a value in " + range);
    }
    return v;
}

double reader::as_double(const field& f, double lo, double hi) const
{
    auto range = [&] {
        char a[32];
        char b[32];
        *std::to_chars(a, a + sizeof(a) - 1, lo).ptr = 0;
        *std::to_chars(b, b + sizeof(b) - 1, hi).ptr = 0;
        return std::string(a) + ".." + b;
    };
    if (!f.node.IsScalar()) {
        fail(f, "expected a number, found " + describe(f.node), "write a number in " + range());
    }
    const std::string& s = f.node.Scalar();
    const char* first = s.data();
    if (!s.empty() && s[0] == '+') {
        ++first;
    }
    double v = 0;
    auto [end, ec] = std::from_chars(first, s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || ec != std::errc() || !std::isfinite(v)) {
        fail(f, quoted(s) + " is not a number", "write a decimal number in " + range());
    }
    if (v < lo || v > hi) {
        fail(f, s + " is out of range", "use a value in " + range());
    }
    return v;
}

bool reader::as_bool(const field& f) const
{
    std::string s = as_string(f);
    if (s == "true" || s == "True" || s == "TRUE") {
        return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
        return false;
    }
    fail(f, quoted(s) + " is not a boolean", "write true or false");
}

std::size_t reader::as_enum(const field& f, std::initializer_list<std::string_view> names) const
{
    std::string s = as_string(f);
    std::size_t i = 0;
    std::string list;
    for (std::string_view n : names) {
        if (n == s) {
            return i;
        }
        list += (i++ == 0 ? "" : " | ") + std::string(n);
    }
    fail(f, quoted(s) + " is not one of " + list, "write one of " + list);
}

std::string reader::as_absolute_path(const field& f, std::size_t max_len) const
{
    std::string s = as_string(f);
    if (s.empty() || s[0] != '/') {
        fail(f, quoted(s) + " is not an absolute path",
             "write a path starting with /, e.g. /etc/edgerelay/" +
                 (s.empty() ? std::string("file") : s));
    }
    if (s.size() > max_len) {
        fail(f, "the path is " + std::to_string(s.size()) + " characters long",
             "use a path of at most " + std::to_string(max_len) + " characters");
    }
    return s;
}

wire::endpoint reader::as_endpoint(const field& f) const
{
    wire::endpoint e;
    if (auto p = parse_endpoint(as_string(f), e)) {
        fail(f, p->problem, p->hint);
    }
    return e;
}

prefix reader::as_prefix(const field& f, bool host_bits_allowed) const
{
    prefix out;
    if (auto p = parse_prefix(as_string(f), out, host_bits_allowed)) {
        fail(f, p->problem, p->hint);
    }
    return out;
}

crypto::key32 reader::as_key(const field& f, const char* tool) const
{
    std::string s = as_string(f);
    std::string hint = std::string("write the 44-character base64 key that `") + tool + "` prints";
    if (s.size() != 44) {
        fail(f, quoted(s) + " is " + std::to_string(s.size()) + " characters, not 44", hint);
    }
    auto k = crypto::key_from_base64(s);
    if (!k) {
        fail(f, quoted(s) + " is not base64 of 32 bytes", hint);
    }
    if (std::all_of(k->begin(), k->end(), [](uint8_t b) { return b == 0; })) {
        fail(f, "the key is all zeros", hint);
    }
    return *k;
}

} // namespace edgerelay::config
