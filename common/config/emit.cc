// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Writing a config back as YAML, every field in the documented order, so parse() round-trips it.
#include <charconv>
#include <cstdio>

#include <yaml-cpp/yaml.h>

#include "common/config/config.hh"
#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

// Shortest text that reads back to the same double (yaml-cpp's own precision would not).
std::string number(double v)
{
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string(buf, ec == std::errc() ? end : buf);
}

void key_value(YAML::Emitter& out, const char* key, const std::string& value)
{
    out << YAML::Key << key << YAML::Value << value;
}

void key_value(YAML::Emitter& out, const char* key, uint64_t value)
{
    out << YAML::Key << key << YAML::Value << static_cast<unsigned long long>(value);
}

void prefixes(YAML::Emitter& out, const char* key, const std::vector<prefix>& list)
{
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const prefix& p : list) {
        out << format_prefix(p);
    }
    out << YAML::EndSeq;
}

void dataplane(YAML::Emitter& out, const dataplane_config& d)
{
    out << YAML::Key << "dataplane" << YAML::Value << YAML::BeginMap;
    key_value(out, "driver", to_string(d.driver));
    if (d.cores.empty()) {
        key_value(out, "cores", "auto");
    } else {
        out << YAML::Key << "cores" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (uint32_t c : d.cores) {
            out << c;
        }
        out << YAML::EndSeq;
    }
    key_value(out, "workers", d.workers);
    key_value(out, "max_peers", d.max_peers);
    key_value(out, "max_routes", d.max_routes);
    out << YAML::Key << "hugepages" << YAML::Value << d.hugepages;
    out << YAML::Key << "eal_args" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& a : d.eal_args) {
        out << YAML::DoubleQuoted << a;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq;
    for (const port_config& p : d.ports) {
        out << YAML::Flow << YAML::BeginMap;
        key_value(out, "name", p.name);
        if (!p.devargs.empty()) {
            out << YAML::Key << "devargs" << YAML::Value << YAML::DoubleQuoted << p.devargs;
        }
        key_value(out, "role", to_string(p.role));
        if (p.address) {
            key_value(out, "address", format_prefix(*p.address));
        }
        if (p.gateway_mac) {
            char mac[18];
            const auto& m = *p.gateway_mac;
            std::snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                          m[4], m[5]);
            out << YAML::Key << "gateway_mac" << YAML::Value << YAML::DoubleQuoted << mac;
        }
        key_value(out, "vlan", p.vlan);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "io_uring" << YAML::Value << YAML::BeginMap;
    if (!d.io_uring.bind.empty()) {
        out << YAML::Key << "bind" << YAML::Value << YAML::DoubleQuoted
            << format_address(d.io_uring.bind);
    }
    key_value(out, "family", to_string(d.io_uring.family));
    if (d.io_uring.tun) {
        out << YAML::Key << "tun" << YAML::Value << YAML::Flow << YAML::BeginMap;
        key_value(out, "name", d.io_uring.tun->name);
        prefixes(out, "address", d.io_uring.tun->addresses);
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    out << YAML::EndMap;
}

void peers(YAML::Emitter& out, const config& c)
{
    out << YAML::Key << "peers" << YAML::Value << YAML::BeginSeq;
    for (const peer_config& p : c.peers) {
        out << YAML::BeginMap;
        key_value(out, "public_key", crypto::key_to_base64(p.public_key.data()));
        if (!p.endpoint.empty()) {
            key_value(out, "endpoint", format_endpoint(p.endpoint));
        }
        prefixes(out, "allowed_ips", p.allowed_ips);
        if (p.preshared_key) {
            key_value(out, "preshared_key", crypto::key_to_base64(p.preshared_key->data()));
        }
        key_value(out, "persistent_keepalive", p.persistent_keepalive);
        if (!p.name.empty()) {
            key_value(out, "name", p.name);
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

} // namespace

std::string to_yaml(const config& c)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    key_value(out, "instance", c.instance);
    out << YAML::Key << "identity" << YAML::Value << YAML::BeginMap;
    key_value(out, "private_key_file", c.identity.private_key_file);
    key_value(out, "node_key_file", c.identity.node_key_file);
    out << YAML::EndMap;
    key_value(out, "listen_port", c.listen_port);
    key_value(out, "mtu", c.mtu);
    if (!c.region.empty()) {
        key_value(out, "region", c.region);
    }
    if (c.location) {
        out << YAML::Key << "location" << YAML::Value << YAML::Flow << YAML::BeginMap;
        key_value(out, "latitude", number(c.location->latitude));
        key_value(out, "longitude", number(c.location->longitude));
        out << YAML::EndMap;
    }
    out << YAML::Key << "http" << YAML::Value << YAML::Flow << YAML::BeginMap;
    key_value(out, "address", format_endpoint(c.http_address));
    out << YAML::EndMap;
    key_value(out, "control_socket", c.control_socket);
    dataplane(out, c.dataplane);
    out << YAML::Key << "bootstrap" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const wire::endpoint& e : c.bootstrap) {
        out << YAML::DoubleQuoted << format_endpoint(e);
    }
    out << YAML::EndSeq;
    out << YAML::Key << "dht" << YAML::Value << YAML::BeginMap;
    key_value(out, "port", c.dht.port);
    key_value(out, "state_file", c.dht.state_file);
    key_value(out, "k_nearest", c.dht.k_nearest);
    out << YAML::EndMap;
    out << YAML::Key << "health" << YAML::Value << YAML::Flow << YAML::BeginMap;
    key_value(out, "interval_ms", c.health.interval_ms);
    key_value(out, "misses", c.health.misses);
    key_value(out, "timeout_ms", c.health.timeout_ms);
    out << YAML::EndMap;
    out << YAML::Key << "announce" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "endpoints" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const wire::endpoint& e : c.announce.endpoints) {
        out << YAML::DoubleQuoted << format_endpoint(e);
    }
    out << YAML::EndSeq;
    out << YAML::Key << "prefixes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const prefix& p : c.announce.prefixes) {
        out << YAML::DoubleQuoted << format_prefix(p);
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    peers(out, c);
    out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
    for (const route_config& r : c.routes) {
        out << YAML::Flow << YAML::BeginMap;
        key_value(out, "prefix", format_prefix(r.dest));
        key_value(out, "via", r.via);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace edgerelay::config
