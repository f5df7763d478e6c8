// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Per-packet metadata, kept in each mbuf's private area so every driver and stage shares it.
#pragma once

#include <cstdint>

#include <rte_mbuf.h>

#include "common/wire/endpoint.hh"

namespace edgerelay::drv {

/// Lives in the mbuf private area (pools are created with priv_size = sizeof(pkt_meta)).
/// Drivers set `remote` and `port_index` on receive; stages set the rest.
struct pkt_meta {
    wire::endpoint remote;   ///< rx: underlay source; tx on underlay_udp ports: destination
    wire::endpoint local;    ///< rx: underlay destination (our address) when the driver knows it
    uint16_t port_index;     ///< rx: port it arrived on; tx: port it must leave on
    uint16_t payload_off;    ///< offset of the WireGuard message (or inner IP) in the data
    uint16_t payload_len;    ///< its length
    uint8_t msg_type;        ///< WireGuard message type after classify (1..4), 0 for access traffic
    uint8_t flags;
    uint32_t peer;           ///< peer the packet came from (after decrypt) or goes to
    uint32_t hop;            ///< route lookup result
    uint32_t reserved[2];
};
static_assert(sizeof(pkt_meta) <= 64);
static_assert(sizeof(pkt_meta) % RTE_MBUF_PRIV_ALIGN == 0);

inline constexpr uint16_t pkt_meta_priv_size = 64;

inline pkt_meta& meta(rte_mbuf* m) noexcept
{
    return *static_cast<pkt_meta*>(rte_mbuf_to_priv(m));
}

/// Creates a packet pool whose mbufs carry pkt_meta, with 2048 bytes of data room after
/// RTE_PKTMBUF_HEADROOM (room for outer Ethernet + VLAN + IPv6 + UDP + WireGuard header).
/// Returns nullptr with rte_errno set on failure. Start-up only.
rte_mempool* pkt_pool_create(const char* name, unsigned n, int socket_id) noexcept;

} // namespace edgerelay::drv
