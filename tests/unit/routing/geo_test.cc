// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Great-circle distances against published city distances, and the RTT prior.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "controlplane/routing/geo.hh"

namespace edgerelay::cp::routing {
namespace {

struct city_pair {
    const char* name;
    geo_point a;
    geo_point b;
    double km; // published great-circle distance
};

TEST(geo, haversine_matches_known_city_distances)
{
    const city_pair pairs[] = {
        {"London-Paris", {51.5074, -0.1278}, {48.8566, 2.3522}, 343.5},
        {"London-New York", {51.5074, -0.1278}, {40.7128, -74.0060}, 5570.2},
        {"New York-Los Angeles", {40.7128, -74.0060}, {34.0522, -118.2437}, 3935.7},
        {"Paris-Berlin", {48.8566, 2.3522}, {52.5200, 13.4050}, 877.5},
        {"Sydney-Melbourne", {-33.8688, 151.2093}, {-37.8136, 144.9631}, 713.4},
        {"Madrid-Moscow", {40.4168, -3.7038}, {55.7558, 37.6173}, 3439.0},
    };
    for (const auto& p : pairs) {
        const double d = great_circle_km(p.a, p.b);
        EXPECT_NEAR(d, p.km, p.km * 0.005) << p.name;
        EXPECT_DOUBLE_EQ(d, great_circle_km(p.b, p.a)) << p.name; // symmetric
    }
}

TEST(geo, sphere_landmarks)
{
    EXPECT_DOUBLE_EQ(great_circle_km(10, 20, 10, 20), 0.0);
    // One degree of the equator; half the circumference between antipodes, pole to pole too.
    EXPECT_NEAR(great_circle_km(0, 0, 0, 1), 2 * M_PI * earth_radius_km / 360, 1e-6);
    EXPECT_NEAR(great_circle_km(0, 0, 0, 180), M_PI * earth_radius_km, 1e-6);
    EXPECT_NEAR(great_circle_km(90, 0, -90, 0), M_PI * earth_radius_km, 1e-6);
    EXPECT_NEAR(great_circle_km(0, 179.5, 0, -179.5), great_circle_km(0, 0, 0, 1), 1e-6);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(std::isnan(great_circle_km(nan, 0, 0, 0)));
    EXPECT_TRUE(std::isnan(great_circle_km(0, 0, 0, std::numeric_limits<double>::infinity())));
}

TEST(geo, validity)
{
    EXPECT_TRUE(valid({0, 0}));
    EXPECT_TRUE(valid({-90, 180}));
    EXPECT_FALSE(valid({90.5, 0}));
    EXPECT_FALSE(valid({0, -180.1}));
    EXPECT_FALSE(valid({std::numeric_limits<double>::quiet_NaN(), 0}));
}

TEST(geo, prior_rtt_is_ten_microseconds_per_km)
{
    EXPECT_EQ(prior_rtt_us(1000), 10'000u); // 2 × 1000 km / 200 km/ms = 10 ms
    EXPECT_EQ(prior_rtt_us(343.5), 3435u);
    EXPECT_EQ(prior_rtt_us(0), 1u);         // never zero: a cost must be positive
    EXPECT_EQ(prior_rtt_us(-1), unknown_prior_rtt_us);
    EXPECT_EQ(prior_rtt_us(std::numeric_limits<double>::quiet_NaN()), unknown_prior_rtt_us);
    EXPECT_EQ(prior_rtt_us(std::numeric_limits<double>::infinity()), unknown_prior_rtt_us);
    EXPECT_EQ(prior_rtt_us(1e300), 4'000'000'000u); // clamped, no overflow
    // The antipodal prior equals the "unknown" one, so an unlocated link is never preferred.
    EXPECT_NEAR(prior_rtt_us(M_PI * earth_radius_km), unknown_prior_rtt_us, 200);
}

} // namespace
} // namespace edgerelay::cp::routing
