// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// What our prober measured, in the two forms routing takes: overrides and published links.
#include "controlplane/routing/from_health.hh"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgerelay::cp::routing {

namespace {

uint32_t rtt_us_of(const health::neighbour_status& s)
{
    if (!s.has_rtt) {
        return 0;
    }
    // Rounded up so that a measured sub-microsecond RTT is not mistaken for "no measurement".
    const int64_t us = (s.rtt_ewma.count() + 999) / 1000;
    return static_cast<uint32_t>(
        std::clamp<int64_t>(us, 1, std::numeric_limits<uint32_t>::max()));
}

uint16_t loss_permille_of(const health::neighbour_status& s)
{
    return static_cast<uint16_t>(std::clamp(std::lround(s.loss_ratio * 1000), 0L, 1000L));
}

} // namespace

std::vector<local_override> overrides_from(const health::prober& p)
{
    std::vector<local_override> out;
    for (const crypto::key32& k : p.neighbours()) {
        const auto s = p.status(k);
        if (s) {
            out.push_back({k, s->state == health::link_state::up, rtt_us_of(*s), loss_permille_of(*s)});
        }
    }
    return out;
}

std::vector<link> links_from(const health::prober& p)
{
    std::vector<link> out;
    for (const local_override& o : overrides_from(p)) {
        out.push_back({o.neighbour, o.rtt_us, o.loss_permille, o.up});
    }
    return out;
}

} // namespace edgerelay::cp::routing
