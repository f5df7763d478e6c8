// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The link-state database: what every relay last published about itself and its links.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/config/address.hh"
#include "common/crypto/secret.hh"
#include "controlplane/routing/geo.hh"

namespace edgerelay::cp::routing {

using nanos = std::chrono::nanoseconds;

/// One tunnel of a relay, as that relay measured it.
struct link {
    crypto::key32 neighbour{};
    uint32_t rtt_us = 0;        ///< measured RTT; 0 = no measurement yet (the prior is used)
    uint16_t loss_permille = 0; ///< 0..1000
    bool up = true;             ///< false: the publisher's prober says down (or held)
};

/// What a relay publishes (its relay record plus its links), and when we last received it.
struct relay_state {
    crypto::key32 key{};          ///< the relay's WireGuard public key (its identity here)
    bool has_location = false;
    geo_point location{};
    std::string region;
    std::vector<config::prefix> prefixes; ///< what it owns; masked, family 4 or 6
    std::vector<link> links;
    uint64_t seq = 0;             ///< the publisher's sequence number (BEP 44 seq)
    uint64_t timestamp = 0;       ///< the publisher's timestamp (Unix s); shown, never compared
    nanos received{};             ///< our monotonic time of the update (set by update())
};

/// Limits on a published record, so a hostile record cannot blow up route computation.
inline constexpr size_t max_links_per_relay = 1024;
inline constexpr size_t max_prefixes_per_relay = 4096;
inline constexpr size_t max_region_len = 64;

enum class update_result : uint8_t {
    inserted, ///< first record of this relay
    replaced, ///< newer seq than the one held
    stale,    ///< seq not newer than the one held: ignored
    invalid,  ///< refused (see link_state_db::update)
};

/// "inserted", "replaced", "stale" or "invalid".
const char* to_string(update_result r) noexcept;

/// Relay records by key. Single-threaded; the caller feeds it from the DHT (and its own
/// record from its prober).
class link_state_db {
  public:
    /// Stores r if its seq is newer than the held one. Refused as invalid: a prefix with a bad
    /// family or length or with host bits set, loss over 1000, more than the max_* limits, a
    /// link to itself or the same neighbour twice, a region too long. A location with bad
    /// coordinates is not an error: it is dropped (has_location = false).
    /// @param now stored as r.received, for expire()
    update_result update(relay_state r, nanos now);

    /// @return false if the relay was not known
    bool remove(const crypto::key32& key);

    /// Removes every relay not updated within max_age (received + max_age <= now).
    /// @return how many were removed
    size_t expire(nanos now, nanos max_age);

    /// nullptr when unknown; valid until the next update/remove/expire.
    const relay_state* find(const crypto::key32& key) const;
    const std::map<crypto::key32, relay_state>& relays() const noexcept { return _relays; }
    size_t size() const noexcept { return _relays.size(); }

  private:
    std::map<crypto::key32, relay_state> _relays;
};

} // namespace edgerelay::cp::routing
