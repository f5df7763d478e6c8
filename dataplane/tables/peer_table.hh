// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Fixed array of peer slots: workers read a peer's path and keypairs without locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/model.hh"

namespace edgerelay::dp {

/// Which of a peer's three keypair pointers (WireGuard's current/previous/next).
enum class keypair_slot : uint8_t { current, previous, next };

/// Peer slots indexed by peer_id, allocated once (rte_zmalloc, cache aligned, on the
/// caller's NUMA socket) and never moved, so a worker's peer* stays valid for the
/// table's lifetime. One writer (the applier) publishes pointers with release stores;
/// anything it swaps out must be freed only after a QSBR grace period.
class peer_table {
public:
    /// @param capacity slots; valid ids are 0 .. capacity-1 (capacity <= max_peer_id + 1)
    /// @return the table, or nullptr with a message on stderr (bad capacity, no memory)
    static std::unique_ptr<peer_table> create(uint32_t capacity);
    ~peer_table();
    peer_table(const peer_table&) = delete;
    peer_table& operator=(const peer_table&) = delete;

    /// Reader: the active peer with this id.
    /// @return nullptr when id is out of range or the slot is inactive.
    peer* get(peer_id id) const noexcept
    {
        if (id >= _capacity) {
            return nullptr;
        }
        peer* p = &_peers[id];
        return p->active.load(std::memory_order_acquire) ? p : nullptr;
    }

    /// Writer: the slot whatever its state (nullptr only when out of range).
    peer* slot(peer_id id) const noexcept { return id < _capacity ? &_peers[id] : nullptr; }

    /// Writer: makes slot id active with no path, no keypairs and these peer_flag bits.
    /// @return 0; -EINVAL out of range; -EEXIST already active.
    int activate(peer_id id, uint32_t flags = 0) noexcept;

    /// Writer: marks slot id inactive. Its path and keypairs must have been swapped out
    /// (and are the caller's to free after a grace period).
    /// @return 0; -EINVAL out of range; -ENOENT not active; -EBUSY a pointer is still set.
    int deactivate(peer_id id) noexcept;

    /// Writer: publishes a new path (nullptr: no endpoint).
    /// @return the previous path, to free after a grace period; nullptr if none or if id
    ///         is out of range or inactive (then nothing changed).
    const path* swap_path(peer_id id, const path* p) noexcept;

    /// Writer: publishes kp in one keypair slot.
    /// @return the keypair it replaces, to retire after a grace period (nullptr if none or
    ///         if id is out of range or inactive: then nothing changed).
    keypair* swap_keypair(peer_id id, keypair_slot which, keypair* kp) noexcept;

    /// Writer: WireGuard's rotation when `next` is confirmed (or a new initiator keypair
    /// is installed with `fresh`): previous <- current, current <- fresh or next (next
    /// <- nullptr when promoted; untouched when fresh is given). Readers may briefly see
    /// current == previous; each pointer they see stays valid.
    /// @param fresh the new current keypair; nullptr means "promote next"
    /// @return the old previous keypair, to retire after a grace period (or nullptr).
    keypair* rotate(peer_id id, keypair* fresh) noexcept;

    uint32_t capacity() const noexcept { return _capacity; }
    /// Active slots (writer-side count).
    uint32_t active_count() const noexcept { return _active; }
    /// DPDK memory taken by the slots.
    size_t memory_bytes() const noexcept { return _memory; }

private:
    peer_table() = default;
    peer* _peers = nullptr;
    uint32_t _capacity = 0;
    uint32_t _active = 0;
    size_t _memory = 0;
};

} // namespace edgerelay::dp
