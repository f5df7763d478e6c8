// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The control socket's JSON writer.
#include "controlplane/process/json.hh"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace edgerelay::cp::process {

std::string json_escape(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    return out;
}

void json_writer::separate()
{
    if (_after_key) {
        _after_key = false;
        return;
    }
    if (!_nonempty.empty()) {
        if (_nonempty.back()) {
            _out += ',';
        }
        _nonempty.back() = true;
    }
}

json_writer& json_writer::begin_object()
{
    separate();
    _out += '{';
    _nonempty.push_back(false);
    return *this;
}

json_writer& json_writer::end_object()
{
    _out += '}';
    _nonempty.pop_back();
    return *this;
}

json_writer& json_writer::begin_array()
{
    separate();
    _out += '[';
    _nonempty.push_back(false);
    return *this;
}

json_writer& json_writer::end_array()
{
    _out += ']';
    _nonempty.pop_back();
    return *this;
}

json_writer& json_writer::key(std::string_view k)
{
    separate();
    _out += '"';
    _out += json_escape(k);
    _out += "\":";
    _after_key = true;
    return *this;
}

json_writer& json_writer::value(std::string_view s)
{
    separate();
    _out += '"';
    _out += json_escape(s);
    _out += '"';
    return *this;
}

json_writer& json_writer::value(uint64_t v)
{
    separate();
    _out += std::to_string(v);
    return *this;
}

json_writer& json_writer::value(int64_t v)
{
    separate();
    _out += std::to_string(v);
    return *this;
}

json_writer& json_writer::value(bool v)
{
    separate();
    _out += v ? "true" : "false";
    return *this;
}

json_writer& json_writer::value(double v)
{
    separate();
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    if (!std::isfinite(v) || ec != std::errc()) {
        _out += "null";
    } else {
        _out.append(buf, end);
    }
    return *this;
}

json_writer& json_writer::null()
{
    separate();
    _out += "null";
    return *this;
}

} // namespace edgerelay::cp::process
