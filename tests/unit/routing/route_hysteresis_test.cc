// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Route hysteresis: margins, dwell, failover at once, and equal paths under measurement noise.
#include <gtest/gtest.h>

#include <random>

#include "controlplane/routing/route_hysteresis.hh"
#include "fixtures.hh"

namespace edgerelay::cp::routing {
namespace {

using namespace std::chrono_literals;
using test::key;

TEST(route_hysteresis, no_installed_hop_or_the_same_hop_takes_the_best_at_once)
{
    route_hysteresis h;
    EXPECT_EQ(h.choose("p", std::nullopt, {key(2), 100000}, 1s), key(2));
    EXPECT_EQ(h.choose("p", hop_cost{key(2), 100000}, {key(2), 90000}, 2s), key(2));
    EXPECT_EQ(h.waiting(), 0u);
}

TEST(route_hysteresis, a_cheaper_path_must_beat_both_margins_for_the_whole_dwell)
{
    route_hysteresis h; // 20 %, 2 ms, 5 s
    const hop_cost old{key(2), 100000};
    // 19 % cheaper: never.
    for (int s = 0; s < 20; ++s) {
        EXPECT_EQ(h.choose("p", old, {key(3), 81000}, s * 1s), key(2));
    }
    EXPECT_EQ(h.waiting(), 0u);
    // 20 % cheaper: after 5 s of it, not before.
    const auto t0 = 100s;
    for (int s = 0; s < 5; ++s) {
        EXPECT_EQ(h.choose("p", old, {key(3), 80000}, t0 + s * 1s), key(2)) << s;
    }
    EXPECT_EQ(h.choose("p", old, {key(3), 80000}, t0 + 5s), key(3));
    EXPECT_EQ(h.waiting(), 0u);
    // 50 % cheaper but only 1 ms: sub-millisecond paths do not swap on µs.
    EXPECT_EQ(h.choose("q", hop_cost{key(2), 2000}, {key(3), 1000}, 0s), key(2));
    EXPECT_EQ(h.choose("q", hop_cost{key(2), 2000}, {key(3), 1000}, 60s), key(2));
}

TEST(route_hysteresis, an_interrupted_dwell_starts_again)
{
    route_hysteresis h;
    const hop_cost old{key(2), 100000};
    EXPECT_EQ(h.choose("p", old, {key(3), 70000}, 0s), key(2));
    EXPECT_EQ(h.choose("p", old, {key(3), 70000}, 4s), key(2));
    EXPECT_EQ(h.choose("p", old, {key(3), 90000}, 5s), key(2)); // not better enough: reset
    EXPECT_EQ(h.choose("p", old, {key(3), 70000}, 6s), key(2));
    EXPECT_EQ(h.choose("p", old, {key(3), 70000}, 10s), key(2));
    EXPECT_EQ(h.choose("p", old, {key(3), 70000}, 11s), key(3));
    // Another challenger restarts the clock too.
    EXPECT_EQ(h.choose("r", old, {key(3), 70000}, 0s), key(2));
    EXPECT_EQ(h.choose("r", old, {key(4), 60000}, 4s), key(2));
    EXPECT_EQ(h.choose("r", old, {key(4), 60000}, 8s), key(2));
    EXPECT_EQ(h.choose("r", old, {key(4), 60000}, 9s), key(4));
    // Prefixes are independent, and forget() drops a waiting one.
    EXPECT_EQ(h.choose("s", old, {key(3), 70000}, 0s), key(2));
    EXPECT_EQ(h.waiting(), 1u);
    h.forget("s");
    EXPECT_EQ(h.waiting(), 0u);
}

TEST(route_hysteresis, equal_paths_with_jittery_costs_stay_put_and_a_real_change_moves)
{
    // Two 2-link paths of 45 ms per link. Each link's cost is an RTT EWMA (weight 1/8) of
    // samples 2 × U[0, 40] ms + 5 ms, the impaired-mesh drill's 20 ms ± 20 ms per crossing,
    // sampled every 100 ms; the route is decided every second for an hour. With the margin
    // alone (no dwell) the noise crosses it; with the dwell it never does.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 40);
    double ewma[4] = {45, 45, 45, 45};
    route_hysteresis with_dwell;
    route_hysteresis no_dwell(hysteresis_config{20, 2000, 0s});
    crypto::key32 a = key(2), b = key(2);
    int moves_dwell = 0, moves_margin_only = 0;
    for (int tenth = 0; tenth < 36000; ++tenth) {
        for (double& e : ewma) {
            e += (u(rng) + u(rng) + 5 - e) / 8;
        }
        if (tenth % 10 != 0) {
            continue;
        }
        const auto now = tenth * 100ms;
        const hop_cost p2{key(2), static_cast<uint64_t>((ewma[0] + ewma[1]) * 1000)};
        const hop_cost p3{key(3), static_cast<uint64_t>((ewma[2] + ewma[3]) * 1000)};
        const hop_cost& best = p2.cost_us <= p3.cost_us ? p2 : p3;
        const crypto::key32 na = with_dwell.choose("p", a == key(2) ? p2 : p3, best, now);
        const crypto::key32 nb = no_dwell.choose("p", b == key(2) ? p2 : p3, best, now);
        moves_dwell += na != a;
        moves_margin_only += nb != b;
        a = na;
        b = nb;
    }
    EXPECT_EQ(moves_dwell, 0);
    EXPECT_GT(moves_margin_only, 0); // the noise is real: the margin alone is not enough
    // A path that really becomes 30 % dearer is left after the dwell.
    const crypto::key32 other = a == key(2) ? key(3) : key(2);
    EXPECT_EQ(with_dwell.choose("p", hop_cost{a, 117000}, {other, 90000}, 4000s), a);
    EXPECT_EQ(with_dwell.choose("p", hop_cost{a, 117000}, {other, 90000}, 4005s), other);
}

} // namespace
} // namespace edgerelay::cp::routing
