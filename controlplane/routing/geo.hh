// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Great-circle distance between relays and the RTT it predicts before any measurement.
#pragma once

#include <cstdint>

namespace edgerelay::cp::routing {

/// Mean Earth radius (IUGG), km. The sphere is within 0.5 % of the WGS84 geodesic.
inline constexpr double earth_radius_km = 6371.0088;
/// Light in fibre covers about 200 km per millisecond (refractive index ~1.5), one way.
inline constexpr double fibre_km_per_ms = 200.0;
/// The prior used when a distance is unknown (no location, bad coordinates): the RTT of half
/// the Earth's circumference, so an unlocated link is never preferred over a located one.
inline constexpr uint32_t unknown_prior_rtt_us = 200'000;

/// A position in degrees (latitude -90..90, longitude -180..180).
struct geo_point {
    double lat = 0;
    double lon = 0;
};

/// True when both coordinates are finite and in range.
bool valid(const geo_point& p) noexcept;

/// Haversine distance in km on a sphere of earth_radius_km. Coordinates in degrees; NaN if
/// any is not finite (out-of-range values are used as given, they are still angles).
double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept;
double great_circle_km(const geo_point& a, const geo_point& b) noexcept;

/// Round trip over a fibre along the great circle: 2 × km / fibre_km_per_ms, in µs (10 µs
/// per km), at least 1. NaN, infinite or negative km gives unknown_prior_rtt_us.
uint32_t prior_rtt_us(double km) noexcept;

} // namespace edgerelay::cp::routing
