// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The relay pipeline's stages. Each takes a burst, keeps the packets that go on in the front
// of the array (in order) and returns their count; the rest are dropped (counted once, freed
// at the end of the burst), punted, or queued for transmission (DPDK lib/ipsec style).
#pragma once

#include <cstdint>

#include "dataplane/worker_ctx.hh"

namespace edgerelay::dp {

/// Underlay input → WireGuard transport messages. Uses: the port kind. Sets: meta.remote,
/// meta.local, meta.payload_off/len, meta.msg_type. Next: transport → decrypt; types 1-3 →
/// ctx.punted; malformed or not for our port → drop.
uint16_t classify_process(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept;

/// Access input (plaintext from the local side) → inner IP packets at the mbuf data start.
/// Sets: meta.peer = no_peer. Next: route; malformed → drop.
uint16_t classify_access_process(worker_ctx& c, pkt** pkts, uint16_t n,
                                 drv::port_kind kind) noexcept;

/// Transport messages → authenticated inner IP packets (mbuf data starts at the inner
/// header, trimmed to its length). Uses: meta.payload_off/len, meta.remote. Sets: meta.peer.
/// Next: cryptokey; keepalives counted and consumed; unknown index, expired, replayed,
/// forged → drop. Raises: keypair_expired, endpoint_roamed, keypair_confirmed.
uint16_t decrypt_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept;

/// Cryptokey routing: the inner source must lie in the sending peer's allowed IPs, unless the
/// peer is transit (peer_transit). Uses: meta.peer. Next: route; mismatch → drop.
uint16_t cryptokey_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept;

/// Route lookup on the inner destination. Uses: meta.peer (loop check). Sets: meta.hop.
/// Next: peer hop → encrypt (kept); local → the access port's tx list; next_hop_control →
/// ctx.punted (inner packets from a peer, ≤ abi::max_packet_bytes; else control_too_big or
/// control_from_access); none/loop → drop.
uint16_t route_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept;

/// Seals each packet for its next hop's current keypair, in place, prepending the 16-byte
/// transport header and appending padding and tag. Uses: meta.hop. Sets: meta.peer = hop.
/// Next: encap; no keypair, expired, exhausted, no room → drop. Raises: rekey_needed,
/// keypair_expired, handshake_wanted.
uint16_t encrypt_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept;

/// UDP/IP(/Ethernet) encapsulation toward the peer's endpoint, then onto the tx list of the
/// path's port. Uses: meta.peer. Next: ctx.tx[port]; no endpoint or no room → drop.
void encap_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept;

/// The whole relay pass for a burst received on an underlay port.
void relay_underlay_input(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept;

/// The whole pass for a burst received on the access (plaintext) port.
void relay_access_input(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept;

} // namespace edgerelay::dp
