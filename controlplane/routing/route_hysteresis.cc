// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Route hysteresis: when a route may leave its installed next hop for a cheaper one.
#include "controlplane/routing/route_hysteresis.hh"

#include <algorithm>

namespace edgerelay::cp::routing {

crypto::key32 route_hysteresis::choose(const std::string& prefix,
                                       const std::optional<hop_cost>& installed,
                                       const hop_cost& best, std::chrono::nanoseconds now)
{
    if (!installed || installed->hop == best.hop) {
        _challengers.erase(prefix);
        return best.hop;
    }
    // best ≤ installed × (100 − margin) / 100, in integers, and by margin_us at least.
    const uint64_t old_cost = installed->cost_us;
    const bool cheaper_enough =
        best.cost_us * 100 <= old_cost * (100 - std::min<uint32_t>(_cfg.margin_percent, 100)) &&
        best.cost_us + _cfg.margin_us <= old_cost;
    if (!cheaper_enough) {
        _challengers.erase(prefix); // the dwell must be uninterrupted
        return installed->hop;
    }
    auto [it, fresh] = _challengers.try_emplace(prefix, challenger{best.hop, now});
    if (!fresh && it->second.hop != best.hop) {
        it->second = {best.hop, now}; // another challenger starts its own dwell
    }
    if (now - it->second.since >= _cfg.dwell) {
        _challengers.erase(it);
        return best.hop;
    }
    return installed->hop;
}

} // namespace edgerelay::cp::routing
