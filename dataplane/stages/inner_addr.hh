// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Reads an already-validated inner IP header's addresses for the table lookups.
#pragma once

#include <cstdint>
#include <cstring>

#include <rte_mbuf.h>

#include "common/wire/bytes.hh"

namespace edgerelay::dp {

/// Both lookups (allowed IPs on the source, routes on the destination) split a burst by
/// IP version and look each half up in bulk; this gathers the keys.
struct inner_keys {
    uint32_t v4[32];
    uint8_t v6[32][16];
    uint16_t v4_at[32]; ///< index in the burst of each v4 key
    uint16_t v6_at[32];
    uint16_t n4 = 0;
    uint16_t n6 = 0;

    /// field_v4 / field_v6: byte offset of the address (12/16 for IPv4 src/dst, 8/24 for IPv6).
    void add(const rte_mbuf* m, uint16_t at, uint16_t field_v4, uint16_t field_v6) noexcept
    {
        const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*);
        if ((ip[0] >> 4) == 4) {
            v4_at[n4] = at;
            v4[n4++] = wire::load_be32(ip + field_v4);
        } else {
            v6_at[n6] = at;
            std::memcpy(v6[n6++], ip + field_v6, 16);
        }
    }
};

/// Looks every gathered key up in its family's table and scatters the results back into
/// burst order: out[i] is packet i's value. One bulk call per family and burst.
template <class Table4, class Table6>
void lookup_scatter(const inner_keys& keys, const Table4& t4, const Table6& t6,
                    uint32_t* out) noexcept
{
    // An IPv4-only burst (the usual one) has its keys in burst order: no scatter needed.
    if (keys.n6 == 0) {
        t4.lookup_bulk(keys.v4, keys.n4, out);
        return;
    }
    uint32_t found4[32];
    uint32_t found6[32];
    t4.lookup_bulk(keys.v4, keys.n4, found4);
    t6.lookup_bulk(keys.v6, keys.n6, found6);
    for (uint16_t i = 0; i < keys.n4; i++) {
        out[keys.v4_at[i]] = found4[i];
    }
    for (uint16_t i = 0; i < keys.n6; i++) {
        out[keys.v6_at[i]] = found6[i];
    }
}

inline constexpr uint16_t ipv4_src_off = 12, ipv4_dst_off = 16;
inline constexpr uint16_t ipv6_src_off = 8, ipv6_dst_off = 24;

} // namespace edgerelay::dp
