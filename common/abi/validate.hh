// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Table-free checks of records arriving over the segment, and the CRC32C that seals commands.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/records.hh"

namespace edgerelay::abi {

/// CRC32C (Castagnoli, RFC 3720 §B.4): reflected, initial value and final xor 0xFFFFFFFF.
/// @param data bytes to checksum (may be null when len is 0)
/// @param len number of bytes
/// @return the CRC; "123456789" gives 0xE3069283.
uint32_t crc32c(const void* data, std::size_t len) noexcept;

/// Computes the command's CRC over all 128 bytes with the crc field zeroed, and stores it.
/// Call after every other field is final.
void seal(command& c) noexcept;

/// Returns whether the command's crc field matches its contents.
bool crc_ok(const command& c) noexcept;

/// Checks everything about a command that needs no table: crc, type, reserved and unused body
/// bytes zero, add_peer flags within peer_flags_known (else bad_reserved), peer ids <
/// lim.max_peers, route next hops a peer id, next_hop_local or next_hop_control, port
/// indices < lim.max_ports, prefix family/length/host bits, endpoint family/port/address, slot
/// range, non-zero keys, keypair age/counter below the reject limits, set_limits consistency.
/// The applier then checks what needs tables and answers unknown_peer, duplicate, not_found or
/// table_full with the same enum.
/// @return error::ok, or the first problem found: bad_crc, unknown_type, bad_reserved,
///   bad_peer_id, bad_family, bad_prefix, bad_key, bad_slot, bad_endpoint, bad_port,
///   bad_limits or expired.
error validate(const command& c, const limits& lim) noexcept;

/// Checks an injected packet: kind, reserved bytes, len in 1..max_packet_bytes, and for
/// udp_payload port < lim.max_ports, peer == no_peer, a usable remote, local empty or usable and
/// of the same family; for inner_packet peer < lim.max_peers, port_index 0, both endpoints empty
/// and an IPv4/IPv6 version nibble in bytes[0].
/// @return error::ok, unknown_type, bad_reserved, bad_length, bad_port, bad_peer_id,
///   bad_endpoint or bad_family.
error validate(const injected_packet& p, const limits& lim) noexcept;

/// Checks a punted packet before the control plane parses it: a known kind, reserved bytes
/// zero, len ≤ max_packet_bytes, port < lim.max_ports, a usable remote endpoint; for
/// udp_payload peer == no_peer; for inner_packet peer < lim.max_peers, len ≥ 1 and an
/// IPv4/IPv6 version nibble in bytes[0].
/// @return error::ok, unknown_type, bad_reserved, bad_length, bad_peer_id, bad_family,
///   bad_port or bad_endpoint.
error validate(const punted_packet& p, const limits& lim) noexcept;

/// Checks a prefix: family 4 or 6, length ≤ 32/128, no host bits, IPv4 bytes 4..15 zero,
/// reserved zero.
/// @return error::ok, bad_family, bad_prefix or bad_reserved.
error validate(const prefix& p) noexcept;

/// Checks that an endpoint is usable as a unicast UDP peer address: family 4 or 6, reserved zero,
/// port non-zero, address neither unspecified nor multicast (nor IPv4 broadcast), IPv4 bytes
/// 4..15 zero.
/// @return error::ok or bad_endpoint.
error validate(const wire::endpoint& e) noexcept;

} // namespace edgerelay::abi
