// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Route computation: against a brute-force search of every simple path on random graphs, and
// the cases that matter in operation (failover, loss, ties, local and unreachable prefixes).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "controlplane/routing/compute_routes.hh"
#include "tests/unit/routing/fixtures.hh"

namespace edgerelay::cp::routing {
namespace {

using namespace std::chrono_literals;

using test::key;
using test::v4;

config::prefix v6(uint8_t b, uint8_t len)
{
    config::prefix p;
    p.family = 6;
    p.addr[0] = 0xfd;
    p.addr[1] = b;
    p.len = len;
    return p;
}

relay_state relay(uint8_t id, std::vector<config::prefix> prefixes, std::vector<link> links)
{
    relay_state r;
    r.key = key(id);
    r.seq = 1;
    r.prefixes = std::move(prefixes);
    r.links = std::move(links);
    return r;
}

link up(uint8_t to, uint32_t rtt_us, uint16_t loss = 0)
{
    return {key(to), rtt_us, loss, true};
}

link down(uint8_t to)
{
    return {key(to), 0, 0, false};
}

const route* find(const route_table& t, const config::prefix& p)
{
    for (const route& r : t.routes) {
        if (r.dst == p) {
            return &r;
        }
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------
// Brute force: the graph rebuilt from the documented rules, pair by pair, and every simple
// path from self enumerated.

struct model_graph {
    std::vector<crypto::key32> nodes;
    std::map<std::pair<crypto::key32, crypto::key32>, uint64_t> cost; // both orders stored
};

model_graph model_build(const crypto::key32& self, const link_state_db& db,
                        const std::vector<local_override>& overrides)
{
    std::set<crypto::key32> nodes{self};
    for (const auto& [k, r] : db.relays()) {
        nodes.insert(k);
        for (const link& l : r.links) {
            nodes.insert(l.neighbour);
        }
    }
    for (const auto& o : overrides) {
        nodes.insert(o.neighbour);
    }
    model_graph g;
    g.nodes.assign(nodes.begin(), nodes.end());
    for (const auto& a : g.nodes) {
        for (const auto& b : g.nodes) {
            if (!(a < b)) {
                continue;
            }
            std::vector<link> pubs;
            for (const auto& [from, to] : {std::pair(a, b), std::pair(b, a)}) {
                if (const relay_state* r = db.find(from)) {
                    for (const link& l : r->links) {
                        if (l.neighbour == to) {
                            pubs.push_back(l);
                        }
                    }
                }
            }
            std::optional<uint64_t> measured;
            for (const link& l : pubs) {
                if (l.up && l.rtt_us > 0) {
                    measured = std::max(measured.value_or(0), link_cost_us(l.rtt_us, l.loss_permille));
                }
            }
            bool exists;
            const crypto::key32* other = a == self ? &b : b == self ? &a : nullptr;
            std::optional<local_override> ov;
            bool any_down = false;
            if (other != nullptr) {
                for (const auto& o : overrides) {
                    if (o.neighbour == *other) {
                        ov = o;
                        any_down |= !o.up;
                    }
                }
            }
            if (ov) {
                exists = !any_down;
                if (exists && ov->rtt_us > 0) {
                    measured = link_cost_us(ov->rtt_us, ov->loss_permille);
                }
            } else {
                exists = !pubs.empty() &&
                         std::all_of(pubs.begin(), pubs.end(), [](const link& l) { return l.up; });
            }
            if (!exists) {
                continue;
            }
            uint64_t c;
            if (measured) {
                c = *measured;
            } else {
                const relay_state* ra = db.find(a);
                const relay_state* rb = db.find(b);
                c = (ra && rb && ra->has_location && rb->has_location)
                        ? prior_rtt_us(great_circle_km(ra->location, rb->location))
                        : unknown_prior_rtt_us;
            }
            g.cost[{a, b}] = c;
            g.cost[{b, a}] = c;
        }
    }
    return g;
}

struct model_path {
    uint64_t cost = 0;
    std::vector<crypto::key32> path;
    bool operator<(const model_path& o) const
    {
        return std::tie(cost, path) < std::tie(o.cost, o.path);
    }
};

void model_dfs(const model_graph& g, const crypto::key32& at, model_path& cur,
               std::set<crypto::key32>& visited, std::map<crypto::key32, model_path>& best)
{
    for (const auto& n : g.nodes) {
        auto it = g.cost.find({at, n});
        if (it == g.cost.end() || visited.contains(n)) {
            continue;
        }
        cur.cost += it->second;
        cur.path.push_back(n);
        auto b = best.find(n);
        if (b == best.end() || cur < b->second) {
            best[n] = cur;
        }
        visited.insert(n);
        model_dfs(g, n, cur, visited, best);
        visited.erase(n);
        cur.path.pop_back();
        cur.cost -= it->second;
    }
}

TEST(compute_routes, matches_brute_force_on_random_graphs)
{
    std::mt19937_64 rng(2026);
    auto pick = [&](uint64_t n) { return rng() % n; };
    const std::vector<config::prefix> pool = {v4(10, 0, 16), v4(10, 1, 16), v4(10, 2, 24),
                                              v6(1, 32),     v6(2, 48),     v4(192, 168, 16)};
    size_t routes_checked = 0;
    for (int graph = 0; graph < 400; ++graph) {
        const size_t n = 2 + pick(6);
        std::vector<crypto::key32> keys(n);
        for (auto& k : keys) {
            for (auto& b : k) {
                b = static_cast<uint8_t>(pick(4)); // small alphabet: keys share prefixes
            }
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        const crypto::key32 self = keys[pick(keys.size())];

        link_state_db db;
        for (const auto& k : keys) {
            if (pick(10) == 0) {
                continue; // known only as someone's neighbour
            }
            relay_state r;
            r.key = k;
            r.seq = 1;
            if (pick(4) != 0) {
                r.has_location = true;
                r.location = {static_cast<double>(pick(120)) - 60, static_cast<double>(pick(300)) - 150};
            }
            for (const auto& p : pool) {
                if (pick(5) == 0) {
                    r.prefixes.push_back(p);
                }
            }
            for (const auto& other : keys) {
                if (other == k || pick(2) == 0) {
                    continue;
                }
                link l;
                l.neighbour = other;
                l.up = pick(8) != 0;
                // Few distinct values, so equal-cost paths (ties) are common.
                l.rtt_us = pick(3) == 0 ? 0 : static_cast<uint32_t>(1000 * (1 + pick(3)));
                l.loss_permille = static_cast<uint16_t>(pick(3) == 0 ? 100 * pick(11) : 0);
                r.links.push_back(l);
            }
            ASSERT_NE(db.update(r, 1s), update_result::invalid);
        }
        std::vector<local_override> overrides;
        for (const auto& other : keys) {
            if (other == self || pick(3) != 0) {
                continue;
            }
            local_override o;
            o.neighbour = other;
            o.up = pick(4) != 0;
            o.rtt_us = pick(2) == 0 ? 0 : static_cast<uint32_t>(1000 * (1 + pick(3)));
            o.loss_permille = static_cast<uint16_t>(pick(2) == 0 ? 0 : 200);
            overrides.push_back(o);
            if (pick(6) == 0) {
                o.up = !o.up;
                overrides.push_back(o); // a repeated report: a down one wins
            }
        }

        const route_table t = compute_routes(self, db, overrides);

        const model_graph g = model_build(self, db, overrides);
        std::map<crypto::key32, model_path> best;
        model_path cur;
        std::set<crypto::key32> visited{self};
        model_dfs(g, self, cur, visited, best);

        std::set<std::tuple<uint8_t, std::vector<uint8_t>, uint8_t>> self_owned;
        if (const relay_state* me = db.find(self)) {
            for (const auto& p : me->prefixes) {
                self_owned.insert({p.family, std::vector<uint8_t>(p.addr, p.addr + 16), p.len});
            }
        }
        size_t expected_routes = 0;
        for (const auto& p : pool) {
            std::optional<std::pair<model_path, crypto::key32>> want;
            const bool local =
                self_owned.contains({p.family, std::vector<uint8_t>(p.addr, p.addr + 16), p.len});
            for (const auto& [k, r] : db.relays()) {
                if (k == self || !best.contains(k) ||
                    std::find(r.prefixes.begin(), r.prefixes.end(), p) == r.prefixes.end()) {
                    continue;
                }
                if (!want || best[k] < want->first) {
                    want = std::pair(best[k], k);
                }
            }
            const route* got = find(t, p);
            if (local || !want) {
                EXPECT_EQ(got, nullptr) << "graph " << graph;
                continue;
            }
            ++expected_routes;
            ASSERT_NE(got, nullptr) << "graph " << graph;
            EXPECT_EQ(got->owner, want->second) << "graph " << graph;
            EXPECT_EQ(got->cost_us, want->first.cost) << "graph " << graph;
            EXPECT_EQ(got->path, want->first.path) << "graph " << graph;
            EXPECT_EQ(got->next_hop, want->first.path.front()) << "graph " << graph;
            ++routes_checked;
        }
        EXPECT_EQ(t.routes.size(), expected_routes) << "graph " << graph;
        // Sorted by prefix, and the same inputs give the same table.
        const route_table again = compute_routes(self, db, overrides);
        ASSERT_EQ(again.routes.size(), t.routes.size());
        for (size_t i = 0; i < t.routes.size(); ++i) {
            EXPECT_EQ(again.routes[i].path, t.routes[i].path);
        }
    }
    EXPECT_GT(routes_checked, 500u); // the random graphs are not all trivial
}

// ---------------------------------------------------------------------------------------

// S(1) reaches D(4) through A(2) (cheap) or B(3) (dear):
//      A
//    /   \           S-A 1 ms, A-D 1 ms
//   S     D          S-B 2 ms, B-D 2 ms
//    \   /
//      B
link_state_db diamond()
{
    link_state_db db;
    db.update(relay(1, {v4(10, 1, 16)}, {up(2, 1000), up(3, 2000)}), 1s);
    db.update(relay(2, {}, {up(1, 1000), up(4, 1000)}), 1s);
    db.update(relay(3, {}, {up(1, 2000), up(4, 2000)}), 1s);
    db.update(relay(4, {v4(10, 4, 16), v6(4, 48)}, {up(2, 1000), up(3, 2000)}), 1s);
    return db;
}

TEST(compute_routes, shortest_path_and_local_prefixes)
{
    const auto db = diamond();
    const route_table t = compute_routes(key(1), db, {});
    ASSERT_EQ(t.routes.size(), 2u); // D's two prefixes; our own 10.1/16 is local
    EXPECT_EQ(t.routes[0].dst, v4(10, 4, 16)); // IPv4 sorts first
    for (const route& r : t.routes) {
        EXPECT_EQ(r.next_hop, key(2));
        EXPECT_EQ(r.owner, key(4));
        EXPECT_EQ(r.cost_us, 2000u);
        EXPECT_EQ(r.path, (std::vector<crypto::key32>{key(2), key(4)}));
    }
    EXPECT_EQ(find(t, v4(10, 1, 16)), nullptr);
}

TEST(compute_routes, local_override_routes_around_a_dead_neighbour_at_once)
{
    const auto db = diamond(); // the database still says A is fine
    const local_override dead_a{key(2), false, 0, 0};
    route_table t = compute_routes(key(1), db, std::span(&dead_a, 1));
    ASSERT_NE(find(t, v4(10, 4, 16)), nullptr);
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(3));
    EXPECT_EQ(find(t, v4(10, 4, 16))->cost_us, 4000u);

    // A measured RTT replaces the published one: A gets slow, B wins.
    const local_override slow_a{key(2), true, 5000, 0};
    t = compute_routes(key(1), db, std::span(&slow_a, 1));
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(3));
    // And an up override creates a link nobody has published yet.
    const local_override new_d{key(4), true, 500, 0};
    t = compute_routes(key(1), db, std::span(&new_d, 1));
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(4));
    EXPECT_EQ(find(t, v4(10, 4, 16))->cost_us, 500u);
}

TEST(compute_routes, failover_when_a_transit_relay_dies_in_the_database)
{
    auto db = diamond();
    // A's own record is gone (expired) and D reports its link to A down: S's link to A
    // alone is not a path, so the route moves to B.
    db.remove(key(2));
    db.update(relay(4, {v4(10, 4, 16), v6(4, 48)}, {down(2), up(3, 2000)}), 2s);
    EXPECT_EQ(db.find(key(4))->seq, 1u); // same seq: stale, refused
    auto r4 = relay(4, {v4(10, 4, 16), v6(4, 48)}, {down(2), up(3, 2000)});
    r4.seq = 2;
    ASSERT_EQ(db.update(r4, 2s), update_result::replaced);
    const route_table t = compute_routes(key(1), db, {});
    ASSERT_NE(find(t, v4(10, 4, 16)), nullptr);
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(3));
}

TEST(compute_routes, relay_with_only_down_links_is_unreachable)
{
    link_state_db db;
    db.update(relay(1, {}, {up(2, 1000), up(3, 1000)}), 1s);
    db.update(relay(2, {v4(10, 2, 16)}, {up(1, 1000)}), 1s);
    db.update(relay(3, {v4(10, 3, 16)}, {down(1)}), 1s); // 3 says its only link is down
    const route_table t = compute_routes(key(1), db, {});
    ASSERT_EQ(t.routes.size(), 1u);
    EXPECT_EQ(t.routes[0].owner, key(2));
    // A relay nobody links to at all is unreachable too.
    db.update(relay(9, {v4(10, 9, 16)}, {}), 1s);
    EXPECT_EQ(compute_routes(key(1), db, {}).routes.size(), 1u);
}

TEST(compute_routes, loss_inflates_cost)
{
    EXPECT_EQ(link_cost_us(1000, 0), 1000u);
    EXPECT_EQ(link_cost_us(1000, 49), 1000u);    // below the 5 % noise floor: free
    EXPECT_EQ(link_cost_us(1000, 50), 1000u);    // the first published step: still free
    EXPECT_EQ(link_cost_us(1000, 51), 1010u);    // beyond it, continuous
    EXPECT_EQ(link_cost_us(1000, 100), 1500u);
    EXPECT_EQ(link_cost_us(1000, 150), 2000u);   // 15 % loss doubles it
    EXPECT_EQ(link_cost_us(1000, 1000), 10500u); // 100 %: 10.5×
    EXPECT_EQ(link_cost_us(1000, 5000), 10500u); // clamped
    EXPECT_EQ(link_cost_us(0, 0), 1u);
    EXPECT_EQ(link_cost_us(UINT32_MAX, 1000), uint64_t{UINT32_MAX} * 10500 / 1000);

    // The cheap path through A loses 20 % (cost 1000 × 2.5 = 2500 on S-A): B (4000) is still
    // dearer, but at 40 % (4500) B wins.
    auto db = diamond();
    db.update([] { auto r = relay(2, {}, {up(1, 1000, 200), up(4, 1000)}); r.seq = 2; return r; }(), 1s);
    route_table t = compute_routes(key(1), db, {});
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(2));
    // S publishes 1 ms lossless, A publishes 20 % loss: the larger cost (2500) counts.
    EXPECT_EQ(find(t, v4(10, 4, 16))->cost_us, 3500u);
    db.update([] { auto r = relay(2, {}, {up(1, 1000, 400), up(4, 1000)}); r.seq = 3; return r; }(), 1s);
    t = compute_routes(key(1), db, {});
    EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(3));
}

