// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Conversions between the configuration's types and the segment's records, and their text.
#pragma once

#include <string>

#include "common/abi/records.hh"
#include "common/config/address.hh"

namespace edgerelay::cp::process {

/// The segment form of a configuration prefix (host bits cleared).
abi::prefix to_abi(const config::prefix& p) noexcept;

/// The configuration form of a segment prefix.
config::prefix to_config(const abi::prefix& p) noexcept;

/// "10.1.0.0/16" or "fd01::/64".
std::string format_prefix(const abi::prefix& p);

/// Whether two segment prefixes name the same network (reserved bytes ignored).
bool same_prefix(const abi::prefix& a, const abi::prefix& b) noexcept;

/// A strict weak order on prefixes, for maps and stable output.
bool prefix_less(const abi::prefix& a, const abi::prefix& b) noexcept;

} // namespace edgerelay::cp::process
