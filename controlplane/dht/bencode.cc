// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Strict bencode: records are signed over their bytes, so only one encoding of a value is valid.
#include "controlplane/dht/bencode.hh"

#include <charconv>
#include <limits>

namespace edgerelay::cp::dht {

void bencode(const bvalue& v, std::string& out)
{
    if (const auto* i = v.as_int()) {
        out += 'i';
        out += std::to_string(*i);
        out += 'e';
    } else if (const auto* s = v.as_string()) {
        out += std::to_string(s->size());
        out += ':';
        out += *s;
    } else if (const auto* l = v.as_list()) {
        out += 'l';
        for (const auto& e : *l) {
            bencode(e, out);
        }
        out += 'e';
    } else if (const auto* d = v.as_dict()) {
        out += 'd';
        for (const auto& [k, e] : *d) {
            out += std::to_string(k.size());
            out += ':';
            out += k;
            bencode(e, out);
        }
        out += 'e';
    }
}

std::string bencode(const bvalue& v)
{
    std::string out;
    bencode(v, out);
    return out;
}

namespace {

struct reader {
    std::string_view in;
    size_t pos = 0;

    bool at_end() const noexcept { return pos >= in.size(); }
    char peek() const noexcept { return in[pos]; }

    // Digits up to `stop`; canonical: no leading zero unless the number is 0, no "-0".
    std::optional<int64_t> number(char stop, bool allow_negative)
    {
        size_t start = pos;
        bool neg = false;
        if (allow_negative && !at_end() && peek() == '-') {
            neg = true;
            ++pos;
        }
        size_t digits = pos;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            ++pos;
        }
        if (pos == digits || at_end() || peek() != stop) {
            return std::nullopt;
        }
        if (in[digits] == '0' && (pos - digits > 1 || neg)) {
            return std::nullopt;
        }
        int64_t value = 0;
        auto [p, ec] = std::from_chars(in.data() + start, in.data() + pos, value);
        if (ec != std::errc() || p != in.data() + pos) {
            return std::nullopt;  // overflow
        }
        ++pos;  // the stop character
        return value;
    }

    std::optional<std::string> string()
    {
        auto len = number(':', false);
        if (!len || static_cast<uint64_t>(*len) > in.size() - pos) {
            return std::nullopt;
        }
        std::string s(in.substr(pos, static_cast<size_t>(*len)));
        pos += static_cast<size_t>(*len);
        return s;
    }

    // Out-parameter rather than optional<bvalue>: gcc 12 reports a false maybe-uninitialized
    // on optional<variant<..., string, vector, map>> moves.
    bool value(int depth, bvalue& out)
    {
        if (at_end() || depth < 0) {
            return false;
        }
        char c = peek();
        if (c == 'i') {
            ++pos;
            auto i = number('e', true);
            if (!i) {
                return false;
            }
            out.v = *i;
            return true;
        }
        if (c >= '0' && c <= '9') {
            auto s = string();
            if (!s) {
                return false;
            }
            out.v = std::move(*s);
            return true;
        }
        if (c == 'l') {
            ++pos;
            bvalue::list l;
            while (!at_end() && peek() != 'e') {
                if (!value(depth - 1, l.emplace_back())) {
                    return false;
                }
            }
            if (at_end()) {
                return false;
            }
            ++pos;
            out.v = std::move(l);
            return true;
        }
        if (c == 'd') {
            ++pos;
            bvalue::dict d;
            const std::string* last = nullptr;
            while (!at_end() && peek() != 'e') {
                auto k = string();
                if (!k || (last != nullptr && *k <= *last)) {
                    return false;  // keys must be strictly increasing (sorted, unique)
                }
                auto it = d.emplace_hint(d.end(), std::move(*k), bvalue());
                last = &it->first;
                if (!value(depth - 1, it->second)) {
                    return false;
                }
            }
            if (at_end()) {
                return false;
            }
            ++pos;
            out.v = std::move(d);
            return true;
        }
        return false;
    }
};

} // namespace

std::optional<bvalue> bdecode(std::string_view in, int max_depth)
{
    reader r{in};
    std::optional<bvalue> v(std::in_place);
    if (!r.value(max_depth, *v) || r.pos != in.size()) {
        return std::nullopt;
    }
    return v;
}

} // namespace edgerelay::cp::dht
