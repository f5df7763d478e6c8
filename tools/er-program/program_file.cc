// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The er-program statement compiler: text lines to abi::command records.
#include "tools/er-program/program_file.hh"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>

#include "common/crypto/encoding.hh"

namespace edgerelay::tools::program {

const char* const syntax_help =
    R"(Program file: one statement per line; '#' starts a comment. IDs are peer ids, ADDR:PORT
is an underlay endpoint ([v6]:port for IPv6), PREFIX an IPv4 or IPv6 prefix with no host bits.
  peer ID [transit] [endpoint ADDR:PORT] [port N] [local ADDR:PORT] [src-mac MAC] [dst-mac MAC]
        add_peer (transit: a relay-to-relay tunnel, its inner sources are not checked); with
        endpoint also set_endpoint (port N = underlay port index, default 0)
  endpoint ID ADDR:PORT [port N] [local ADDR:PORT] [src-mac MAC] [dst-mac MAC]
        set_endpoint
  remove-peer ID
  keypair ID local-index N remote-index N send-key B64 recv-key B64
          [slot current|previous|next] [initiator] [age-ms N] [counter N]
        install_keypair (slot current unless told; counter = first send counter)
  retire ID slot current|previous|next    |    retire ID index N
        retire_keypair, by slot or by our receiver index
  allowed ID PREFIX          remove-allowed ID PREFIX
        cryptokey routing: inner sources peer ID may use
  route PREFIX via ID        route PREFIX local        route PREFIX control
  remove-route PREFIX via ID remove-route PREFIX local remove-route PREFIX control
        control: inner packets to PREFIX are punted to the control plane
  splice RELAY-PORT ADDR:PORT ADDR:PORT [port N]     remove-splice (same arguments)
        transit rule between two endpoints on UDP port RELAY-PORT of this relay
  limits punt-rate N punt-burst N rekey-messages N reject-messages N rekey-time-ms N
         reject-time-ms N
        set_limits (all six required)
  keepalive ID
        send_keepalive
Example:
  peer 1 endpoint 10.0.0.2:51820 port 0
  keypair 1 local-index 100 remote-index 200 send-key $K1 recv-key $K2 initiator
  allowed 1 10.1.0.0/24
  route 10.1.0.0/24 via 1
  route 10.99.0.0/16 local
)";

namespace {

using words = std::vector<std::string_view>;

words split(std::string_view line)
{
    if (auto hash = line.find('#'); hash != std::string_view::npos) {
        line = line.substr(0, hash);
    }
    words out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            ++i;
        }
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            ++i;
        }
        if (i > start) {
            out.push_back(line.substr(start, i - start));
        }
    }
    return out;
}

/// Thrown inside this file only, turned into compile_line's return value.
struct bad_line {
    std::string message;
};

template <typename T>
T number(std::string_view what, std::string_view v, uint64_t max)
{
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n > max) {
        throw bad_line{std::string(what) + ": expected an integer up to " + std::to_string(max) +
                       ", got '" + std::string(v) + "'"};
    }
    return static_cast<T>(n);
}

abi::peer_id peer(std::string_view v)
{
    // The dataplane checks the range against its own max_peers; here only the type's.
    return number<abi::peer_id>("peer id", v, UINT32_MAX - 1);
}

abi::prefix prefix_arg(std::string_view v)
{
    auto p = parse_prefix(v);
    if (!p) {
        throw bad_line{"not a prefix (ADDR/LEN with no host bits): '" + std::string(v) + "'"};
    }
    return *p;
}

wire::endpoint endpoint_arg(std::string_view v)
{
    auto e = parse_endpoint(v);
    if (!e) {
        throw bad_line{"not an endpoint (ADDR:PORT or [ADDR6]:PORT): '" + std::string(v) + "'"};
    }
    return *e;
}

void mac_arg(std::string_view v, uint8_t out[6])
{
    unsigned b[6];
    char tail;
    std::string s(v);
    if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                    &b[5], &tail) != 6) {
        throw bad_line{"not a MAC address (aa:bb:cc:dd:ee:ff): '" + s + "'"};
    }
    for (int i = 0; i < 6; ++i) {
        out[i] = static_cast<uint8_t>(b[i]);
    }
}

void key_arg(std::string_view what, std::string_view v, uint8_t out[32])
{
    auto k = crypto::key_from_base64(v);
    if (!k) {
        throw bad_line{std::string(what) + ": not a base64 32-byte key"};
    }
    std::memcpy(out, k->data(), 32);
}

