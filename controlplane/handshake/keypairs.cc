// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Keypair slot transitions on handshake completion and on first use of an unconfirmed keypair.
#include "controlplane/handshake/keypairs.hh"

#include <utility>

namespace edgerelay::cp {

retired_keypairs keypair_slots::install(transport_keys&& keys) noexcept
{
    retired_keypairs r;
    if (keys.initiator) {
        if (_next) {
            // An unconfirmed responder keypair exists; the peer may already be using it, so it
            // becomes previous (still receivable) and the old current goes.
            r.push(_previous);
            r.push(_current);
            _previous = std::move(_next);
            _next.reset();
        } else {
            r.push(_previous);
            _previous = std::move(_current);
        }
        _current = std::move(keys);
    } else {
        // Responder: wait for confirmation. previous goes so that, once next is confirmed,
        // the slots hold exactly the two keypairs the peer may still be sending with.
        r.push(_next);
        r.push(_previous);
        _previous.reset();
        _next = std::move(keys);
    }
    return r;
}

bool keypair_slots::received_with(uint32_t local_index, retired_keypairs* retired) noexcept
{
    if (!_next || _next->local_index != local_index) {
        return false;
    }
    if (retired) {
        retired->push(_previous);
    }
    _previous = std::move(_current);
    _current = std::move(_next);
    _next.reset();
    return true;
}

retired_keypairs keypair_slots::clear() noexcept
{
    retired_keypairs r;
    r.push(_current);
    r.push(_previous);
    r.push(_next);
    _current.reset();
    _previous.reset();
    _next.reset();
    return r;
}

} // namespace edgerelay::cp
