// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's option parser and help text.
#include "tools/wgflow/options.hh"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "common/crypto/encoding.hh"

namespace edgerelay::tools::wgflow {

const char* const help_text = R"(Usage: wgflow [options] MODE [mode options]

A static-key WireGuard transport endpoint for tests. It speaks only transport messages
(type 4) with keys given on the command line: no handshake, no timers. One process is one
endpoint with one UDP socket; everything is single-threaded and every mode ends by itself
(--timeout). It exists so integration tests can push WireGuard traffic through
edgerelay-dataplane before a control plane exists, and check what comes out.

Endpoint options (all modes):
  --listen ADDR:PORT     our underlay UDP socket, e.g. 10.0.0.1:51820 or [fd00::1]:51820
  --relay ADDR:PORT      where we send (the relay, or another wgflow acting as one);
                         echo mode without it answers the sender's address
  --send-key B64         key sealing what we send (base64, 32 bytes, as `wg genkey` prints)
  --recv-key B64         key opening what we receive
  --local-index N        receiver index the relay writes toward us; other indices are counted
                         as bad_index and dropped
  --remote-index N       receiver index we write toward the relay
  --src IP --dst IP      inner IPv4 or IPv6 addresses: src is ours, dst the far end's. Received
                         inner packets whose destination is not --src count as wrong_dst
  --sport N --dport N    inner UDP ports (default 40000 and 40001)
  --counter-start N      first nonce counter we send with (default 0); counters are never
                         reused within one run, keepalives included
  --timeout S            hard limit on the run time in seconds (default 10)
  --progress             one line of live counters on stderr every second

Modes:
  send     seal inner UDP packets and send them. The payload starts with a 64-bit sequence
           number (0, 1, ...) and the CLOCK_MONOTONIC send time in ns, both big-endian.
             --rate PPS            packets per second (default 1000; 0 = as fast as possible)
             --count N             data packets to send (required)
             --size BYTES          inner UDP payload size (default 64, at least 16)
             --keepalive-every N   also send a keepalive (empty message) after every N packets
             --duplicate-every K   after every K packets, resend an earlier message byte for
                                   byte, to exercise replay protection (counted as dup_sent)
             --duplicate-lag L     which earlier message: L back (default 1, at most 64)
             --record FILE         append every message sent, for a later `replay`
             --expect-echo         count echoed answers (see echo), report RTTs, and fail
                                   unless --min-ratio of the packets came back once each
             --linger S            after the last packet, wait this long for answers (default 1)
  recv     receive, check and count. Stops when --expect packets arrived, after --idle seconds
           of silence once traffic started, or at --timeout.
             --expect N            unique packets expected (required)
             --min-ratio R         accept R*N unique packets as success (default 1.0)
             --idle S              silence that ends the run (default 2; 0 = only --timeout)
  echo     answer every received inner packet with source and destination (addresses and
           ports) swapped, sealed with our own key and counter: a ping reflector.
             --count N             stop after N answers (default: only --timeout)
  replay   send the messages of a --record FILE again, unchanged (same counters, same tags):
           a relay must drop every one of them as a replay.
             --from FILE  --rate PPS  --count N (default all)
  tun      with --tun NAME: bridge a TUN device. IP packets read from it are sealed and sent;
           received ones are opened and written to it, so ping or iperf3 can run over the
           tunnel. NAME is created if missing (or pre-create it with `ip tuntap add`); set
           its address and MTU yourself. Give --timeout to run longer than 10 s.

Receiving (every mode): a message is dropped and counted when its receiver index is not
--local-index (bad_index), its counter was already seen or fell out of the 8128-message
window (replayed; checked before the tag, marked after, as WireGuard does), or its tag does
not verify (bad_tag). Keepalives are counted apart.

Output: one JSON line on stdout at the end:
  {"mode":..,"sent":..,"received":..,"unique":..,"duplicates":..,"reordered":..,"lost":..,
   "bad_tag":..,"max_gap_ms":..,...}
duplicates are inner sequence numbers seen twice after passing the replay check (a relay that
re-encrypts a replay); reordered are packets older than the newest seen; lost is expected
minus unique; max_gap_ms the longest silence between two data packets.

Exit status: 0 success; 1 the check failed (recv: fewer than --min-ratio of --expect, or any
duplicate; send --expect-echo: the same for answers); 2 bad command line; 3 system error.

Example (two namespaces, B plays the relay for A):
  K1=$(er-program --gen-keys | head -1); K2=$(er-program --gen-keys | head -1)
  ip netns exec b wgflow --listen 10.0.0.2:51820 --send-key $K2 --recv-key $K1 \
      --local-index 7 --remote-index 9 --src 10.9.0.2 recv --expect 2000
  ip netns exec a wgflow --listen 10.0.0.1:51820 --relay 10.0.0.2:51820 --send-key $K1 \
      --recv-key $K2 --local-index 9 --remote-index 7 --src 10.9.0.1 --dst 10.9.0.2 \
      send --count 2000 --rate 2000
)";

