// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// classify: parse the underlay headers and sort WireGuard messages into transport and punt.
//
// Uses: the port kind (decided once per burst). Sets: meta.remote, meta.local,
// meta.payload_off, meta.payload_len, meta.msg_type.
// Next: transport (type 4) → decrypt; handshake and cookie (1-3) → ctx.punted; the rest →
// drop with the parser's verdict as the reason.
#include <span>

#include "dataplane/stages/stages.hh"
#include "common/wire/headers.hh"
#include "common/wire/parse.hh"
#include "common/wire/parse_fast.hh"
#include "common/wire/wireguard.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

// Fills meta from the outer headers of an Ethernet frame; false means dropped.
bool parse_underlay_eth(worker_ctx& c, pkt* m, drv::pkt_meta& md) noexcept
{
    wire::outer_info o;
    auto frame = std::span(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
    // The fast path takes the usual untagged/802.1Q IPv4 frame; everything else, and every
    // frame that fails a check, gets the generic parser's verdict.
    if (!wire::parse_outer_fast(frame, o)) [[unlikely]] {
        wire::verdict v = wire::parse_outer(frame, o);
        if (v != wire::verdict::ok) [[unlikely]] {
            c.drop(m, drop_reason_of(v));
            return false;
        }
    }
    if (o.dst.port != c.overlay_port) [[unlikely]] {
        c.drop(m, drop_reason::not_overlay_port);
        return false;
    }
    md.remote = o.src;
    md.local = o.dst;
    md.payload_off = o.payload_offset;
    md.payload_len = o.payload_len;
    return true;
}

// classify_wg()'s verdict for the one message type that matters per packet, without the call:
// a transport message (type 4, reserved bytes zero, one little-endian word) of at least 32 bytes.
// Anything else takes classify_wg() for its exact verdict.
bool is_plain_transport(std::span<const uint8_t> payload) noexcept
{
    return payload.size() >= wire::wg_transport_min_len &&
           wire::load_le32(payload.data()) == wire::message_type_transport;
}

} // namespace

uint16_t classify_process(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept
{
    const bool eth = kind == drv::port_kind::underlay_eth;
    uint16_t kept = 0;
    uint64_t rx_bytes = 0; // the worker's counters are added once per burst
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        auto& md = drv::meta(m);
        rx_bytes += rte_pktmbuf_pkt_len(m);
        if (m->nb_segs != 1) [[unlikely]] {
            c.drop(m, drop_reason::too_big); // jumbo chains never carry WireGuard at our MTU
            continue;
        }
        if (eth) {
            if (!parse_underlay_eth(c, m, md)) {
                continue;
            }
        } else {
            // The kernel already checked IP and UDP: the payload is the whole buffer.
            md.payload_off = 0;
            md.payload_len = rte_pktmbuf_data_len(m);
        }
        uint8_t type = wire::message_type_transport;
        auto payload = std::span(rte_pktmbuf_mtod_offset(m, const uint8_t*, md.payload_off),
                                 md.payload_len);
        if (!is_plain_transport(payload)) [[unlikely]] {
            wire::verdict v = wire::classify_wg(payload, type);
            if (v != wire::verdict::ok) [[unlikely]] {
                c.drop(m, drop_reason_of(v));
                continue;
            }
        }
        md.msg_type = type;
        if (type == wire::message_type_transport) [[likely]] {
            pkts[kept++] = m;
        } else if (c.n_punted < max_burst) {
            c.punted[c.n_punted++] = m;
            c.counters->punted++;
        } else {
            c.drop(m, drop_reason::punt_full);
        }
    }
    c.counters->rx_packets += n;
    c.counters->rx_bytes += rx_bytes;
    return kept;
}

uint16_t classify_access_process(worker_ctx& c, pkt** pkts, uint16_t n,
                                 drv::port_kind kind) noexcept
{
    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        auto& md = drv::meta(m);
        c.counters->rx_packets++;
        c.counters->rx_bytes += rte_pktmbuf_pkt_len(m);
        if (m->nb_segs != 1) [[unlikely]] {
            c.drop(m, drop_reason::too_big);
            continue;
        }
        if (kind == drv::port_kind::access_eth) {
            if (rte_pktmbuf_data_len(m) < wire::eth_hdr_len) [[unlikely]] {
                c.drop(m, drop_reason::eth_truncated);
                continue;
            }
            rte_pktmbuf_adj(m, wire::eth_hdr_len);
        }
        wire::inner_info in;
        auto ip = std::span(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
        wire::verdict v = wire::parse_inner(ip, in);
        if (v != wire::verdict::ok) [[unlikely]] {
            c.drop(m, drop_reason_of(v));
            continue;
        }
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - in.length));
        md.peer = no_peer;
        md.msg_type = 0;
        pkts[kept++] = m;
    }
    return kept;
}

} // namespace edgerelay::dp
