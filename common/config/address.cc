// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Parsing and printing of addresses, endpoints and prefixes, with operator-facing problems.
#include "common/config/address.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <vector>

namespace edgerelay::config {
namespace {

std::string quoted(std::string_view s)
{
    return "\"" + std::string(s) + "\"";
}

bool looks_like_hostname(std::string_view s)
{
    // An IP literal never holds letters other than hex digits; a name almost always has some.
    return std::any_of(s.begin(), s.end(), [](char c) {
        return (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '-' || c == '_';
    });
}

std::optional<text_problem> parse_port(std::string_view text, uint16_t& out)
{
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
        return text_problem{"port " + quoted(text) + " is not a number",
                            "write a port in 1..65535 after the colon"};
    }
    if (ec == std::errc::result_out_of_range || value == 0 || value > 65535) {
        return text_problem{"port " + std::string(text) + " is out of range",
                            "use a port in 1..65535"};
    }
    out = static_cast<uint16_t>(value);
    return std::nullopt;
}

} // namespace

std::optional<text_problem> parse_address(std::string_view text, wire::endpoint& out)
{
    if (text.empty()) {
        return text_problem{"the address is empty", "write an IPv4 or IPv6 address"};
    }
    std::string s(text);
    wire::endpoint e;
    if (s.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, s.c_str(), e.addr) == 1) {
            e.family = 4;
            out = e;
            return std::nullopt;
        }
    } else if (s.find('%') == std::string::npos && inet_pton(AF_INET6, s.c_str(), e.addr) == 1) {
        e.family = 6;
        out = e;
        return std::nullopt;
    }
    if (s.find('%') != std::string::npos) {
        return text_problem{quoted(text) + " has a zone index",
                            "scoped (link-local) addresses are not supported; use a global one"};
    }
    if (looks_like_hostname(text)) {
        return text_problem{quoted(text) + " is not an IP address",
                            "hostnames are not resolved; write a numeric IPv4 or IPv6 address"};
    }
    return text_problem{quoted(text) + " is not a valid IP address",
                        "write an IPv4 address like 10.0.0.5 or an IPv6 address like fd00::5"};
}

std::optional<text_problem> parse_endpoint(std::string_view text, wire::endpoint& out)
{
    if (text.empty()) {
        return text_problem{"the endpoint is empty", "write host:port, e.g. 10.0.0.5:51820"};
    }
    std::string_view host;
    std::string_view port;
    if (text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return text_problem{quoted(text) + " has no closing bracket",
                                "write [IPv6]:port, e.g. [fd00::5]:51820"};
        }
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (rest.empty()) {
            return text_problem{quoted(text) + " has no port",
                                "write [" + std::string(host) + "]:51820"};
        }
        if (rest.front() != ':') {
            return text_problem{quoted(text) + " has text after the bracket",
                                "write [IPv6]:port, e.g. [fd00::5]:51820"};
        }
        port = rest.substr(1);
        wire::endpoint e;
        if (auto p = parse_address(host, e)) {
            return p;
        }
        if (e.family != 6) {
            return text_problem{quoted(text) + " puts an IPv4 address in brackets",
                                "write " + std::string(host) + ":" + std::string(port)};
        }
        if (auto p = parse_port(port, e.port)) {
            return p;
        }
        out = e;
        return std::nullopt;
    }
    size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        wire::endpoint e;
        if (auto p = parse_address(text, e)) {
            return p;
        }
        return text_problem{quoted(text) + " has no port",
                            "write host:port, e.g. " + std::string(text) + ":51820"};
    }
    if (text.find(':', colon + 1) != std::string_view::npos) {
        // Several colons: an IPv6 address, with or without a port glued on.
        wire::endpoint e;
        if (!parse_address(text, e)) {
            return text_problem{quoted(text) + " has no port (an IPv6 endpoint needs brackets)",
                                "write [address]:port, e.g. [" + std::string(text) + "]:51820"};
        }
        return text_problem{quoted(text) + " is an IPv6 endpoint without brackets",
                            "write [IPv6]:port, e.g. [fd00::5]:51820"};
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    wire::endpoint e;
    if (auto p = parse_address(host, e)) {
        return p;
    }
    if (auto p = parse_port(port, e.port)) {
        return p;
    }
    out = e;
    return std::nullopt;
}

prefix masked(const prefix& p) noexcept
{
    prefix m = p;
    unsigned bits = p.family == 4 ? 32 : 128;
    for (unsigned i = 0; i < 16; ++i) {
        unsigned first = i * 8;
        if (first >= bits || first >= p.len) {
            m.addr[i] = 0;
        } else if (first + 8 > p.len) {
            m.addr[i] &= static_cast<uint8_t>(0xFF00u >> (p.len - first));
        }
    }
    return m;
}

std::optional<text_problem> parse_prefix(std::string_view text, prefix& out, bool host_bits_allowed)
{
    size_t slash = text.find('/');
    std::string_view addr_text = text.substr(0, slash);
    wire::endpoint a;
    if (auto p = parse_address(addr_text, a)) {
        return p;
    }
    prefix p;
    p.family = a.family;
    std::copy(a.addr, a.addr + 16, p.addr);
    unsigned max_len = a.family == 4 ? 32 : 128;
    unsigned len = max_len;
    if (slash != std::string_view::npos) {
        std::string_view len_text = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
        if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size()) {
            return text_problem{"prefix length \"" + std::string(len_text) + "\" is not a number",
                                "write address/length, e.g. 10.1.0.0/16"};
        }
        if (len > max_len) {
            return text_problem{"prefix length " + std::to_string(len) + " is longer than " +
                                    std::to_string(max_len),
                                "use a length in 0.." + std::to_string(max_len)};
        }
    }
    p.len = static_cast<uint8_t>(len);
    if (!host_bits_allowed) {
        prefix m = masked(p);
        if (!(m == p)) {
            return text_problem{"\"" + std::string(text) + "\" has host bits set",
                                "write " + format_prefix(m)};
        }
    }
    out = p;
    return std::nullopt;
}

std::string format_address(const wire::endpoint& e)
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (e.family == 4) {
        inet_ntop(AF_INET, e.addr, buf, sizeof(buf));
    } else if (e.family == 6) {
        inet_ntop(AF_INET6, e.addr, buf, sizeof(buf));
    }
    return buf;
}

std::string format_endpoint(const wire::endpoint& e)
{
    if (e.family == 4) {
        return format_address(e) + ":" + std::to_string(e.port);
    }
    if (e.family == 6) {
        return "[" + format_address(e) + "]:" + std::to_string(e.port);
    }
    return {};
}

std::string format_prefix(const prefix& p)
{
    wire::endpoint e;
    e.family = p.family;
    std::copy(p.addr, p.addr + 16, e.addr);
    return format_address(e) + "/" + std::to_string(p.len);
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
            diag = up;
        }
    }
    return row[b.size()];
}

} // namespace edgerelay::config
