// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Punt records: one function for both kinds, so the worker and the tests build the same bytes.
#include "dataplane/punt_record.hh"

#include <cstring>

#include <rte_mbuf.h>

#include "common/wire/wireguard.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {

bool make_punt_record(drv::pkt* m, uint16_t worker, uint64_t rx_ns,
                      abi::punted_packet& rec) noexcept
{
    const auto& md = drv::meta(m);
    rec = abi::punted_packet{};
    rec.port_index = md.port_index;
    rec.worker = worker;
    rec.rx_ns = rx_ns;
    rec.remote = md.remote;
    rec.local = md.local;
    // Decrypted packets keep classify's transport type: that, not hop, tells the kinds apart,
    // because drivers need not clear the metadata a handshake punt never sets.
    const uint8_t* from;
    uint32_t len;
    if (md.msg_type == wire::message_type_transport) {
        rec.kind = abi::punt_kind::inner_packet;
        rec.peer = md.peer;
        from = rte_pktmbuf_mtod(m, const uint8_t*); // route runs on the stripped inner packet
        len = m->nb_segs == 1 ? rte_pktmbuf_data_len(m) : 0;
    } else {
        from = rte_pktmbuf_mtod_offset(m, const uint8_t*, md.payload_off);
        len = md.payload_len;
    }
    if (len == 0 || len > abi::max_packet_bytes) {
        return false;
    }
    rec.len = static_cast<uint16_t>(len);
    std::memcpy(rec.bytes, from, len);
    return true;
}

} // namespace edgerelay::dp
