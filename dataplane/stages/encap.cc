// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// encap: put the sealed transport message into UDP/IP (and Ethernet on DPDK ports) toward the
// peer's current endpoint, then onto the tx list of the path's port.
//
// Uses: meta.peer. Sets: meta.remote, meta.local, meta.port_index (what underlay_udp ports
// send to). Next: ctx.tx[port]; no endpoint, unknown port or no headroom → drop.
#include "common/wire/build.hh"
#include "common/wire/outer_prebuilt.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

// The outer headers of one path, prepared once per run of packets to the same path: each
// packet then costs a fixed-size copy and its lengths and IPv4 checksum.
void prepare_path(const worker_ctx& c, const path& via, wire::outer_prebuilt& h) noexcept
{
    wire::outer_template t;
    t.src = via.local;
    t.dst = via.remote;
    std::memcpy(t.src_mac, via.src_mac, 6);
    std::memcpy(t.dst_mac, via.dst_mac, 6);
    t.checksum = c.udp4_checksum ? wire::udp_csum::full : wire::udp_csum::none;
    wire::prepare_outer(t, h);
}

// Prepends Ethernet + IP + UDP in software from the path's prepared headers.
bool prepend_outer(pkt* m, const wire::outer_prebuilt& h) noexcept
{
    const uint16_t payload_len = rte_pktmbuf_data_len(m);
    auto* at = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, h.len));
    if (at == nullptr) [[unlikely]] {
        return false;
    }
    wire::write_outer_prebuilt(at, h, at + h.len, payload_len);
    return true;
}

} // namespace

void encap_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    // Paths are immutable once published (replaced whole, freed after a grace period), so
    // headers prepared for one path pointer stay right for the whole burst.
    // Likewise a run of packets to one peer reads its path once.
    const path* templ_of = nullptr;
    wire::outer_prebuilt templ;
    uint32_t via_of = no_peer;
    const path* via = nullptr;
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        auto& md = drv::meta(m);
        if (md.peer != via_of || via == nullptr) {
            const peer* p = c.tables->peers().get(md.peer);
            via = p != nullptr ? p->route_path.load(std::memory_order_acquire) : nullptr;
            via_of = md.peer;
        }
        if (via == nullptr || via->remote.empty()) [[unlikely]] {
            c.drop(m, drop_reason::no_endpoint);
            continue;
        }
        if (via->port_index >= c.n_ports) [[unlikely]] {
            c.drop(m, drop_reason::no_endpoint);
            continue;
        }
        if (c.port_kinds[via->port_index] == drv::port_kind::underlay_eth) {
            if (via != templ_of) {
                prepare_path(c, *via, templ);
                templ_of = via;
            }
            if (!prepend_outer(m, templ)) [[unlikely]] {
                c.drop(m, drop_reason::too_big);
                continue;
            }
        }
        md.remote = via->remote;
        md.local = via->local;
        md.port_index = via->port_index;
        tx_list& out = c.tx[via->port_index];
        out.pkts[out.n++] = m;
    }
}

} // namespace edgerelay::dp
