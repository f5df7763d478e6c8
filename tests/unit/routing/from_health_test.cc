// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// From prober to routes: a neighbour's death seen by our prober moves the route at once.
#include <gtest/gtest.h>

#include "controlplane/routing/from_health.hh"
#include "tests/unit/routing/fixtures.hh"

namespace edgerelay::cp::routing {
namespace {

using namespace std::chrono_literals;

using test::key;
using test::v4;

// No schedule jitter, and a probe is lost one interval after it went out (the counts below).
health::prober_config exact()
{
    health::prober_config c;
    c.jitter_percent = 0;
    c.reply_timeout = c.interval;
    c.suspect_copies = 1; // the probe counts below are one per round (copies: health tests)
    return c;
}

// Our prober (relay 1) with neighbours 2 and 3 that answer after `rtt` while `alive`.
struct probed {
    health::prober self{key(1), exact()};
    health::prober n2{key(2), exact()};
    health::prober n3{key(3), exact()};
    bool alive2 = true;
    bool alive3 = true;
    nanos now = 100s;

    probed()
    {
        self.add(key(2));
        self.add(key(3));
        n2.add(key(1));
        n3.add(key(1));
    }
    std::vector<std::pair<nanos, health::outgoing_probe>> replies; // to self, due at .first

    // 1 ms steps: due replies are delivered, then self ticks; a live neighbour answers at once
    // and its reply reaches us `delay` later (so the RTT is exactly that delay).
    void run_for(nanos d, nanos delay2 = 2ms, nanos delay3 = 3ms)
    {
        const nanos end = now + d;
        for (; now < end; now += 1ms) {
            std::erase_if(replies, [&](const auto& r) {
                if (r.first > now) {
                    return false;
                }
                self.on_packet(now, r.second.packet);
                return true;
            });
            std::vector<health::outgoing_probe> out;
            self.tick(now, out);
            for (const auto& o : out) {
                const bool to2 = o.neighbour == key(2);
                if (!(to2 ? alive2 : alive3)) {
                    continue;
                }
                auto r = (to2 ? n2 : n3).on_packet(now, o.packet);
                ASSERT_TRUE(r.reply);
                replies.emplace_back(now + (to2 ? delay2 : delay3), *r.reply);
            }
        }
    }
};

TEST(from_health, overrides_and_links_reflect_the_prober)
{
    probed p;
    auto o = overrides_from(p.self);
    ASSERT_EQ(o.size(), 2u);
    EXPECT_FALSE(o[0].up); // nothing heard yet
    EXPECT_EQ(o[0].rtt_us, 0u);

    p.run_for(1s);
    o = overrides_from(p.self);
    ASSERT_EQ(o.size(), 2u);
    EXPECT_EQ(o[0].neighbour, key(2));
    EXPECT_TRUE(o[0].up);
    EXPECT_EQ(o[0].rtt_us, 2000u);
    EXPECT_EQ(o[1].rtt_us, 3000u);
    EXPECT_EQ(o[0].loss_permille, 0u);

    p.alive3 = false;
    p.run_for(500ms);
    o = overrides_from(p.self);
    EXPECT_TRUE(o[0].up);
    EXPECT_FALSE(o[1].up);
    // 10 answered, then probes at +1.0 .. +1.4 s unanswered, of which 4 have timed out.
    EXPECT_EQ(p.self.status(key(3))->window_size, 14u);
    EXPECT_EQ(o[1].loss_permille, 286u); // 4 / 14
    const auto l = links_from(p.self);
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[1].neighbour, key(3));
    EXPECT_FALSE(l[1].up);
    EXPECT_EQ(l[0].rtt_us, 2000u);
}

TEST(from_health, prober_detection_moves_the_route_before_the_database_knows)
{
    // 1 reaches 4's prefix through 2 (cheap) or 3; the database never changes. (A few lost
    // probes inflate the cost via 2 before it is declared down, but not past the cost via 3.)
    link_state_db db;
    relay_state r1;
    r1.key = key(1);
    r1.links = {{key(2), 2000, 0, true}, {key(3), 3000, 0, true}};
    relay_state r2;
    r2.key = key(2);
    r2.links = {{key(4), 1000, 0, true}};
    relay_state r3;
    r3.key = key(3);
    r3.links = {{key(4), 10000, 0, true}}; // dear enough that loss alone does not move the route
    relay_state r4;
    r4.key = key(4);
    r4.prefixes = {v4(10, 4, 16)};
    for (auto* r : {&r1, &r2, &r3, &r4}) {
        db.update(*r, 1s);
    }

    probed p;
    p.run_for(1s);
    auto t = compute_routes(key(1), db, overrides_from(p.self));
    ASSERT_EQ(t.routes.size(), 1u);
    EXPECT_EQ(t.routes[0].next_hop, key(2));

    p.alive2 = false;
    const nanos died = p.now;
    nanos moved{};
    for (int i = 0; i < 1000 && moved == nanos{}; ++i) {
        p.run_for(1ms);
        t = compute_routes(key(1), db, overrides_from(p.self));
        if (!t.routes.empty() && t.routes[0].next_hop == key(3)) {
            moved = p.now;
        }
    }
    ASSERT_NE(moved, nanos{});
    // Three lost probes: at most 3 intervals + 1 after the death (well within the 1 s target).
    EXPECT_LE(moved - died, 400ms + 1ms);
    EXPECT_GE(moved - died, 300ms);
}

} // namespace
} // namespace edgerelay::cp::routing