std::optional<sock_addr> parse_sock_addr(std::string_view text)
{
    std::string host;
    std::string_view port_text;
    int family = AF_INET;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        family = AF_INET6;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return std::nullopt;
        }
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    sock_addr out;
    if (family == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&out.ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(static_cast<uint16_t>(port));
        if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
            return std::nullopt;
        }
        out.len = sizeof(sockaddr_in);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(static_cast<uint16_t>(port));
        if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) {
            return std::nullopt;
        }
        out.len = sizeof(sockaddr_in6);
    }
    return out;
}

std::string format_sock_addr(const sock_addr& a)
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (a.family() == AF_INET) {
        auto* sin = reinterpret_cast<const sockaddr_in*>(&a.ss);
        inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
        return std::string(buf) + ":" + std::to_string(ntohs(sin->sin_port));
    }
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&a.ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(sin6->sin6_port));
}

std::optional<inner_addr> parse_inner_addr(std::string_view text)
{
    std::string s(text);
    inner_addr out;
    if (inet_pton(AF_INET, s.c_str(), out.bytes) == 1) {
        out.family = 4;
        return out;
    }
    if (inet_pton(AF_INET6, s.c_str(), out.bytes) == 1) {
        out.family = 6;
        return out;
    }
    return std::nullopt;
}

namespace {

template <typename T>
T parse_uint(std::string_view name, std::string_view v, T max)
{
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n > static_cast<uint64_t>(max)) {
        throw usage_error{std::string(name) + ": expected an integer from 0 to " +
                          std::to_string(static_cast<uint64_t>(max)) + ", got '" +
                          std::string(v) + "'"};
    }
    return static_cast<T>(n);
}

double parse_double(std::string_view name, std::string_view v)
{
    std::string s(v);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(d >= 0) || d > 1e9) {
        throw usage_error{std::string(name) + ": expected a non-negative number, got '" + s + "'"};
    }
    return d;
}

crypto::key32 parse_key(std::string_view name, std::string_view v)
{
    auto k = crypto::key_from_base64(v);
    if (!k) {
        throw usage_error{std::string(name) + ": not a base64 32-byte key (44 characters)"};
    }
    return *k;
}

inner_addr parse_inner(std::string_view name, std::string_view v)
{
    auto a = parse_inner_addr(v);
    if (!a) {
        throw usage_error{std::string(name) + ": not an IPv4 or IPv6 address: '" +
                          std::string(v) + "'"};
    }
    return *a;
}

sock_addr parse_endpoint(std::string_view name, std::string_view v)
{
    auto a = parse_sock_addr(v);
    if (!a) {
        throw usage_error{std::string(name) + ": expected ADDR:PORT or [ADDR6]:PORT, got '" +
                          std::string(v) + "'"};
    }
    return *a;
}

void check_consistency(const options& o, bool have_listen)
{
    if (o.what == mode::none) {
        throw usage_error{"no mode given: send, recv, echo, replay or tun (with --tun NAME)"};
    }
    if (!have_listen) {
        throw usage_error{"--listen ADDR:PORT is required"};
    }
    bool sends = o.what != mode::recv;
    if (sends && o.what != mode::echo && !o.relay) {
        throw usage_error{"--relay ADDR:PORT is required to send"};
    }
    if (o.relay && o.relay->family() != o.listen.family()) {
        throw usage_error{"--listen and --relay must be of the same address family"};
    }
    if (sends && o.what != mode::replay && !o.have_send_key) {
        throw usage_error{"--send-key is required to send"};
    }
    if (o.what != mode::replay && !o.have_recv_key) {
        throw usage_error{"--recv-key is required (every mode may receive)"};
    }
    if (o.what == mode::send) {
        if (o.count == 0) {
            throw usage_error{"send: --count N is required"};
        }
        if (o.src.family == 0 || o.dst.family == 0) {
            throw usage_error{"send: --src and --dst (inner addresses) are required"};
        }
        if (o.src.family != o.dst.family) {
            throw usage_error{"--src and --dst must be of the same family"};
        }
        if (o.size < 16 || o.size > 8192) {
            throw usage_error{"--size: inner UDP payload of 16 to 8192 bytes"};
        }
        if (o.duplicate_lag == 0 || o.duplicate_lag > 64) {
            throw usage_error{"--duplicate-lag: 1 to 64"};
        }
    }
    if (o.what == mode::recv && o.expect == 0) {
        throw usage_error{"recv: --expect N is required"};
    }
    if (o.min_ratio > 1.0) {
        throw usage_error{"--min-ratio: 0 to 1"};
    }
    if (o.what == mode::replay && o.replay_path.empty()) {
        throw usage_error{"replay: --from FILE is required"};
    }
    if (o.what == mode::tun && o.tun_name.empty()) {
        throw usage_error{"tun: --tun NAME is required"};
    }
    if (o.timeout_s <= 0) {
        throw usage_error{"--timeout must be positive"};
    }
}

} // namespace

