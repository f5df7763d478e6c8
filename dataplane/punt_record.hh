// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The segment record for a packet the worker hands to the control plane.
#pragma once

#include <cstdint>

#include "common/abi/records.hh"
#include "drivers/port.hh"

namespace edgerelay::dp {

/// Fills rec (all other bytes zero) from a packet in worker_ctx::punted: a handshake or cookie
/// message (classify: msg_type 1..3; bytes = its UDP payload, peer = no_peer) or an
/// authenticated inner packet routed to next_hop_control (route: msg_type 4; bytes = the whole
/// IP packet, peer = the sending peer, remote = its endpoint). Copies at most max_packet_bytes.
/// @return false when the packet has no bytes or does not fit a record (the caller drops it).
bool make_punt_record(drv::pkt* m, uint16_t worker, uint64_t rx_ns,
                      abi::punted_packet& rec) noexcept;

} // namespace edgerelay::dp
