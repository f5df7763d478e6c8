// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Moving a single-segment mbuf's data window once its bounds are checked: the stages have
// validated lengths, headroom and tailroom already, so rte_pktmbuf_adj()/trim()/prepend()/
// append()'s own checks (and their pkt_len/last-segment walks) would only repeat them.
#pragma once

#include <cstdint>

#include <rte_mbuf.h>

namespace edgerelay::dp {

/// Keeps `len` bytes starting `skip` bytes into the current data.
/// Preconditions: m->nb_segs == 1 (classify drops chains), skip + len <= data_len.
inline void pkt_narrow(rte_mbuf* m, uint16_t skip, uint16_t len) noexcept
{
    m->data_off = static_cast<uint16_t>(m->data_off + skip);
    m->data_len = len;
    m->pkt_len = len;
}

/// Grows the data by `head` bytes in front and `tail` bytes behind; returns the new start.
/// Preconditions: m->nb_segs == 1, head <= headroom, tail <= tailroom.
inline uint8_t* pkt_widen(rte_mbuf* m, uint16_t head, uint16_t tail) noexcept
{
    m->data_off = static_cast<uint16_t>(m->data_off - head);
    m->data_len = static_cast<uint16_t>(m->data_len + head + tail);
    m->pkt_len = m->data_len;
    return rte_pktmbuf_mtod(m, uint8_t*);
}

} // namespace edgerelay::dp