std::optional<options> parse_options(int argc, char** argv)
{
    options o;
    bool have_listen = false;
    using setter = std::function<void(std::string_view name, std::string_view value)>;
    // Options taking a value; flags are handled below.
    const std::map<std::string_view, setter> with_value = {
        {"--listen", [&](auto n, auto v) { o.listen = parse_endpoint(n, v); have_listen = true; }},
        {"--relay", [&](auto n, auto v) { o.relay = parse_endpoint(n, v); }},
        {"--send-key",
         [&](auto n, auto v) { o.send_key = parse_key(n, v); o.have_send_key = true; }},
        {"--recv-key",
         [&](auto n, auto v) { o.recv_key = parse_key(n, v); o.have_recv_key = true; }},
        {"--local-index", [&](auto n, auto v) { o.local_index = parse_uint(n, v, UINT32_MAX); }},
        {"--remote-index", [&](auto n, auto v) { o.remote_index = parse_uint(n, v, UINT32_MAX); }},
        {"--src", [&](auto n, auto v) { o.src = parse_inner(n, v); }},
        {"--dst", [&](auto n, auto v) { o.dst = parse_inner(n, v); }},
        {"--sport", [&](auto n, auto v) { o.sport = parse_uint<uint16_t>(n, v, 65535); }},
        {"--dport", [&](auto n, auto v) { o.dport = parse_uint<uint16_t>(n, v, 65535); }},
        {"--counter-start",
         [&](auto n, auto v) { o.counter_start = parse_uint(n, v, UINT64_MAX >> 1); }},
        {"--timeout", [&](auto n, auto v) { o.timeout_s = parse_double(n, v); }},
        {"--rate", [&](auto n, auto v) { o.rate_pps = parse_double(n, v); }},
        {"--count", [&](auto n, auto v) { o.count = parse_uint(n, v, UINT64_MAX >> 1); }},
        {"--size", [&](auto n, auto v) { o.size = parse_uint(n, v, UINT32_MAX); }},
        {"--keepalive-every",
         [&](auto n, auto v) { o.keepalive_every = parse_uint(n, v, UINT64_MAX); }},
        {"--duplicate-every",
         [&](auto n, auto v) { o.duplicate_every = parse_uint(n, v, UINT64_MAX); }},
        {"--duplicate-lag",
         [&](auto n, auto v) { o.duplicate_lag = parse_uint(n, v, UINT32_MAX); }},
        {"--linger", [&](auto n, auto v) { o.linger_s = parse_double(n, v); }},
        {"--record", [&](auto, auto v) { o.record_path = std::string(v); }},
        {"--from", [&](auto, auto v) { o.replay_path = std::string(v); }},
        {"--expect", [&](auto n, auto v) { o.expect = parse_uint(n, v, UINT64_MAX >> 1); }},
        {"--min-ratio", [&](auto n, auto v) { o.min_ratio = parse_double(n, v); }},
        {"--idle", [&](auto n, auto v) { o.idle_s = parse_double(n, v); }},
        {"--tun", [&](auto, auto v) { o.tun_name = std::string(v); }},
    };
    const std::map<std::string_view, mode> modes = {
        {"send", mode::send}, {"recv", mode::recv}, {"echo", mode::echo},
        {"tun", mode::tun}, {"replay", mode::replay},
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(help_text, stdout);
            return std::nullopt;
        }
        if (arg == "--progress") {
            o.progress = true;
            continue;
        }
        if (arg == "--expect-echo") {
            o.expect_echo = true;
            continue;
        }
        if (auto m = modes.find(arg); m != modes.end()) {
            if (o.what != mode::none) {
                throw usage_error{"two modes given: '" + std::string(arg) + "'"};
            }
            o.what = m->second;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        auto opt = with_value.find(name);
        if (opt == with_value.end()) {
            throw usage_error{"unknown argument '" + std::string(arg) + "'"};
        }
        if (!value) {
            if (i + 1 >= argc) {
                throw usage_error{std::string(name) + " needs a value"};
            }
            value = argv[++i];
        }
        opt->second(name, *value);
    }
    if (o.what == mode::none && !o.tun_name.empty()) {
        o.what = mode::tun;
    }
    check_consistency(o, have_listen);
    return o;
}

} // namespace edgerelay::tools::wgflow