TEST(compute_routes, loss_noise_between_equal_paths_does_not_move_the_route)
{
    // Two equal 2-hop paths S-A-D and S-B-D (1 ms per link), both links of A's path reading
    // between 0 and 5 % loss the way a 100-probe window does at 2 % true loss: the costs stay
    // equal, so the tie-break (A) holds. A real difference (15 % on S-A) still moves it.
    for (uint16_t noise : {0, 10, 30, 49, 50}) {
        link_state_db db;
        db.update(relay(1, {}, {up(2, 1000, noise), up(3, 1000)}), 1s);
        db.update(relay(2, {}, {up(1, 1000), up(4, 1000, noise)}), 1s);
        db.update(relay(3, {}, {up(1, 1000), up(4, 1000)}), 1s);
        db.update(relay(4, {v4(10, 4, 16)}, {up(2, 1000), up(3, 1000)}), 1s);
        const route_table t = compute_routes(key(1), db, {});
        EXPECT_EQ(find(t, v4(10, 4, 16))->next_hop, key(2)) << noise;
        EXPECT_EQ(find(t, v4(10, 4, 16))->cost_us, 2000u) << noise;
    }
    link_state_db db;
    db.update(relay(1, {}, {up(2, 1000, 150), up(3, 1000)}), 1s);
    db.update(relay(2, {}, {up(1, 1000), up(4, 1000)}), 1s);
    db.update(relay(3, {}, {up(1, 1000), up(4, 1000)}), 1s);
    db.update(relay(4, {v4(10, 4, 16)}, {up(2, 1000), up(3, 1000)}), 1s);
    EXPECT_EQ(find(compute_routes(key(1), db, {}), v4(10, 4, 16))->next_hop, key(3));
}

