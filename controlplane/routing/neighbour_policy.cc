// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Which relays a relay opens tunnels to.
#include "controlplane/routing/neighbour_policy.hh"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace edgerelay::cp::routing {

std::vector<crypto::key32> neighbour_policy(const candidate& self,
                                            std::span<const candidate> candidates, size_t k)
{
    std::vector<crypto::key32> chosen;
    std::vector<std::pair<double, crypto::key32>> others;
    const bool located = self.has_location && valid(self.location);
    for (const candidate& c : candidates) {
        if (c.key == self.key) {
            continue;
        }
        if (!self.region.empty() && c.region == self.region) {
            chosen.push_back(c.key);
            continue;
        }
        double d = std::numeric_limits<double>::infinity(); // unlocated: ranks last
        if (located && c.has_location && valid(c.location)) {
            d = great_circle_km(self.location, c.location);
        }
        others.emplace_back(d, c.key);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    std::sort(others.begin(), others.end());
    size_t taken = 0;
    for (size_t i = 0; i < others.size() && taken < k; ++i) {
        // A key listed twice (or also in our region) is skipped, not counted twice.
        if (std::binary_search(chosen.begin(), chosen.end(), others[i].second)) {
            continue;
        }
        chosen.insert(std::lower_bound(chosen.begin(), chosen.end(), others[i].second),
                      others[i].second);
        ++taken;
    }
    return chosen;
}

} // namespace edgerelay::cp::routing