abi::key_slot slot_arg(std::string_view v)
{
    static const std::map<std::string_view, abi::key_slot> slots = {
        {"current", abi::key_slot::current},
        {"previous", abi::key_slot::previous},
        {"next", abi::key_slot::next},
    };
    auto it = slots.find(v);
    if (it == slots.end()) {
        throw bad_line{"slot: current, previous or next, got '" + std::string(v) + "'"};
    }
    return it->second;
}

/// Walks "key value" pairs after the fixed arguments. Each key may appear once.
class keyed {
public:
    keyed(const words& w, size_t from) : _w(w), _i(from) {}

    bool next(std::string_view& key)
    {
        if (_i >= _w.size()) {
            return false;
        }
        key = _w[_i++];
        if (!_seen.emplace(key, true).second) {
            throw bad_line{"'" + std::string(key) + "' given twice"};
        }
        return true;
    }

    std::string_view value(std::string_view key)
    {
        if (_i >= _w.size()) {
            throw bad_line{"'" + std::string(key) + "' needs a value"};
        }
        return _w[_i++];
    }

    bool has(std::string_view key) const { return _seen.contains(key); }

private:
    const words& _w;
    size_t _i;
    std::map<std::string_view, bool> _seen;
};

void need(const words& w, size_t n, const char* usage)
{
    if (w.size() < n) {
        throw bad_line{std::string("usage: ") + usage};
    }
}

abi::command make(abi::command_type t)
{
    abi::command c;
    c.type = t;
    return c;
}

// Fills set_endpoint fields from the keyed tail of a peer or endpoint statement.
void endpoint_options(keyed& k, abi::cmd_set_endpoint& e, bool allow_endpoint,
                      uint32_t* peer_flags = nullptr)
{
    std::string_view key;
    while (k.next(key)) {
        if (key == "transit" && peer_flags != nullptr) {
            *peer_flags |= abi::peer_flag_transit;
        } else if (key == "endpoint" && allow_endpoint) {
            e.remote = endpoint_arg(k.value(key));
        } else if (key == "port") {
            e.port_index = number<uint16_t>("port", k.value(key), UINT16_MAX);
        } else if (key == "local") {
            e.local = endpoint_arg(k.value(key));
        } else if (key == "src-mac") {
            mac_arg(k.value(key), e.src_mac);
        } else if (key == "dst-mac") {
            mac_arg(k.value(key), e.dst_mac);
        } else {
            throw bad_line{"unknown option '" + std::string(key) + "'"};
        }
    }
}