TEST(compute_routes, unmeasured_links_use_the_geographic_prior)
{
    link_state_db db;
    auto at = [](relay_state r, double lat, double lon) {
        r.has_location = true;
        r.location = {lat, lon};
        return r;
    };
    // Paris (1) to London (2) and to Berlin (3), no measurements: London is nearer.
    db.update(at(relay(1, {}, {up(2, 0), up(3, 0)}), 48.8566, 2.3522), 1s);
    db.update(at(relay(2, {v4(10, 2, 16)}, {}), 51.5074, -0.1278), 1s);
    db.update(at(relay(3, {v4(10, 3, 16)}, {}), 52.52, 13.405), 1s);
    db.update(relay(4, {v4(10, 4, 16)}, {up(1, 0)}), 1s); // no location
    const route_table t = compute_routes(key(1), db, {});
    EXPECT_EQ(find(t, v4(10, 2, 16))->cost_us, prior_rtt_us(great_circle_km(48.8566, 2.3522, 51.5074, -0.1278)));
    EXPECT_NEAR(static_cast<double>(find(t, v4(10, 2, 16))->cost_us), 3436, 2);
    EXPECT_NEAR(static_cast<double>(find(t, v4(10, 3, 16))->cost_us), 8775, 2);
    EXPECT_EQ(find(t, v4(10, 4, 16))->cost_us, unknown_prior_rtt_us);
}

