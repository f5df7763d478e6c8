// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The one YAML configuration file both processes read, parsed into plain structs at start-up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config/address.hh"
#include "common/crypto/secret.hh"
#include "common/wire/endpoint.hh"

namespace edgerelay::config {

/// A configuration problem, located in its file. Thrown only while loading at start-up.
/// what() is `<file>:<line>:<col>: <field path>: <problem>; hint: <how to fix>`; the location is
/// shortened to `<file>:` when line is 0 and the path part is left out when the field is empty.
class config_error : public std::runtime_error {
  public:
    config_error(std::string file, int line, int column, std::string field, std::string problem,
                 std::string hint);

    const std::string& file() const noexcept { return _file; }
    int line() const noexcept { return _line; }     ///< 1-based; 0 when not tied to a line
    int column() const noexcept { return _column; } ///< 1-based; 0 when not tied to a line
    const std::string& field() const noexcept { return _field; } ///< e.g. "peers[1].endpoint"
    const std::string& problem() const noexcept { return _problem; }
    const std::string& hint() const noexcept { return _hint; }

  private:
    std::string _file;
    int _line;
    int _column;
    std::string _field;
    std::string _problem;
    std::string _hint;
};

enum class driver_kind : uint8_t { auto_select, dpdk, io_uring };
enum class port_role : uint8_t { underlay, access };
enum class ip_family : uint8_t { ipv4, ipv6, dual };

/// A DPDK ethdev port (dataplane.ports[]).
struct port_config {
    std::string name;    ///< vdev name or PCI address
    std::string devargs; ///< empty = none
    port_role role = port_role::underlay;
    std::optional<prefix> address; ///< interface address; required for underlay
    std::optional<std::array<uint8_t, 6>> gateway_mac;
    uint16_t vlan = 0; ///< 0 = untagged, else 1..4094

    bool operator==(const port_config&) const = default;
};

/// The io_uring driver's local access side (dataplane.io_uring.tun).
struct tun_config {
    std::string name = "er0";
    std::vector<prefix> addresses; ///< interface addresses, host bits kept; may be empty

    bool operator==(const tun_config&) const = default;
};

/// dataplane.io_uring: UDP sockets and an optional TUN.
struct io_uring_config {
    wire::endpoint bind; ///< address only (port 0); family 0 = wildcard of `family`
    ip_family family = ip_family::dual;
    std::optional<tun_config> tun;

    bool operator==(const io_uring_config&) const = default;
};

/// The `dataplane:` section, the only one the dataplane process reads.
struct dataplane_config {
    driver_kind driver = driver_kind::auto_select;
    std::vector<uint32_t> cores; ///< empty = auto (hwloc picks `workers` cores)
    uint32_t workers = 1;        ///< equals cores.size() when cores are listed
    uint32_t max_peers = 4096;
    uint32_t max_routes = 65536;
    bool hugepages = true; ///< false = EAL --no-huge
    std::vector<std::string> eal_args;
    std::vector<port_config> ports;
    io_uring_config io_uring;

    bool operator==(const dataplane_config&) const = default;
};

struct identity_config {
    std::string private_key_file = "/etc/edgerelay/private.key"; ///< X25519, mode 0600
    std::string node_key_file = "/etc/edgerelay/node.key";       ///< Ed25519 seed

    bool operator==(const identity_config&) const = default;
};

struct location_config {
    double latitude = 0;  ///< -90..90
    double longitude = 0; ///< -180..180

    bool operator==(const location_config&) const = default;
};

struct dht_config {
    uint16_t port = 4222;
    std::string state_file = "/var/lib/edgerelay/dht.state";
    uint32_t k_nearest = 2;

    bool operator==(const dht_config&) const = default;
};

struct health_config {
    uint32_t interval_ms = 100;
    uint32_t misses = 3;
    /// A probe unanswered this long is lost; 0 = two intervals (see prober_config).
    uint32_t timeout_ms = 0;

    bool operator==(const health_config&) const = default;
};

/// What this relay announces in its relay record (discovery), beyond what it derives itself.
struct announce_config {
    /// Underlay endpoints other relays reach this one at. Empty = derived from
    /// dataplane.io_uring.bind or the underlay ports' addresses, with listen_port.
    std::vector<wire::endpoint> endpoints;
    /// Prefixes this relay owns besides its static peers' allowed IPs (e.g. a local subnet).
    std::vector<prefix> prefixes;

    bool operator==(const announce_config&) const = default;
};

/// A static peer, in wg-quick terms.
struct peer_config {
    crypto::key32 public_key{};
    wire::endpoint endpoint; ///< family 0 = none (learned when it connects)
    std::vector<prefix> allowed_ips;
    std::optional<crypto::secret32> preshared_key;
    uint16_t persistent_keepalive = 0; ///< seconds, 0 = off
    std::string name;                  ///< empty = none

    /// Compares the preshared keys in constant time.
    bool operator==(const peer_config& o) const;
};

/// A static route: prefix to a peer, or to the local access side.
struct route_config {
    prefix dest;
    std::string via;      ///< as written: a peer name, a peer public key, or "local"
    bool local = false;   ///< via is "local"
    std::size_t peer = 0; ///< index into config::peers when !local

    bool operator==(const route_config&) const = default;
};

/// The whole file. Every member holds its default when the file leaves it out.
struct config {
    std::string instance = "edgerelay"; ///< names /edgerelay-<instance> and the socket
    identity_config identity;
    uint16_t listen_port = 51820;
    uint16_t mtu = 1420;
    std::string region; ///< empty = none
    std::optional<location_config> location;
    wire::endpoint http_address; ///< default 127.0.0.1:4040
    std::string control_socket;  ///< default /run/edgerelay/<instance>.sock
    dataplane_config dataplane;
    std::vector<wire::endpoint> bootstrap;
    dht_config dht;
    health_config health;
    announce_config announce;
    std::vector<peer_config> peers;
    std::vector<route_config> routes;

    config();
    bool operator==(const config&) const = default;
};

/// Reads and validates a configuration file.
/// @throw config_error for an unreadable file, YAML syntax errors, unknown or duplicate keys,
///        wrong types, bad values and duplicate peers, allowed IPs or routes
config load(const std::string& path);

/// Validates configuration text; errors name `name_for_errors` as the file.
/// @throw config_error as load()
config parse(const std::string& yaml_text, const std::string& name_for_errors);

/// Writes every field, defaults included, in the documented order; parse() of the result gives
/// back an equal config. Preshared keys are written too, so the text is as secret as the file.
std::string to_yaml(const config& c);

/// Checks that a private key file is a regular file that neither group nor others can access
/// (mode 0600 or stricter), as `wg` insists. The control plane calls it before reading the key.
/// @throw config_error naming the file and the field identity.private_key_file, with a chmod hint
void check_key_file_mode(const std::string& path);

/// Text of the enumerations, as written in the file.
const char* to_string(driver_kind d) noexcept;
const char* to_string(port_role r) noexcept;
const char* to_string(ip_family f) noexcept;

} // namespace edgerelay::config
