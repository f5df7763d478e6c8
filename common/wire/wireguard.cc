// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard message framing checks, run on every received datagram before any lookup.
#include "common/wire/wireguard.hh"

namespace edgerelay::wire {

verdict classify_wg(std::span<const uint8_t> payload, uint8_t& type, bool strict_padding) noexcept
{
    const size_t n = payload.size();
    if (n < sizeof(message_header)) {
        type = n > 0 ? payload[0] : 0;
        return verdict::wg_truncated;
    }
    const uint8_t* p = payload.data();
    type = p[0];
    // The Linux module reads the type as a little-endian 32-bit word, which makes nonzero
    // reserved bytes an unknown type; we keep the two cases apart so the counters say which.
    if (type < message_type_initiation || type > message_type_transport) {
        return verdict::wg_unknown_type;
    }
    if ((p[1] | p[2] | p[3]) != 0) {
        return verdict::wg_reserved_nonzero;
    }
    switch (type) {
    case message_type_initiation:
        return n == sizeof(message_initiation) ? verdict::ok : verdict::wg_bad_size;
    case message_type_response:
        return n == sizeof(message_response) ? verdict::ok : verdict::wg_bad_size;
    case message_type_cookie_reply:
        return n == sizeof(message_cookie_reply) ? verdict::ok : verdict::wg_bad_size;
    default:
        if (n < wg_transport_min_len) {
            return verdict::wg_transport_truncated;
        }
        // Only for senders known to pad strictly (see the header): saves an AEAD open on
        // datagrams they cannot have produced.
        if (strict_padding && (n - wg_transport_min_len) % wg_padding != 0) {
            return verdict::wg_transport_bad_padding;
        }
        return verdict::ok;
    }
}

} // namespace edgerelay::wire