void compile_words(const words& w, std::vector<abi::command>& out)
{
    std::string_view verb = w[0];
    using ct = abi::command_type;
    if (verb == "peer") {
        need(w, 2, "peer ID [endpoint ADDR:PORT] [port N] [local ADDR:PORT] [src-mac M] ...");
        auto add = make(ct::add_peer);
        add.body.add_peer.peer = peer(w[1]);
        auto set = make(ct::set_endpoint);
        set.body.set_endpoint.peer = add.body.add_peer.peer;
        keyed k(w, 2);
        endpoint_options(k, set.body.set_endpoint, true, &add.body.add_peer.flags);
        bool extras = k.has("port") || k.has("local") || k.has("src-mac") || k.has("dst-mac");
        if (extras && !k.has("endpoint")) {
            throw bad_line{"port, local and MACs belong to an endpoint: add 'endpoint ADDR:PORT'"};
        }
        out.push_back(add);
        if (k.has("endpoint")) {
            out.push_back(set);
        }
    } else if (verb == "endpoint") {
        need(w, 3, "endpoint ID ADDR:PORT [port N] [local ADDR:PORT] [src-mac M] [dst-mac M]");
        auto set = make(ct::set_endpoint);
        set.body.set_endpoint.peer = peer(w[1]);
        set.body.set_endpoint.remote = endpoint_arg(w[2]);
        keyed k(w, 3);
        endpoint_options(k, set.body.set_endpoint, false);
        out.push_back(set);
    } else if (verb == "remove-peer" || verb == "keepalive") {
        need(w, 2, "remove-peer ID | keepalive ID");
        if (w.size() > 2) {
            throw bad_line{"unexpected '" + std::string(w[2]) + "'"};
        }
        auto c = make(verb == "keepalive" ? ct::send_keepalive : ct::remove_peer);
        c.body.peer.peer = peer(w[1]);
        out.push_back(c);
    } else if (verb == "keypair") {
        need(w, 2, "keypair ID local-index N remote-index N send-key B64 recv-key B64 ...");
        auto c = make(ct::install_keypair);
        auto& kp = c.body.install_keypair;
        kp.peer = peer(w[1]);
        keyed k(w, 2);
        std::string_view key;
        while (k.next(key)) {
            if (key == "local-index") {
                kp.local_index = number<uint32_t>(key, k.value(key), UINT32_MAX);
            } else if (key == "remote-index") {
                kp.remote_index = number<uint32_t>(key, k.value(key), UINT32_MAX);
            } else if (key == "send-key") {
                key_arg(key, k.value(key), kp.send_key);
            } else if (key == "recv-key") {
                key_arg(key, k.value(key), kp.recv_key);
            } else if (key == "slot") {
                kp.slot = slot_arg(k.value(key));
            } else if (key == "initiator") {
                kp.initiator = 1;
            } else if (key == "age-ms") {
                kp.age_ms = number<uint64_t>(key, k.value(key), UINT64_MAX);
            } else if (key == "counter") {
                kp.send_counter = number<uint64_t>(key, k.value(key), UINT64_MAX);
            } else {
                throw bad_line{"unknown option '" + std::string(key) + "'"};
            }
        }
        for (const char* required : {"local-index", "remote-index", "send-key", "recv-key"}) {
            if (!k.has(required)) {
                throw bad_line{std::string("keypair needs ") + required};
            }
        }
        out.push_back(c);
    } else if (verb == "retire") {
        need(w, 4, "retire ID slot current|previous|next  |  retire ID index N");
        if (w.size() > 4) {
            throw bad_line{"unexpected '" + std::string(w[4]) + "'"};
        }
        auto c = make(ct::retire_keypair);
        auto& r = c.body.retire_keypair;
        r.peer = peer(w[1]);
        if (w[2] == "slot") {
            r.slot = slot_arg(w[3]);
        } else if (w[2] == "index") {
            r.slot = abi::key_slot::by_index;
            r.local_index = number<uint32_t>("index", w[3], UINT32_MAX);
        } else {
            throw bad_line{"retire: 'slot S' or 'index N'"};
        }
        out.push_back(c);
    } else if (verb == "allowed" || verb == "remove-allowed") {
        need(w, 3, "allowed ID PREFIX | remove-allowed ID PREFIX");
        if (w.size() > 3) {
            throw bad_line{"unexpected '" + std::string(w[3]) + "'"};
        }
        auto c = make(verb == "allowed" ? ct::add_allowed_ip : ct::remove_allowed_ip);
        c.body.allowed_ip.peer = peer(w[1]);
        c.body.allowed_ip.src = prefix_arg(w[2]);
        out.push_back(c);
    } else if (verb == "route" || verb == "remove-route") {
        need(w, 3, "route PREFIX via ID | route PREFIX local | route PREFIX control");
        auto c = make(verb == "route" ? ct::add_route : ct::remove_route);
        c.body.route.dst = prefix_arg(w[1]);
        if (w[2] == "local" && w.size() == 3) {
            c.body.route.hop = abi::next_hop_local;
        } else if (w[2] == "control" && w.size() == 3) {
            c.body.route.hop = abi::next_hop_control;
        } else if (w[2] == "via" && w.size() == 4) {
            c.body.route.hop = peer(w[3]);
        } else {
            throw bad_line{"route: 'via ID', 'local' or 'control' after the prefix"};
        }
        out.push_back(c);
    } else if (verb == "splice" || verb == "remove-splice") {
        need(w, 4, "splice RELAY-PORT ADDR:PORT ADDR:PORT [port N]");
        auto c = make(verb == "splice" ? ct::add_splice : ct::remove_splice);
        auto& s = c.body.splice;
        s.relay_port = number<uint16_t>("relay port", w[1], UINT16_MAX);
        s.a = endpoint_arg(w[2]);
        s.b = endpoint_arg(w[3]);
        if (w.size() == 6 && w[4] == "port") {
            s.port_index = number<uint16_t>("port", w[5], UINT16_MAX);
        } else if (w.size() != 4) {
            throw bad_line{"splice: only 'port N' may follow the two endpoints"};
        }
        out.push_back(c);
    } else if (verb == "limits") {
        auto c = make(ct::set_limits);
        auto& l = c.body.set_limits;
        keyed k(w, 1);
        std::string_view key;
        while (k.next(key)) {
            auto v = k.value(key);
            if (key == "punt-rate") {
                l.punt_rate_pps = number<uint32_t>(key, v, UINT32_MAX);
            } else if (key == "punt-burst") {
                l.punt_burst = number<uint32_t>(key, v, UINT32_MAX);
            } else if (key == "rekey-messages") {
                l.rekey_after_messages = number<uint64_t>(key, v, UINT64_MAX);
            } else if (key == "reject-messages") {
                l.reject_after_messages = number<uint64_t>(key, v, UINT64_MAX);
            } else if (key == "rekey-time-ms") {
                l.rekey_after_time_ms = number<uint32_t>(key, v, UINT32_MAX);
            } else if (key == "reject-time-ms") {
                l.reject_after_time_ms = number<uint32_t>(key, v, UINT32_MAX);
            } else {
                throw bad_line{"unknown option '" + std::string(key) + "'"};
            }
        }
        for (const char* required : {"punt-rate", "punt-burst", "rekey-messages",
                                     "reject-messages", "rekey-time-ms", "reject-time-ms"}) {
            if (!k.has(required)) {
                throw bad_line{std::string("limits needs ") + required};
            }
        }
        out.push_back(c);
    } else {
        throw bad_line{"unknown statement '" + std::string(verb) +
                       "' (see er-program --help for the list)"};
    }
}

} // namespace

