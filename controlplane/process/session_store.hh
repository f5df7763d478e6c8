// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The keys of live sessions, kept so that a restarted dataplane gets them back (replay).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/abi/records.hh"
#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp::process {

/// Records every install_keypair command on its way to the dataplane, keyed by local index,
/// and forgets it when the keypair is retired. The peer manager keeps only a mirror of the
/// slots, not a way to re-emit them, so this is where a replay finds the keys.
/// Key bytes are wiped when an entry goes.
class session_store {
  public:
    session_store() = default;
    session_store(const session_store&) = delete;
    session_store& operator=(const session_store&) = delete;
    ~session_store();

    /// Looks at a command going to the dataplane: records install_keypair, forgets on
    /// retire_keypair (by index) and remove_peer. Other commands are ignored.
    /// @param now monotonic time the command was sent.
    void observe(const abi::command& c, nanos now);

    /// Records a keypair read back from a dataplane we did not program (a restarted control
    /// plane adopting it) exactly as if we had just installed it: its age and send counter
    /// are the dataplane's at readback time, so replay ages it and jumps the counter from
    /// there. An index already recorded is left as it is.
    /// @param now monotonic time of the readback.
    void adopt(const abi::ev_rb_keypair& k, nanos now);

    /// Forgets one keypair (keypair_expired event).
    void forget(uint32_t local_index) noexcept;

    /// Keeps only the keypairs whose local index is in `live` (what the peer manager still
    /// holds in some slot): keypairs it pushed out of a slot are not retired by name.
    void retain(const std::set<uint32_t>& live);

    /// The install command that puts this keypair back into a fresh dataplane, or nullopt
    /// if it is unknown or too old. Its age is advanced by the time since it was recorded,
    /// and its send counter moved past every counter the old dataplane could have used (see
    /// send_counter_bound), so no nonce is ever reused. seq and crc are left zero.
    /// @param slot where to put it (current or next).
    std::optional<abi::command> replay(uint32_t local_index, abi::key_slot slot, nanos now,
                                       uint64_t reject_after_time_ms) const;

    /// The first send counter that is safe after `elapsed` of use by a dataplane that started
    /// at `initial`: a keypair cannot send more than one packet per nanosecond (≈ 1 Gpps, far
    /// above what the workers together reach), plus a margin. Jumping ahead is harmless to
    /// the receiver, whose replay window simply slides.
    static uint64_t send_counter_bound(uint64_t initial, nanos elapsed) noexcept;

    size_t size() const noexcept { return _keys.size(); }
    bool contains(uint32_t local_index) const noexcept { return _keys.contains(local_index); }

  private:
    struct entry {
        abi::cmd_install_keypair install; // as sent; slot is rewritten on replay
        nanos recorded;
    };
    void erase(std::map<uint32_t, entry>::iterator it) noexcept;

    std::map<uint32_t, entry> _keys;
};

} // namespace edgerelay::cp::process
