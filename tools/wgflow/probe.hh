// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's inner packets: IPv4/IPv6 UDP datagrams carrying a sequence number and send time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tools/wgflow/options.hh"

namespace edgerelay::tools::wgflow {

/// Bytes of the probe header at the start of the UDP payload: sequence, then send time.
inline constexpr size_t probe_header_len = 16;

/// Builds an inner IP/UDP packet from o.src:o.sport to o.dst:o.dport with a payload of
/// o.size bytes: seq and sent_ns (big-endian), then a byte pattern. Checksums are valid, so the
/// kernel accepts it when a relay delivers it to a TUN. Returns the packet length; out must
/// hold 48 + o.size bytes.
size_t probe_build(const options& o, uint64_t seq, uint64_t sent_ns, uint8_t* out) noexcept;

/// What probe_parse() found in a decrypted plaintext.
struct probe_info {
    size_t ip_len = 0;     ///< real length of the inner packet (the plaintext is padded)
    bool to_us = true;     ///< destination is --src (or no --src was given)
    bool has_probe = false; ///< a UDP datagram with a probe header
    uint64_t seq = 0;
    uint64_t sent_ns = 0;
};

/// Parses a decrypted inner packet. Returns false when it is not an IP packet at all.
bool probe_parse(const options& o, std::span<const uint8_t> plain, probe_info& out) noexcept;

/// Swaps source and destination addresses and UDP ports of a parsed inner packet in place.
/// Both checksums stay valid: they are sums over fields that only trade places.
void probe_reflect(std::span<uint8_t> packet) noexcept;

} // namespace edgerelay::tools::wgflow
