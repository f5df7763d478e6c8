// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Which relays a relay opens tunnels to.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/crypto/secret.hh"
#include "controlplane/routing/geo.hh"

namespace edgerelay::cp::routing {

/// A relay we could open a tunnel to (or ourselves).
struct candidate {
    crypto::key32 key{};
    std::string region;
    bool has_location = false;
    geo_point location{};
};

/// Every candidate in self's region (when the region is not empty), plus the k nearest by
/// great-circle distance among the others; distance ties, and candidates without a usable
/// location (ours or theirs: those rank last), are ordered by key. Self and duplicate keys are
/// skipped. The result is sorted by key.
std::vector<crypto::key32> neighbour_policy(const candidate& self,
                                            std::span<const candidate> candidates, size_t k);

} // namespace edgerelay::cp::routing