TEST(compute_routes, ties_break_by_key_bytes_whatever_the_input_order)
{
    // Two equal paths S(5) → A(2) → D(9) and S → B(7) → D: A's key is smaller, A wins.
    auto build = [](bool reversed) {
        link_state_db db;
        std::vector<relay_state> rs = {
            relay(5, {}, {up(2, 1000), up(7, 1000)}),
            relay(2, {}, {up(9, 1000)}),
            relay(7, {}, {up(9, 1000)}),
            relay(9, {v4(10, 9, 16)}, {}),
        };
        if (reversed) {
            std::reverse(rs.begin(), rs.end());
            std::reverse(rs[3].links.begin(), rs[3].links.end());
        }
        for (auto& r : rs) {
            db.update(r, 1s);
        }
        return db;
    };
    for (bool reversed : {false, true}) {
        const auto t = compute_routes(key(5), build(reversed), {});
        ASSERT_EQ(t.routes.size(), 1u);
        EXPECT_EQ(t.routes[0].next_hop, key(2));
    }
    // Anycast: two owners at equal cost; the path to the smaller key wins, one route only.
    link_state_db db;
    db.update(relay(5, {}, {up(8, 1000), up(3, 1000)}), 1s);
    db.update(relay(8, {v4(10, 0, 16)}, {}), 1s);
    db.update(relay(3, {v4(10, 0, 16)}, {}), 1s);
    const auto t = compute_routes(key(5), db, {});
    ASSERT_EQ(t.routes.size(), 1u);
    EXPECT_EQ(t.routes[0].owner, key(3));
}

TEST(compute_routes, empty_and_degenerate_inputs)
{
    link_state_db db;
    EXPECT_TRUE(compute_routes(key(1), db, {}).routes.empty());
    // An override about ourselves is ignored; a relay owning what we own stays local.
    db.update(relay(1, {v4(10, 0, 16)}, {up(2, 1000)}), 1s);
    db.update(relay(2, {v4(10, 0, 16), v4(10, 2, 16)}, {up(1, 1000)}), 1s);
    const local_override me{key(1), true, 1, 0};
    const auto t = compute_routes(key(1), db, std::span(&me, 1));
    ASSERT_EQ(t.routes.size(), 1u);
    EXPECT_EQ(t.routes[0].dst, v4(10, 2, 16));
}

} // namespace
} // namespace edgerelay::cp::routing
