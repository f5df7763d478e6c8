// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Neighbour selection: the whole region plus the k nearest others, deterministically.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "controlplane/routing/neighbour_policy.hh"
#include "tests/unit/routing/fixtures.hh"

namespace edgerelay::cp::routing {
namespace {

using test::key;

candidate at(uint8_t id, const char* region, double lat, double lon)
{
    return {key(id), region, true, {lat, lon}};
}

TEST(neighbour_policy, region_plus_k_nearest)
{
    const candidate self = at(1, "eu-west", 48.8566, 2.3522); // Paris
    const std::vector<candidate> all = {
        self,
        at(2, "eu-west", 40.4168, -3.7038),    // Madrid, same region
        at(3, "eu-west", 53.3498, -6.2603),    // Dublin, same region
        at(4, "eu-central", 52.52, 13.405),    // Berlin, 878 km
        at(5, "eu-north", 59.3293, 18.0686),   // Stockholm, 1543 km
        at(6, "us-east", 40.7128, -74.0060),   // New York, 5837 km
        at(7, "ap-south", 1.3521, 103.8198),   // Singapore
        at(8, "uk", 51.5074, -0.1278),         // London, 344 km
    };
    EXPECT_EQ(neighbour_policy(self, all, 0), (std::vector<crypto::key32>{key(2), key(3)}));
    EXPECT_EQ(neighbour_policy(self, all, 1), (std::vector<crypto::key32>{key(2), key(3), key(8)}));
    EXPECT_EQ(neighbour_policy(self, all, 3),
              (std::vector<crypto::key32>{key(2), key(3), key(4), key(5), key(8)}));
    EXPECT_EQ(neighbour_policy(self, all, 100).size(), 7u); // everyone but self
}

TEST(neighbour_policy, deterministic_whatever_the_order)
{
    std::mt19937_64 rng(9);
    std::vector<candidate> all;
    for (uint8_t id = 1; id <= 60; ++id) {
        all.push_back(at(id, id % 7 == 0 ? "r0" : "other",
                         static_cast<double>(rng() % 160) - 80, static_cast<double>(rng() % 360) - 180));
    }
    all.push_back(at(30, "r0", 0, 0)); // a duplicate key is taken once
    const candidate self = at(200, "r0", 10, 10);
    const auto want = neighbour_policy(self, all, 5);
    EXPECT_TRUE(std::is_sorted(want.begin(), want.end()));
    EXPECT_EQ(std::adjacent_find(want.begin(), want.end()), want.end());
    EXPECT_EQ(want.size(), 8u + 1u + 5u); // 7, 14 ... 56 and the r0 copy of 30, plus 5
    for (int i = 0; i < 20; ++i) {
        std::shuffle(all.begin(), all.end(), rng);
        EXPECT_EQ(neighbour_policy(self, all, 5), want);
    }
}

TEST(neighbour_policy, distance_ties_and_unlocated_candidates_order_by_key)
{
    const candidate self = at(50, "", 0, 0);
    std::vector<candidate> all = {
        at(9, "", 0, 10), at(4, "", 0, -10), at(7, "", 10, 0), // all 1112 km away
        {key(1), "", false, {}},                              // unlocated: last
        {key(2), "", true, {999, 0}},                         // bad coordinates: unlocated
    };
    // An empty region matches nobody.
    EXPECT_EQ(neighbour_policy(self, all, 1), (std::vector<crypto::key32>{key(4)}));
    EXPECT_EQ(neighbour_policy(self, all, 2), (std::vector<crypto::key32>{key(4), key(7)}));
    EXPECT_EQ(neighbour_policy(self, all, 4),
              (std::vector<crypto::key32>{key(1), key(4), key(7), key(9)}));
    // Without our own location every distance is unknown: lowest keys first.
    const candidate lost{key(50), "", false, {}};
    EXPECT_EQ(neighbour_policy(lost, all, 2), (std::vector<crypto::key32>{key(1), key(2)}));
    EXPECT_TRUE(neighbour_policy(self, {}, 3).empty());
}

} // namespace
} // namespace edgerelay::cp::routing
