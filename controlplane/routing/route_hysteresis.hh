// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Route hysteresis: when a route may leave its installed next hop for a cheaper one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/crypto/secret.hh"

namespace edgerelay::cp::routing {

/// A next hop and the cost of the path through it, in µs.
struct hop_cost {
    crypto::key32 hop{};
    uint64_t cost_us = 0;
};

struct hysteresis_config {
    /// The new path must be at least this much cheaper, relative ...
    uint32_t margin_percent = 20;
    /// ... and absolute (µs), so that sub-millisecond paths do not swap on a few µs ...
    uint64_t margin_us = 2000;
    /// ... and stay so at every decision for this long. Measured RTTs wander (a probe's EWMA
    /// under 20 ms of jitter moves ± 4 ms per link), so a margin alone is crossed now and then;
    /// a real improvement lasts.
    std::chrono::nanoseconds dwell = std::chrono::seconds(5);
};

/// Keeps each route on its installed next hop until another is better by the margins for the
/// whole dwell time. Only for moves between working paths: when the installed hop is down or no
/// longer reaches the prefix the caller passes no installed hop and the best one is taken at
/// once (failover is not delayed). Keyed by prefix text; single-threaded, clock-free.
class route_hysteresis {
  public:
    explicit route_hysteresis(const hysteresis_config& cfg = {}) : _cfg(cfg) {}

    /// The next hop to use for `prefix` at `now` (monotonic, non-decreasing).
    /// @param installed the hop in use and its current path cost; nullopt when there is none or
    ///                  it cannot be kept (down, or no path through it)
    /// @param best      the cheapest hop now
    crypto::key32 choose(const std::string& prefix, const std::optional<hop_cost>& installed,
                         const hop_cost& best, std::chrono::nanoseconds now);

    /// Drops the state of a withdrawn prefix.
    void forget(const std::string& prefix) { _challengers.erase(prefix); }

    /// Prefixes with a cheaper hop waiting out its dwell (for tests and logs).
    size_t waiting() const noexcept { return _challengers.size(); }

  private:
    struct challenger {
        crypto::key32 hop{};
        std::chrono::nanoseconds since{};
    };
    hysteresis_config _cfg;
    std::map<std::string, challenger> _challengers;
};

} // namespace edgerelay::cp::routing
