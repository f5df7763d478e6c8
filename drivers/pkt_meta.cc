// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Packet pools whose mbufs carry pkt_meta in their private area.
#include "drivers/pkt_meta.hh"

namespace edgerelay::drv {

rte_mempool* pkt_pool_create(const char* name, unsigned n, int socket_id) noexcept
{
    // The per-lcore cache keeps rx refills and tx frees off the shared ring (l3fwd's 256).
    const unsigned cache = n >= 4096 ? 256 : 0;
    return rte_pktmbuf_pool_create(name, n, cache, pkt_meta_priv_size,
                                   RTE_PKTMBUF_HEADROOM + 2048, socket_id);
}

} // namespace edgerelay::drv
