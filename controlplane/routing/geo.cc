// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Great-circle distance between relays and the RTT it predicts before any measurement.
#include "controlplane/routing/geo.hh"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace edgerelay::cp::routing {

bool valid(const geo_point& p) noexcept
{
    return std::isfinite(p.lat) && std::isfinite(p.lon) && p.lat >= -90 && p.lat <= 90 &&
           p.lon >= -180 && p.lon <= 180;
}

double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept
{
    if (!std::isfinite(lat1) || !std::isfinite(lon1) || !std::isfinite(lat2) ||
        !std::isfinite(lon2)) {
        return std::nan("");
    }
    constexpr double rad = std::numbers::pi / 180.0;
    const double dlat = (lat2 - lat1) * rad;
    const double dlon = (lon2 - lon1) * rad;
    const double s1 = std::sin(dlat / 2);
    const double s2 = std::sin(dlon / 2);
    double h = s1 * s1 + std::cos(lat1 * rad) * std::cos(lat2 * rad) * s2 * s2;
    h = std::clamp(h, 0.0, 1.0); // rounding can push antipodal points just past 1
    return 2 * earth_radius_km * std::asin(std::sqrt(h));
}

double great_circle_km(const geo_point& a, const geo_point& b) noexcept
{
    return great_circle_km(a.lat, a.lon, b.lat, b.lon);
}

uint32_t prior_rtt_us(double km) noexcept
{
    if (!std::isfinite(km) || km < 0) {
        return unknown_prior_rtt_us;
    }
    // 2 × km / (km per ms) in ms, × 1000 for µs; km is at most half the circumference here,
    // but clamp anyway so a caller's odd value cannot overflow the cast.
    const double us = std::min(2.0 * km / fibre_km_per_ms * 1000.0, 4e9);
    return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(us)));
}

} // namespace edgerelay::cp::routing
