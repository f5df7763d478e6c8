// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// route: longest-prefix match on the inner destination → next-hop peer, local delivery or the
// control plane.
//
// Uses: meta.peer (the peer it came from, or no_peer for access input).
// Sets: meta.hop. Next: a peer → encrypt (kept); local → the access port's tx list;
// control → ctx.punted (inner packets from a tunnel only); no route, or a route back to where
// it came from → drop.
#include "common/abi/records.hh"
#include "dataplane/stages/inner_addr.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

// Local delivery: onto the access port as a bare IP packet (TUN) or in an Ethernet frame.
void deliver_local(worker_ctx& c, pkt* m) noexcept
{
    if (c.access_port == no_port) [[unlikely]] {
        c.drop(m, drop_reason::no_local_port);
        return;
    }
    if (c.port_kinds[c.access_port] == drv::port_kind::access_eth) {
        const bool v4 = (rte_pktmbuf_mtod(m, const uint8_t*)[0] >> 4) == 4;
        auto* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 14));
        if (eth == nullptr) [[unlikely]] {
            c.drop(m, drop_reason::too_big);
            return;
        }
        std::memcpy(eth, c.access_dst_mac, 6);
        std::memcpy(eth + 6, c.access_src_mac, 6);
        eth[12] = v4 ? 0x08 : 0x86;
        eth[13] = v4 ? 0x00 : 0xdd;
    }
    tx_list& out = c.tx[c.access_port];
    out.pkts[out.n++] = m;
    c.counters->local_delivered++;
}

// Control-plane delivery (mesh health probes): the authenticated inner packet goes to the punt
// ring whole. Not rate-limited like handshakes: only a peer holding a session reaches it, and a
// full ring drops (punt_full) rather than waits.
void punt_control(worker_ctx& c, pkt* m) noexcept
{
    auto& md = drv::meta(m);
    if (md.peer == no_peer) [[unlikely]] {
        c.drop(m, drop_reason::control_from_access);
        return;
    }
    if (rte_pktmbuf_data_len(m) > abi::max_packet_bytes || m->nb_segs != 1) [[unlikely]] {
        c.drop(m, drop_reason::control_too_big);
        return;
    }
    if (c.n_punted == max_burst) [[unlikely]] { // cannot happen: a burst holds max_burst packets
        c.drop(m, drop_reason::punt_full);
        return;
    }
    md.hop = next_hop_control;
    c.punted[c.n_punted++] = m;
    c.counters->control_punted++;
}

} // namespace

uint16_t route_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    inner_keys keys;
    for (uint16_t i = 0; i < n; i++) {
        keys.add(pkts[i], i, ipv4_dst_off, ipv6_dst_off);
    }
    uint32_t hop[max_burst];
    lookup_scatter(keys, c.tables->routes4(), c.tables->routes6(), hop);

    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        auto& md = drv::meta(m);
        if (hop[i] == next_hop_local) {
            deliver_local(c, m);
            continue;
        }
        if (hop[i] == next_hop_none) [[unlikely]] {
            c.drop(m, drop_reason::no_route);
            continue;
        }
        if (hop[i] == next_hop_control) [[unlikely]] {
            punt_control(c, m);
            continue;
        }
        if (hop[i] == md.peer) [[unlikely]] {
            c.drop(m, drop_reason::route_loop);
            continue;
        }
        md.hop = hop[i];
        pkts[kept++] = m;
    }
    return kept;
}

} // namespace edgerelay::dp
