// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The settings that make a libtorrent session a private, DHT-only node.
#include "controlplane/dht/session_settings.hh"

#include <libtorrent/alert.hpp>

namespace edgerelay::cp::dht {

namespace lt = libtorrent;

std::string listen_interfaces(const dht_options& opts)
{
    std::string out;
    for (const auto& a : opts.bind_addresses) {
        if (!out.empty()) {
            out += ',';
        }
        bool v6 = a.find(':') != std::string::npos;
        out += v6 ? "[" + a + "]" : a;
        out += ':' + std::to_string(opts.port);
    }
    return out;
}

lt::settings_pack session_settings(const dht_options& opts)
{
    using sp = lt::settings_pack;
    sp p;
    p.set_str(sp::listen_interfaces, listen_interfaces(opts));
    // A busy port is an error to report, not a reason to listen on a random one nobody knows.
    p.set_bool(sp::listen_system_port_fallback, false);
    // No router nodes, ever: libtorrent's default is dht.libtorrent.org (public), and the routers
    // it is given are never put in its routing table, so a relay listed as bootstrap would not
    // be used to store records. dht_node adds the configured bootstrap relays as ordinary nodes.
    p.set_str(sp::dht_bootstrap_nodes, "");
    p.set_bool(sp::enable_dht, true);
    p.set_bool(sp::enable_lsd, false);
    p.set_bool(sp::enable_upnp, false);
    p.set_bool(sp::enable_natpmp, false);
    p.set_bool(sp::enable_ip_notifier, false);  // listen addresses are configured, not followed
    p.set_bool(sp::enable_incoming_tcp, false); // no torrents: no peer connections at all
    p.set_bool(sp::enable_outgoing_tcp, false);
    p.set_bool(sp::enable_incoming_utp, false);
    p.set_bool(sp::enable_outgoing_utp, false);
    p.set_int(sp::connections_limit, 1);
    p.set_str(sp::user_agent, "edgerelay");
    p.set_str(sp::peer_fingerprint, "-ER0100-");
    // libtorrent's 8 kB/s default suits a BitTorrent client, not a relay that looks up records
    // for its control plane; 100 kB/s still bounds what a node gives away.
    p.set_int(sp::dht_upload_rate_limit, 100'000);
    // libtorrent blocks a source sending more than 5 queries/s for 5 minutes: a defence for the
    // public DHT that, in a private mesh of a few relays, locks out the very relays a lookup
    // (get_peers, key queries, gets and puts to every node) must reach. 100/s still stops a flood.
    p.set_int(sp::dht_block_ratelimit, 100);
    p.set_int(sp::alert_mask, lt::alert_category::dht | lt::alert_category::dht_operation |
                                  lt::alert_category::error | lt::alert_category::status);
    p.set_int(sp::alert_queue_size, 10'000);
    if (opts.loopback_testing) {
        // Every node of a test network shares 127.0.0.1: the one-node-per-IP (and per /24)
        // routing and search rules would keep a single node, the per-IP rate limit (5/s)
        // would block the rest, and node ids cannot be derived from one IP (BEP 42).
        p.set_bool(sp::dht_restrict_routing_ips, false);
        p.set_bool(sp::dht_restrict_search_ips, false);
        p.set_bool(sp::dht_prefer_verified_node_ids, false);
        p.set_bool(sp::dht_enforce_node_id, false);
        p.set_bool(sp::dht_ignore_dark_internet, false);
        p.set_int(sp::dht_block_ratelimit, 1'000'000);
        p.set_int(sp::dht_upload_rate_limit, 10'000'000);
    }
    return p;
}

} // namespace edgerelay::cp::dht
