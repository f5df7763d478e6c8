// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// cryptokey: the inner source address must lie in the sending peer's allowed IPs
// (WireGuard's cryptokey routing, receive side).
//
// Uses: meta.peer (set by decrypt), the inner header (validated by decrypt).
// Next: route; a source outside the peer's allowed IPs → drop cryptokey_mismatch, unless the
// peer is a transit (relay-to-relay) tunnel: its sources belong to prefixes behind other relays
// and were checked where the packet entered the mesh.
#include "dataplane/stages/inner_addr.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

// Cold path only: the flag is read on a mismatch, so ordinary traffic pays nothing for it.
bool transit_peer(const worker_ctx& c, peer_id id) noexcept
{
    const peer* p = c.tables->peers().get(id);
    return p != nullptr && (p->flags & peer_transit) != 0;
}

} // namespace

uint16_t cryptokey_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    inner_keys keys;
    for (uint16_t i = 0; i < n; i++) {
        keys.add(pkts[i], i, ipv4_src_off, ipv6_src_off);
    }
    uint32_t owner[max_burst];
    lookup_scatter(keys, c.tables->allowed4(), c.tables->allowed6(), owner);

    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; i++) {
        if (owner[i] != drv::meta(pkts[i]).peer) [[unlikely]] {
            if (!transit_peer(c, drv::meta(pkts[i]).peer)) {
                c.drop(pkts[i], drop_reason::cryptokey_mismatch);
                continue;
            }
        }
        pkts[kept++] = pkts[i];
    }
    return kept;
}

} // namespace edgerelay::dp
