// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Latency-shortest paths over the link-state database: the next hop for every remote prefix.
#include "controlplane/routing/compute_routes.hh"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <queue>
#include <tuple>
#include <utility>

namespace edgerelay::cp::routing {

namespace {

// What both sides (and our prober) say about one undirected pair of relays.
struct edge_info {
    bool published = false;
    bool down = false;
    bool measured = false;
    uint64_t cost = 0; // the larger measured cost, when measured
};

// A tentative or final distance: the cost, then the path (node indices after self) as the
// tie-breaker. Indices follow key order, so comparing index paths compares key paths.
struct label {
    uint64_t cost = 0;
    std::vector<uint32_t> path;
    bool operator<(const label& o) const
    {
        return std::tie(cost, path) < std::tie(o.cost, o.path);
    }
};

using prefix_key = std::tuple<uint8_t, std::array<uint8_t, 16>, uint8_t>;

prefix_key key_of(const config::prefix& p)
{
    std::array<uint8_t, 16> a;
    std::copy(std::begin(p.addr), std::end(p.addr), a.begin());
    return {p.family, a, p.len};
}

// Loss up to this is measurement noise to the cost function (see link_cost_us).
constexpr uint64_t loss_noise_floor_permille = 50;

} // namespace

uint64_t link_cost_us(uint32_t rtt_us, uint16_t loss_permille) noexcept
{
    const uint64_t loss = std::min<uint16_t>(loss_permille, 1000);
    const uint64_t excess = loss > loss_noise_floor_permille ? loss - loss_noise_floor_permille : 0;
    // rtt × (1 + 10 × excess/1000) = rtt × (1000 + 10 × excess) / 1000, in integers.
    const uint64_t c = uint64_t{rtt_us} * (1000 + 10 * excess) / 1000;
    return std::max<uint64_t>(c, 1);
}

route_table compute_routes(const crypto::key32& self, const link_state_db& db,
                           std::span<const local_override> overrides)
{
    // Every relay that is mentioned anywhere becomes a node, numbered in key order.
    std::vector<crypto::key32> keys{self};
    for (const auto& [k, r] : db.relays()) {
        keys.push_back(k);
        for (const link& l : r.links) {
            keys.push_back(l.neighbour);
        }
    }
    for (const local_override& o : overrides) {
        keys.push_back(o.neighbour);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    auto index = [&](const crypto::key32& k) {
        return static_cast<uint32_t>(std::lower_bound(keys.begin(), keys.end(), k) - keys.begin());
    };
    const uint32_t src = index(self);

    std::map<std::pair<uint32_t, uint32_t>, edge_info> edges;
    auto pair_of = [](uint32_t a, uint32_t b) { return a < b ? std::pair(a, b) : std::pair(b, a); };
    for (const auto& [k, r] : db.relays()) {
        const uint32_t a = index(k);
        for (const link& l : r.links) {
            const uint32_t b = index(l.neighbour);
            if (a == b) {
                continue;
            }
            edge_info& e = edges[pair_of(a, b)];
            e.published = true;
            if (!l.up) {
                e.down = true;
            } else if (l.rtt_us > 0) {
                e.cost = e.measured ? std::max(e.cost, link_cost_us(l.rtt_us, l.loss_permille))
                                    : link_cost_us(l.rtt_us, l.loss_permille);
                e.measured = true;
            }
        }
    }
    // Our prober knows our own links better (and sooner) than anything published.
    std::map<uint32_t, local_override> ours;
    for (const local_override& o : overrides) {
        const uint32_t b = index(o.neighbour);
        if (b == src) {
            continue;
        }
        auto [it, fresh] = ours.try_emplace(b, o);
        if (!fresh && (!o.up || !it->second.up)) {
            it->second.up = false; // a down report wins over an up one for the same neighbour
        } else if (!fresh) {
            it->second = o;
        }
    }
    for (const auto& [b, o] : ours) {
        edge_info& e = edges[pair_of(src, b)];
        e.published = true;
        e.down = !o.up;
        if (o.up && o.rtt_us > 0) {
            e.measured = true;
            e.cost = link_cost_us(o.rtt_us, o.loss_permille);
        }
    }

    std::vector<std::vector<std::pair<uint32_t, uint64_t>>> adj(keys.size());
    for (const auto& [ab, e] : edges) {
        if (!e.published || e.down) {
            continue;
        }
        uint64_t cost = e.cost;
        if (!e.measured) {
            const relay_state* ra = db.find(keys[ab.first]);
            const relay_state* rb = db.find(keys[ab.second]);
            cost = (ra != nullptr && rb != nullptr && ra->has_location && rb->has_location)
                       ? prior_rtt_us(great_circle_km(ra->location, rb->location))
                       : unknown_prior_rtt_us;
        }
        adj[ab.first].emplace_back(ab.second, cost);
        adj[ab.second].emplace_back(ab.first, cost);
    }

    // Dijkstra with (cost, path) labels: positive costs make the lexicographic tie-break
    // consistent with extending a path, so the first label popped for a node is its best.
    std::vector<std::optional<label>> best(keys.size());
    std::vector<bool> done(keys.size(), false);
    using entry = std::pair<label, uint32_t>;
    auto later = [](const entry& a, const entry& b) { return b.first < a.first; };
    std::priority_queue<entry, std::vector<entry>, decltype(later)> queue(later);
    best[src] = label{};
    queue.emplace(label{}, src);
    while (!queue.empty()) {
        entry top = queue.top();
        queue.pop();
        const uint32_t u = top.second;
        if (done[u]) {
            continue;
        }
        done[u] = true;
        for (const auto& [v, w] : adj[u]) {
            if (done[v]) {
                continue;
            }
            label cand{top.first.cost + w, top.first.path};
            cand.path.push_back(v);
            if (!best[v] || cand < *best[v]) {
                best[v] = cand;
                queue.emplace(std::move(cand), v);
            }
        }
    }

    std::vector<prefix_key> local;
    if (const relay_state* me = db.find(self)) {
        for (const config::prefix& p : me->prefixes) {
            local.push_back(key_of(p));
        }
    }
    std::sort(local.begin(), local.end());

    std::map<prefix_key, std::pair<label, route>> chosen;
    for (const auto& [k, r] : db.relays()) {
        const uint32_t owner = index(k);
        if (owner == src || !done[owner]) {
            continue;
        }
        const label& l = *best[owner];
        for (const config::prefix& p : r.prefixes) {
            const prefix_key pk = key_of(p);
            if (std::binary_search(local.begin(), local.end(), pk)) {
                continue;
            }
            auto it = chosen.find(pk);
            if (it != chosen.end() && !(l < it->second.first)) {
                continue;
            }
            route rt;
            rt.dst = p;
            rt.owner = k;
            rt.next_hop = keys[l.path.front()];
            rt.cost_us = l.cost;
            for (uint32_t n : l.path) {
                rt.path.push_back(keys[n]);
            }
            chosen.insert_or_assign(pk, std::pair(l, std::move(rt)));
        }
    }
    route_table t;
    t.routes.reserve(chosen.size());
    for (auto& [pk, lr] : chosen) {
        t.routes.push_back(std::move(lr.second));
    }
    return t;
}

} // namespace edgerelay::cp::routing