std::string compile_line(std::string_view line, std::vector<abi::command>& out)
{
    words w = split(line);
    if (w.empty()) {
        return {};
    }
    std::vector<abi::command> cmds;
    try {
        compile_words(w, cmds);
    } catch (const bad_line& e) {
        return e.message;
    }
    out.insert(out.end(), cmds.begin(), cmds.end());
    return {};
}

std::vector<compiled> compile_program(std::string_view text, std::vector<parse_error>& errors)
{
    std::vector<compiled> out;
    unsigned number = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++number;
        std::vector<abi::command> cmds;
        if (auto err = compile_line(line, cmds); !err.empty()) {
            errors.push_back({number, std::string(line), err});
            continue;
        }
        for (const auto& c : cmds) {
            out.push_back({number, std::string(line), c});
        }
    }
    return out;
}

std::optional<abi::prefix> parse_prefix(std::string_view text)
{
    auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    std::string addr(text.substr(0, slash));
    std::string_view len_text = text.substr(slash + 1);
    abi::prefix p{};
    unsigned bits;
    if (inet_pton(AF_INET, addr.c_str(), p.addr) == 1) {
        p.family = 4;
        bits = 32;
    } else if (inet_pton(AF_INET6, addr.c_str(), p.addr) == 1) {
        p.family = 6;
        bits = 128;
    } else {
        return std::nullopt;
    }
    unsigned len = 0;
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc() || end != len_text.data() + len_text.size() || len > bits) {
        return std::nullopt;
    }
    p.length = static_cast<uint8_t>(len);
    for (unsigned bit = len; bit < bits; ++bit) {
        if (p.addr[bit / 8] & (0x80 >> (bit % 8))) {
            return std::nullopt;
        }
    }
    return p;
}

std::optional<wire::endpoint> parse_endpoint(std::string_view text)
{
    std::string host;
    std::string_view port_text;
    wire::endpoint e;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        e.family = 6;
    } else {
        auto colon = text.find(':');
        if (colon == std::string_view::npos || text.rfind(':') != colon) {
            return std::nullopt;
        }
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        e.family = 4;
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    e.port = static_cast<uint16_t>(port);
    if (inet_pton(e.family == 4 ? AF_INET : AF_INET6, host.c_str(), e.addr) != 1) {
        return std::nullopt;
    }
    return e;
}

std::string format_prefix(const abi::prefix& p)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    if (p.family == 4 || p.family == 6) {
        inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.addr, buf, sizeof(buf));
    }
    return std::string(buf) + "/" + std::to_string(p.length);
}

std::string format_endpoint(const wire::endpoint& e)
{
    if (e.empty()) {
        return "-";
    }
    char buf[INET6_ADDRSTRLEN] = "?";
    inet_ntop(e.family == 4 ? AF_INET : AF_INET6, e.addr, buf, sizeof(buf));
    std::string port = std::to_string(e.port);
    return e.family == 4 ? std::string(buf) + ":" + port : "[" + std::string(buf) + "]:" + port;
}

std::string format_mac(const uint8_t mac[6])
{
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                  mac[3], mac[4], mac[5]);
    return buf;
}

} // namespace edgerelay::tools::program
