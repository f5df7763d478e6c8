// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A peer's keypair slots (current, previous, next) with WireGuard's key confirmation rules.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "controlplane/handshake/noise.hh"

namespace edgerelay::cp {

/// Local indices of keypairs that left every slot: the caller unmaps them and tells the
/// dataplane to retire them.
struct retired_keypairs {
    std::array<uint32_t, 3> local_index{};
    size_t count = 0;

    void push(const std::optional<transport_keys>& k) noexcept
    {
        if (k) {
            local_index[count++] = k->local_index;
        }
    }
};

/// The three keypair slots of one peer, as plain data for the peer manager to mirror into
/// the dataplane (Linux noise.c add_new_keypair / received_with_keypair):
///  - current: used to send; also accepted on receive.
///  - previous: the one before, still accepted on receive so in-flight packets survive a rekey.
///  - next: a responder's new keypair, not yet confirmed: we may not send with it until the
///    initiator proves it has it by sending a transport packet with it.
/// An initiator's new keypair is confirmed by message 2 itself and goes straight to current.
class keypair_slots {
public:
    /// Installs the keys of a handshake that just completed.
    /// @return the keypairs pushed out of every slot (at most two).
    retired_keypairs install(transport_keys&& keys) noexcept;

    /// Records that a transport packet arrived under the keypair with this local index. When
    /// that is next, it is confirmed: next becomes current and current becomes previous.
    /// @return true if this confirmed next (the caller should reprogram the dataplane);
    ///         retired receives the keypair pushed out of previous, if any.
    bool received_with(uint32_t local_index, retired_keypairs* retired = nullptr) noexcept;

    /// Drops every keypair (peer removed, or keys expired: REJECT_AFTER_TIME * 3).
    retired_keypairs clear() noexcept;

    const std::optional<transport_keys>& current() const noexcept { return _current; }
    const std::optional<transport_keys>& previous() const noexcept { return _previous; }
    const std::optional<transport_keys>& next() const noexcept { return _next; }

private:
    std::optional<transport_keys> _current;
    std::optional<transport_keys> _previous;
    std::optional<transport_keys> _next;
};

} // namespace edgerelay::cp
