// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// What the control socket prints: plain views of the state and their text and JSON forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/abi/records.hh"
#include "common/crypto/secret.hh"
#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp::process {

class json_writer;

/// The interface part of `show`.
struct interface_view {
    std::string instance;
    crypto::key32 public_key{};
    uint16_t listen_port = 0;
    bool attached = false;   ///< the segment is mapped
    bool ready = false;      ///< attached, heartbeating and programmed
    bool draining = false;
    uint64_t generation = 0; ///< segment generation we programmed
};

/// One peer, as `show` and `peers` print it.
struct peer_view {
    abi::peer_id id = abi::no_peer;
    std::string name;
    crypto::key32 public_key{};
    std::string endpoint; ///< "host:port", empty if unknown
    std::vector<std::string> allowed_ips;
    std::optional<nanos> latest_handshake; ///< wall time since the Unix epoch
    uint64_t rx_bytes = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_packets = 0; ///< from the dataplane's per-peer counters (0 without one)
    uint64_t tx_packets = 0;
    uint16_t persistent_keepalive_s = 0;
    std::string handshake_state; ///< "zeroed", "initiation sent", ...
    bool has_session = false;    ///< a current keypair (ours or, after a restart, the dataplane's)
    bool from_config = true;     ///< false when added with add-peer
};

struct route_view {
    std::string prefix;
    std::string via; ///< "local", or the peer's name or public key
    abi::next_hop hop = 0;
};

struct worker_view {
    uint16_t worker = 0;
    uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
    std::vector<std::pair<std::string, uint64_t>> drops; ///< non-zero reasons only
};

/// `wg show` style text: interface block, then one block per peer. `now_wall` turns
/// handshake times into "N seconds ago".
std::string format_show(const interface_view& itf, const std::vector<peer_view>& peers,
                        nanos now_wall);
std::string format_show_json(const interface_view& itf, const std::vector<peer_view>& peers,
                             nanos now_wall);

std::string format_peers(const std::vector<peer_view>& peers, nanos now_wall);
/// One peer as a JSON object: what `peers --json` lists and the HTTP API's /peers serves.
void write_peer_json(json_writer& j, const peer_view& p, nanos now_wall);
std::string format_peers_json(const std::vector<peer_view>& peers, nanos now_wall);

std::string format_routes(const std::vector<route_view>& routes);
std::string format_routes_json(const std::vector<route_view>& routes);

std::string format_stats(const std::vector<worker_view>& workers);
std::string format_stats_json(const std::vector<worker_view>& workers);

/// "1 minute, 5 seconds" as `wg show` writes durations ("Now" for zero).
std::string format_duration(uint64_t seconds);
/// "512 B", "1.50 KiB", "3.20 MiB", ... as `wg show` writes transfer amounts.
std::string format_bytes(uint64_t bytes);

} // namespace edgerelay::cp::process
