// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// What our prober measured, in the two forms routing takes: overrides and published links.
#pragma once

#include <vector>

#include "controlplane/health/prober.hh"
#include "controlplane/routing/compute_routes.hh"
#include "controlplane/routing/link_state_db.hh"

namespace edgerelay::cp::routing {

/// One override per probed neighbour: up only in state up (down and held are down), RTT from
/// the smoothed RTT (0 before the first reply), loss from the prober's window, in ‰.
std::vector<local_override> overrides_from(const health::prober& p);

/// The same view as the links of our own relay record, for publishing.
std::vector<link> links_from(const health::prober& p);

} // namespace edgerelay::cp::routing
