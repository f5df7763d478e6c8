// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Text forms of addresses, endpoints and prefixes in the configuration and wg-quick files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/wire/endpoint.hh"

namespace edgerelay::config {

/// An IPv4 or IPv6 prefix (or, for interface addresses, an address with its prefix length).
/// IPv4 addresses occupy addr[0..3]; the rest of addr is zero.
struct prefix {
    uint8_t family = 0; ///< 4 or 6; 0 only in a default-constructed value
    uint8_t addr[16] = {};
    uint8_t len = 0; ///< 0..32 for IPv4, 0..128 for IPv6

    bool operator==(const prefix&) const = default;
};

/// Why a piece of text was refused, phrased for an operator: what is wrong and how to fix it.
struct text_problem {
    std::string problem; ///< e.g. `"10.0.0.5" has no port`
    std::string hint;    ///< e.g. `write host:port, e.g. 10.0.0.5:51820`
};

/// Parses a numeric IPv4 or IPv6 address without port or brackets ("10.0.0.1", "fd00::1").
/// Hostnames are refused: the configuration is read before any resolver can be trusted.
/// @param out receives the address with port 0 (left untouched on error)
/// @return nullopt on success, or the problem
std::optional<text_problem> parse_address(std::string_view text, wire::endpoint& out);

/// Parses "a.b.c.d:port" or "[v6]:port" with a port in 1..65535.
/// @return nullopt on success, or the problem (no port, bad port, hostname, bad address)
std::optional<text_problem> parse_endpoint(std::string_view text, wire::endpoint& out);

/// Parses "address/len" (or a bare address, taken as a host prefix /32 or /128).
/// @param host_bits_allowed true for interface addresses ("10.0.0.1/24"); false for routes and
///        allowed IPs, where set host bits are refused with the masked prefix as the hint
/// @return nullopt on success, or the problem
std::optional<text_problem> parse_prefix(std::string_view text, prefix& out,
                                         bool host_bits_allowed);

/// Returns the prefix with every bit beyond len cleared.
prefix masked(const prefix& p) noexcept;

/// "10.0.0.1" or "fd00::1" (no port); empty for family 0.
std::string format_address(const wire::endpoint& e);

/// "10.0.0.1:51820" or "[fd00::1]:51820"; empty for family 0.
std::string format_endpoint(const wire::endpoint& e);

/// "10.1.0.0/16" or "fd01::/64".
std::string format_prefix(const prefix& p);

/// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace edgerelay::config
