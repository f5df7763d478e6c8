// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A small streaming JSON writer for the control socket's --json answers (no DOM, no parser).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgerelay::cp::process {

/// Appends JSON text to a string. Commas are placed by the writer; the caller only has to
/// balance begin/end calls. Output is one line, so it fits the line-based socket protocol.
class json_writer {
  public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();
    /// Writes a member name inside an object; the next value call writes its value.
    json_writer& key(std::string_view k);
    json_writer& value(std::string_view s);
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(uint64_t v);
    json_writer& value(int64_t v);
    json_writer& value(int v) { return value(int64_t(v)); }
    json_writer& value(unsigned v) { return value(uint64_t(v)); }
    json_writer& value(bool v);
    /// Shortest round-trip decimal; NaN and infinities (not JSON) are written as null.
    json_writer& value(double v);
    json_writer& null();

    const std::string& str() const noexcept { return _out; }
    std::string take() noexcept { return std::move(_out); }

  private:
    void separate();

    std::string _out;
    // One entry per open container: true once it holds a member, so the next needs a comma.
    std::vector<bool> _nonempty;
    bool _after_key = false;
};

/// Escapes a string for inclusion between JSON quotes (control characters as \u00XX).
std::string json_escape(std::string_view s);

} // namespace edgerelay::cp::process
