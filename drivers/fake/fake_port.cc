// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// An in-memory port pair for whole-pipeline tests.
#include "drivers/fake/fake_port.hh"

#include <stdexcept>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "drivers/pkt_meta.hh"

namespace edgerelay::drv {

fake_port::fake_port(std::string name, port_kind kind, rte_ring* rx, rte_ring* tx, bool owns_rings)
    : _name(std::move(name)), _kind(kind), _rx(rx), _tx(tx), _owns_rings(owns_rings)
{
}

fake_port::~fake_port()
{
    // Drain what the other side sent and nobody received, so pools are whole again.
    pkt* m = nullptr;
    while (rte_ring_dequeue(_rx, reinterpret_cast<void**>(&m)) == 0) {
        rte_pktmbuf_free(m);
    }
    if (_owns_rings) {
        rte_ring_free(_rx);
        rte_ring_free(_tx);
    }
}

uint16_t fake_port::rx_burst(uint16_t, std::span<pkt*> pkts) noexcept
{
    auto n = static_cast<uint16_t>(rte_ring_sc_dequeue_burst(
        _rx, reinterpret_cast<void**>(pkts.data()), static_cast<unsigned>(pkts.size()), nullptr));
    for (uint16_t i = 0; i < n; i++) {
        meta(pkts[i]).port_index = _port_index;
    }
    _rx_count += n;
    return n;
}

uint16_t fake_port::tx_burst(uint16_t, std::span<pkt* const> pkts) noexcept
{
    auto n = static_cast<uint16_t>(rte_ring_sp_enqueue_burst(
        _tx, reinterpret_cast<void* const*>(pkts.data()), static_cast<unsigned>(pkts.size()),
        nullptr));
    _tx_count += n;
    return n;
}

fake_link fake_link::create(const std::string& name, port_kind kind_a, port_kind kind_b,
                            unsigned capacity)
{
    rte_ring* ab = rte_ring_create((name + ">").c_str(), capacity, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* ba = rte_ring_create((name + "<").c_str(), capacity, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ab == nullptr || ba == nullptr) {
        rte_ring_free(ab);
        rte_ring_free(ba);
        throw std::runtime_error("fake_link " + name + ": cannot create rings: " +
                                 rte_strerror(rte_errno));
    }
    fake_link link;
    // Side a owns both rings; b only borrows them and is destroyed first by the caller's order
    // of members (b is declared after a, so it is destroyed before a).
    link.a.reset(new fake_port(name + ":a", kind_a, ba, ab, true));
    link.b.reset(new fake_port(name + ":b", kind_b, ab, ba, false));
    return link;
}

} // namespace edgerelay::drv
