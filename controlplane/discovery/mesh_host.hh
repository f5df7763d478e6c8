// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// What the mesh manager asks of the control-plane process: relay tunnels, routes, packets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/abi/records.hh"
#include "common/crypto/secret.hh"
#include "common/wire/endpoint.hh"

namespace edgerelay::cp::discovery {

/// The daemon's side of the mesh. An interface so the mesh manager never reaches into the
/// daemon's tables: peer ids, route replay after a dataplane restart and the command ring stay
/// the daemon's business. Called from the loop's thread only.
class mesh_host {
  public:
    virtual ~mesh_host() = default;

    /// Adds a relay tunnel: a transit peer (no inner-source check, no allowed IPs) with a
    /// stable peer id, and starts its handshake. nullopt when the peer cannot be added (table
    /// full, the key is a static peer's).
    virtual std::optional<abi::peer_id> add_relay_peer(const crypto::key32& wg_key,
                                                       const wire::endpoint& endpoint,
                                                       const std::string& name) = 0;
    /// Removes a relay tunnel added by add_relay_peer (its mesh routes first).
    virtual void remove_relay_peer(abi::peer_id id) = 0;
    /// Starts a handshake with a relay peer that has no session (no-op within REKEY_TIMEOUT).
    virtual void ensure_session(abi::peer_id id) = 0;
    /// Installs (or replaces) the mesh route to dst; nullopt removes it. A static route of the
    /// configuration for the same prefix wins and is left alone.
    virtual void set_mesh_route(const abi::prefix& dst, std::optional<abi::next_hop> hop) = 0;
    /// Sends an inner IP packet into the tunnel to a peer (encrypted by the dataplane).
    virtual void send_inner(abi::peer_id id, std::span<const uint8_t> packet) = 0;
    /// Prefixes this relay owns because of its static peers (their allowed IPs).
    virtual std::vector<abi::prefix> static_prefixes() const = 0;
    /// Whether the dataplane is programmed (punts and injects flow).
    virtual bool dataplane_running() const = 0;
};

} // namespace edgerelay::cp::discovery
