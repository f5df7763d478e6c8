// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Text and JSON forms of show, peers, routes and stats.
#include "controlplane/process/format.hh"

#include <cstdio>

#include "common/crypto/encoding.hh"
#include "controlplane/process/json.hh"

namespace edgerelay::cp::process {

namespace {

std::string key_text(const crypto::key32& k)
{
    return crypto::key_to_base64(k.data());
}

std::string join(const std::vector<std::string>& v, const char* sep)
{
    std::string out;
    for (const auto& s : v) {
        out += (out.empty() ? "" : sep) + s;
    }
    return out;
}

// Seconds since the handshake; nullopt if none or if the clock went back.
std::optional<uint64_t> seconds_ago(const std::optional<nanos>& when, nanos now_wall)
{
    if (!when) {
        return std::nullopt;
    }
    nanos d = now_wall - *when;
    return d.count() < 0 ? 0 : uint64_t(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

} // namespace

void write_peer_json(json_writer& j, const peer_view& p, nanos now_wall)
{
    j.begin_object();
    j.key("id").value(uint64_t(p.id));
    j.key("name").value(p.name);
    j.key("public_key").value(key_text(p.public_key));
    j.key("endpoint");
    if (p.endpoint.empty()) {
        j.null();
    } else {
        j.value(p.endpoint);
    }
    j.key("allowed_ips").begin_array();
    for (const auto& a : p.allowed_ips) {
        j.value(a);
    }
    j.end_array();
    j.key("latest_handshake_seconds_ago");
    if (auto s = seconds_ago(p.latest_handshake, now_wall)) {
        j.value(*s);
    } else {
        j.null();
    }
    j.key("rx_packets").value(p.rx_packets);
    j.key("rx_bytes").value(p.rx_bytes);
    j.key("tx_packets").value(p.tx_packets);
    j.key("tx_bytes").value(p.tx_bytes);
    j.key("persistent_keepalive").value(unsigned(p.persistent_keepalive_s));
    j.key("handshake_state").value(p.handshake_state);
    j.key("session").value(p.has_session);
    j.key("source").value(p.from_config ? "config" : "runtime");
    j.end_object();
}

std::string format_duration(uint64_t seconds)
{
    if (seconds == 0) {
        return "Now";
    }
    struct unit {
        uint64_t size;
        const char* name;
    };
    static constexpr unit units[] = {
        {365ull * 24 * 3600, "year"}, {24 * 3600, "day"}, {3600, "hour"}, {60, "minute"},
        {1, "second"}};
    std::string out;
    for (const auto& u : units) {
        uint64_t n = seconds / u.size;
        seconds %= u.size;
        if (n == 0) {
            continue;
        }
        out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
    }
    return out;
}

std::string format_bytes(uint64_t bytes)
{
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        return std::to_string(bytes) + " B";
    }
    double v = double(bytes) / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

std::string format_show(const interface_view& itf, const std::vector<peer_view>& peers,
                        nanos now_wall)
{
    std::string out = "interface: " + itf.instance + "\n";
    out += "  public key: " + key_text(itf.public_key) + "\n";
    out += "  private key: (hidden)\n";
    out += "  listening port: " + std::to_string(itf.listen_port) + "\n";
    out += std::string("  dataplane: ") +
           (!itf.attached ? "not attached"
            : itf.ready   ? "ready (generation " + std::to_string(itf.generation) + ")"
                          : "attached, not ready") +
           (itf.draining ? ", draining" : "") + "\n";
    for (const auto& p : peers) {
        out += "\npeer: " + key_text(p.public_key) + "\n";
        if (!p.name.empty()) {
            out += "  name: " + p.name + "\n";
        }
        if (!p.endpoint.empty()) {
            out += "  endpoint: " + p.endpoint + "\n";
        }
        out += "  allowed ips: " + (p.allowed_ips.empty() ? "(none)" : join(p.allowed_ips, ", ")) +
               "\n";
        if (auto s = seconds_ago(p.latest_handshake, now_wall)) {
            out += "  latest handshake: " +
                   (*s == 0 ? std::string("Now") : format_duration(*s) + " ago") + "\n";
        }
        if (p.rx_bytes != 0 || p.tx_bytes != 0) {
            out += "  transfer: " + format_bytes(p.rx_bytes) + " received, " +
                   format_bytes(p.tx_bytes) + " sent\n";
        }
        if (p.persistent_keepalive_s != 0) {
            out += "  persistent keepalive: every " + format_duration(p.persistent_keepalive_s) +
                   "\n";
        }
    }
    return out;
}

std::string format_show_json(const interface_view& itf, const std::vector<peer_view>& peers,
                             nanos now_wall)
{
    json_writer j;
    j.begin_object();
    j.key("interface").value(itf.instance);
    j.key("public_key").value(key_text(itf.public_key));
    j.key("listen_port").value(unsigned(itf.listen_port));
    j.key("dataplane").begin_object();
    j.key("attached").value(itf.attached);
    j.key("ready").value(itf.ready);
    j.key("generation").value(itf.generation);
    j.end_object();
    j.key("draining").value(itf.draining);
    j.key("peers").begin_array();
    for (const auto& p : peers) {
        write_peer_json(j, p, now_wall);
    }
    j.end_array();
    j.end_object();
    return j.take();
}

std::string format_peers(const std::vector<peer_view>& peers, nanos now_wall)
{
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-5s %-16s %-44s %-24s %-10s %s\n", "ID", "NAME",
                  "PUBLIC KEY", "ENDPOINT", "SESSION", "HANDSHAKE");
    out += line;
    for (const auto& p : peers) {
        auto s = seconds_ago(p.latest_handshake, now_wall);
        std::string hs = s ? std::to_string(*s) + "s ago" : "never";
        std::snprintf(line, sizeof line, "%-5u %-16s %-44s %-24s %-10s %s\n", unsigned(p.id),
                      p.name.empty() ? "-" : p.name.c_str(), key_text(p.public_key).c_str(),
                      p.endpoint.empty() ? "-" : p.endpoint.c_str(),
                      p.has_session ? "up" : "down", hs.c_str());
        out += line;
    }
    return out;
}

std::string format_peers_json(const std::vector<peer_view>& peers, nanos now_wall)
{
    json_writer j;
    j.begin_array();
    for (const auto& p : peers) {
        write_peer_json(j, p, now_wall);
    }
    j.end_array();
    return j.take();
}

std::string format_routes(const std::vector<route_view>& routes)
{
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-44s %s\n", "PREFIX", "VIA");
    out += line;
    for (const auto& r : routes) {
        std::snprintf(line, sizeof line, "%-44s %s\n", r.prefix.c_str(), r.via.c_str());
        out += line;
    }
    return out;
}

std::string format_routes_json(const std::vector<route_view>& routes)
{
    json_writer j;
    j.begin_array();
    for (const auto& r : routes) {
        j.begin_object();
        j.key("prefix").value(r.prefix);
        j.key("via").value(r.via);
        j.key("local").value(r.hop == abi::next_hop_local);
        j.end_object();
    }
    j.end_array();
    return j.take();
}

std::string format_stats(const std::vector<worker_view>& workers)
{
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-7s %14s %14s %14s %14s %14s\n", "WORKER", "RX PKTS",
                  "RX BYTES", "TX PKTS", "TX BYTES", "DROPS");
    out += line;
    for (const auto& w : workers) {
        uint64_t drops = 0;
        for (const auto& [name, n] : w.drops) {
            drops += n;
        }
        std::snprintf(line, sizeof line, "%-7u %14llu %14llu %14llu %14llu %14llu\n",
                      unsigned(w.worker), (unsigned long long)w.rx_packets,
                      (unsigned long long)w.rx_bytes, (unsigned long long)w.tx_packets,
                      (unsigned long long)w.tx_bytes, (unsigned long long)drops);
        out += line;
        for (const auto& [name, n] : w.drops) {
            std::snprintf(line, sizeof line, "  drop %-30s %14llu\n", name.c_str(),
                          (unsigned long long)n);
            out += line;
        }
    }
    return out;
}

std::string format_stats_json(const std::vector<worker_view>& workers)
{
    json_writer j;
    j.begin_array();
    for (const auto& w : workers) {
        j.begin_object();
        j.key("worker").value(unsigned(w.worker));
        j.key("rx_packets").value(w.rx_packets);
        j.key("rx_bytes").value(w.rx_bytes);
        j.key("tx_packets").value(w.tx_packets);
        j.key("tx_bytes").value(w.tx_bytes);
        j.key("drops").begin_object();
        for (const auto& [name, n] : w.drops) {
            j.key(name).value(n);
        }
        j.end_object();
        j.end_object();
    }
    j.end_array();
    return j.take();
}

} // namespace edgerelay::cp::process
