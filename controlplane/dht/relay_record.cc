// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Relay record <-> bencoded value. Compact binary forms keep a record with a dozen links under
// BEP 44's 1000-byte limit.
#include "controlplane/dht/relay_record.hh"

#include <cmath>
#include <cstring>

#include "controlplane/dht/bencode.hh"

namespace edgerelay::cp::dht {

namespace {

// One-letter keys: every byte counts against the 1000-byte limit.
//   c capacity, e endpoints, k node key, l load, m links, n longitude (µdeg), p prefixes,
//   r region, t timestamp, w wg key, x expiry, y latitude (µdeg)
// An endpoint is a 6-byte (IPv4) or 18-byte (IPv6) string: address then port, network order.
// A prefix is a 5- or 17-byte string: length then address. A link is the list
// [node key (32 bytes), rtt_us, loss_permille, up (0/1)].
constexpr size_t max_region = 64;

std::string endpoint_bytes(const wire::endpoint& e)
{
    size_t n = e.family == 4 ? 4 : 16;
    std::string s(reinterpret_cast<const char*>(e.addr), n);
    s += static_cast<char>(e.port >> 8);
    s += static_cast<char>(e.port & 0xff);
    return s;
}

std::optional<wire::endpoint> endpoint_from(const std::string& s)
{
    if (s.size() != 6 && s.size() != 18) {
        return std::nullopt;
    }
    wire::endpoint e;
    size_t n = s.size() - 2;
    e.family = n == 4 ? 4 : 6;
    std::memcpy(e.addr, s.data(), n);
    e.port = static_cast<uint16_t>((static_cast<uint8_t>(s[n]) << 8) | static_cast<uint8_t>(s[n + 1]));
    return e;
}

std::string prefix_bytes(const config::prefix& p)
{
    std::string s(1, static_cast<char>(p.len));
    s.append(reinterpret_cast<const char*>(p.addr), p.family == 4 ? 4 : 16);
    return s;
}

std::optional<config::prefix> prefix_from(const std::string& s)
{
    if (s.size() != 5 && s.size() != 17) {
        return std::nullopt;
    }
    config::prefix p;
    p.family = s.size() == 5 ? 4 : 6;
    p.len = static_cast<uint8_t>(s[0]);
    if (p.len > (p.family == 4 ? 32 : 128)) {
        return std::nullopt;
    }
    std::memcpy(p.addr, s.data() + 1, s.size() - 1);
    if (!(config::masked(p) == p)) {
        return std::nullopt;  // host bits set: not the canonical form of a prefix
    }
    return p;
}

int64_t micro(double deg) { return static_cast<int64_t>(std::llround(deg * 1e6)); }

std::string key_string(const std::array<uint8_t, 32>& k)
{
    return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

bool key_from(const bvalue* v, std::array<uint8_t, 32>& out)
{
    const std::string* s = v != nullptr ? v->as_string() : nullptr;
    if (s == nullptr || s->size() != 32) {
        return false;
    }
    std::memcpy(out.data(), s->data(), 32);
    return true;
}

const bvalue* find(const bvalue::dict& d, const char* key)
{
    auto it = d.find(key);
    return it == d.end() ? nullptr : &it->second;
}

// An integer in [lo, hi], or absent (then `out` keeps its default) when !required.
bool int_in(const bvalue::dict& d, const char* key, int64_t lo, int64_t hi, int64_t& out,
            bool required)
{
    const bvalue* v = find(d, key);
    if (v == nullptr) {
        return !required;
    }
    const int64_t* i = v->as_int();
    if (i == nullptr || *i < lo || *i > hi) {
        return false;
    }
    out = *i;
    return true;
}

} // namespace

std::string encode_record(const relay_record& r)
{
    bvalue::dict d;
    d["c"] = bvalue(static_cast<int64_t>(r.capacity));
    bvalue::list eps;
    for (const auto& e : r.endpoints) {
        if (e.family == 4 || e.family == 6) {
            eps.emplace_back(endpoint_bytes(e));
        }
    }
    d["e"] = bvalue(std::move(eps));
    d["k"] = bvalue(key_string(r.node_key));
    d["l"] = bvalue(static_cast<int64_t>(r.load));
    bvalue::list links;
    for (const auto& l : r.links) {
        links.emplace_back(bvalue::list{bvalue(key_string(l.node_key)),
                                        bvalue(static_cast<int64_t>(l.rtt_us)),
                                        bvalue(static_cast<int64_t>(l.loss_permille)),
                                        bvalue(static_cast<int64_t>(l.up ? 1 : 0))});
    }
    d["m"] = bvalue(std::move(links));
    d["n"] = bvalue(micro(r.longitude));
    bvalue::list prefixes;
    for (const auto& p : r.prefixes) {
        if (p.family == 4 || p.family == 6) {
            prefixes.emplace_back(prefix_bytes(config::masked(p)));
        }
    }
    d["p"] = bvalue(std::move(prefixes));
    d["r"] = bvalue(r.region);
    d["t"] = bvalue(static_cast<int64_t>(r.timestamp));
    d["w"] = bvalue(key_string(r.wg_key));
    d["x"] = bvalue(static_cast<int64_t>(r.expiry));
    d["y"] = bvalue(micro(r.latitude));
    return bencode(bvalue(std::move(d)));
}

std::optional<relay_record> decode_record(std::string_view value)
{
    if (value.size() > max_value_size) {
        return std::nullopt;
    }
    auto top = bdecode(value, 4);
    const bvalue::dict* d = top ? top->as_dict() : nullptr;
    if (d == nullptr) {
        return std::nullopt;
    }
    relay_record r;
    if (!key_from(find(*d, "k"), r.node_key) || !key_from(find(*d, "w"), r.wg_key)) {
        return std::nullopt;
    }
    constexpr int64_t u32 = 0xffffffff;
    int64_t capacity = 0, load = 0, lat = 0, lon = 0, ts = 0, exp = 0;
    if (!int_in(*d, "c", 0, u32, capacity, false) || !int_in(*d, "l", 0, u32, load, false) ||
        !int_in(*d, "y", -90'000'000, 90'000'000, lat, false) ||
        !int_in(*d, "n", -180'000'000, 180'000'000, lon, false) ||
        !int_in(*d, "t", 0, INT64_MAX, ts, true) || !int_in(*d, "x", 0, INT64_MAX, exp, true)) {
        return std::nullopt;
    }
    r.capacity = static_cast<uint32_t>(capacity);
    r.load = static_cast<uint32_t>(load);
    r.latitude = static_cast<double>(lat) / 1e6;
    r.longitude = static_cast<double>(lon) / 1e6;
    r.timestamp = static_cast<uint64_t>(ts);
    r.expiry = static_cast<uint64_t>(exp);
    if (const bvalue* v = find(*d, "r")) {
        const std::string* s = v->as_string();
        if (s == nullptr || s->size() > max_region) {
            return std::nullopt;
        }
        r.region = *s;
    }
    if (const bvalue* v = find(*d, "e")) {
        const bvalue::list* l = v->as_list();
        if (l == nullptr) {
            return std::nullopt;
        }
        for (const auto& e : *l) {
            const std::string* s = e.as_string();
            auto ep = s != nullptr ? endpoint_from(*s) : std::nullopt;
            if (!ep) {
                return std::nullopt;
            }
            r.endpoints.push_back(*ep);
        }
    }
    if (const bvalue* v = find(*d, "p")) {
        const bvalue::list* l = v->as_list();
        if (l == nullptr) {
            return std::nullopt;
        }
        for (const auto& e : *l) {
            const std::string* s = e.as_string();
            auto p = s != nullptr ? prefix_from(*s) : std::nullopt;
            if (!p) {
                return std::nullopt;
            }
            r.prefixes.push_back(*p);
        }
    }
    if (const bvalue* v = find(*d, "m")) {
        const bvalue::list* l = v->as_list();
        if (l == nullptr) {
            return std::nullopt;
        }
        for (const auto& e : *l) {
            const bvalue::list* f = e.as_list();
            if (f == nullptr || f->size() != 4) {
                return std::nullopt;
            }
            relay_link link;
            const int64_t* rtt = (*f)[1].as_int();
            const int64_t* loss = (*f)[2].as_int();
            const int64_t* up = (*f)[3].as_int();
            if (!key_from(&(*f)[0], link.node_key) || rtt == nullptr || *rtt < 0 || *rtt > u32 ||
                loss == nullptr || *loss < 0 || *loss > 1000 || up == nullptr ||
                (*up != 0 && *up != 1)) {
                return std::nullopt;
            }
            link.rtt_us = static_cast<uint32_t>(*rtt);
            link.loss_permille = static_cast<uint16_t>(*loss);
            link.up = *up == 1;
            r.links.push_back(link);
        }
    }
    return r;
}

} // namespace edgerelay::cp::dht
