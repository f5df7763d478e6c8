// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Latency-shortest paths over the link-state database: the next hop for every remote prefix.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/config/address.hh"
#include "common/crypto/secret.hh"
#include "controlplane/routing/link_state_db.hh"

namespace edgerelay::cp::routing {

/// What our own prober says about one of OUR neighbours; it overrides what the database says
/// about the link between us and that neighbour.
struct local_override {
    crypto::key32 neighbour{};
    bool up = false;            ///< false (down or held): the link is removed at once
    uint32_t rtt_us = 0;        ///< 0: no measurement (the published cost or the prior is kept)
    uint16_t loss_permille = 0; ///< 0..1000 (larger values count as 1000)
};

/// One installed route.
struct route {
    config::prefix dst{};
    crypto::key32 owner{};            ///< the relay that owns dst
    crypto::key32 next_hop{};         ///< our neighbour to send to (== path.front())
    uint64_t cost_us = 0;             ///< sum of the link costs along the path
    std::vector<crypto::key32> path;  ///< relays after us, ending with owner
};

/// Routes sorted by dst (family, address, length).
struct route_table {
    std::vector<route> routes;
};

/// The cost of a link in µs: rtt_us × (1 + 10 × excess), excess = loss beyond a 5 % noise
/// floor (loss = loss_permille / 1000; so 15 % loss doubles the cost and 100 % is 10.5×); at
/// least 1. Loss inflates rather than excludes, so a lossy link is still used when it is the
/// only one. The floor: a 100-probe window cannot tell 0 from 4 % (at 2 % true loss it reads
/// 5 % or more one time in twenty), and published loss moves in 5 % steps, so without it every
/// such reading made a path 25-50 % dearer and swapped flows between equal paths.
uint64_t link_cost_us(uint32_t rtt_us, uint16_t loss_permille) noexcept;

/// Dijkstra from self. The graph is undirected: relays a and b are joined when at least one
/// of them publishes a link to the other and no side publishes it down; its cost is the
/// larger of the published measured costs (link_cost_us), or, when neither side measured it,
/// the great-circle prior (prior_rtt_us, unknown_prior_rtt_us without both locations).
/// `overrides` replace both sides' view of our own links: a down one is removed, an up one
/// exists (even if unpublished) with its measured cost when it has one. Relays that appear
/// only as neighbours (no record) can be transit but own nothing.
///
/// Every prefix owned by a reachable relay other than self gets the path of least cost; ties
/// are broken by comparing the paths as sequences of keys (bytewise), then by owner key when
/// several relays own the same prefix. Prefixes self owns, and unreachable ones, are absent.
/// Deterministic: the same inputs give the same table.
route_table compute_routes(const crypto::key32& self, const link_state_db& db,
                           std::span<const local_override> overrides);

} // namespace edgerelay::cp::routing
