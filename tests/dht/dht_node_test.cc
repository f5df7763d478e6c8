// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// dht_node on a small loopback network of real libtorrent sessions: publish, lookups by region
// and prefix, withdrawal, bind failures, and rejoining from the state file alone.
// Every TEST here is one meson test (tests/dht/meson.build lists them by name): add new ones there.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <unistd.h>

#include "controlplane/dht/dht_node.hh"

using namespace edgerelay;
using namespace edgerelay::cp::dht;
using namespace std::chrono_literals;

namespace {

uint64_t unix_now()
{
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

dht_options loopback(uint16_t bootstrap_port, const std::string& state_file = {})
{
    dht_options o;
    o.port = 0;
    o.bind_addresses = {"127.0.0.1"};
    o.loopback_testing = true;
    o.state_file = state_file;
    o.lookup_quiet_ms = 500;
    if (bootstrap_port != 0) {
        o.bootstrap.push_back(wire::endpoint::ipv4(127, 0, 0, 1, bootstrap_port));
    }
    return o;
}

struct member {
    crypto::ed25519_keypair key = crypto::ed25519_generate();
    std::unique_ptr<dht_node> node;
};

relay_record record_for(const member& m, const std::string& region, const char* prefix)
{
    relay_record r;
    r.node_key = m.key.public_key;
    r.wg_key[0] = m.key.public_key[0];
    r.endpoints.push_back(wire::endpoint::ipv4(127, 0, 0, 1, 51820));
    r.region = region;
    r.capacity = 100;
    config::prefix p;
    EXPECT_FALSE(config::parse_prefix(prefix, p, false).has_value());
    r.prefixes.push_back(p);
    r.timestamp = unix_now();
    r.expiry = r.timestamp + 600;
    return r;
}

// Polls every node until pred() holds or the time is up.
template <class Pred>
bool pump(std::vector<member>& net, std::chrono::milliseconds limit, Pred pred)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        for (auto& m : net) {
            if (m.node) {
                m.node->poll(unix_now());
            }
        }
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

std::vector<member> make_net(size_t n)
{
    std::vector<member> net(n);
    net[0].node = std::make_unique<dht_node>(loopback(0), net[0].key);
    for (size_t i = 1; i < n; ++i) {
        net[i].node = std::make_unique<dht_node>(loopback(net[0].node->port()), net[i].key);
    }
    pump(net, 10s, [&] {
        for (auto& m : net) {
            if (!m.node->joined()) {
                return false;
            }
        }
        return true;
    });
    return net;
}

// Runs one lookup from `from` and returns its result.
lookup_result run_lookup(std::vector<member>& net, dht_node& from, uint64_t id)
{
    lookup_result out;
    bool done = pump(net, 15s, [&] {
        for (auto& r : from.take_finished_lookups()) {
            if (r.id == id) {
                out = r;
                return true;
            }
        }
        return false;
    });
    EXPECT_TRUE(done);
    return out;
}

bool found(const lookup_result& r, const std::array<uint8_t, 32>& key)
{
    for (const auto& f : r.found) {
        if (f.first == key) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST(dht_node, publish_lookup_withdraw)
{
    auto net = make_net(8);
    for (auto& m : net) {
        EXPECT_TRUE(m.node->joined());
    }
    for (size_t i = 1; i < 5; ++i) {
        ASSERT_TRUE(net[i].node->publish(record_for(net[i], "eu", i == 1 ? "10.1.0.0/16" : "10.2.0.0/16")));
    }
    ASSERT_TRUE(pump(net, 15s, [&] {
        for (size_t i = 1; i < 5; ++i) {
            if (net[i].node->stats().puts_succeeded == 0) {
                return false;
            }
        }
        return true;
    }));

    dht_node& reader = *net[6].node;
    auto r = run_lookup(net, reader, reader.lookup_region("eu"));
    EXPECT_EQ(r.announcers, 4u);
    for (size_t i = 1; i < 5; ++i) {
        EXPECT_TRUE(found(r, net[i].key.public_key)) << i;
        auto rec = reader.record_of(net[i].key.public_key);
        ASSERT_TRUE(rec);
        EXPECT_EQ(rec->region, "eu");
        EXPECT_GT(rec->seq, 0);
    }
    auto st = reader.stats();
    EXPECT_EQ(st.verdicts[record_verdict::accepted], 4u);
    EXPECT_EQ(st.verdicts.total(), 4u);
    EXPECT_EQ(st.lookups_succeeded, 1u);
    EXPECT_EQ(st.key_answers, 4u);

    auto p = run_lookup(net, reader, reader.lookup_prefix(record_for(net[1], "eu", "10.1.0.0/16").prefixes[0]));
    EXPECT_EQ(p.announcers, 1u);
    EXPECT_TRUE(found(p, net[1].key.public_key));

    auto none = run_lookup(net, reader, reader.lookup_region("nowhere"));
    EXPECT_TRUE(none.found.empty());

    // A second publish carries a higher seq; readers see the update. A put of the first value
    // may still be in flight (the relay re-puts as its table grows) and land after the
    // update's, so the reader looks again until it sees the update, a bounded number of times.
    int64_t seq1 = reader.record_of(net[2].key.public_key)->seq;
    auto rec2 = record_for(net[2], "eu", "10.2.0.0/16");
    rec2.load = 77;
    net[2].node->publish(rec2);
    auto reader_sees = [&](member& m, auto&& pred) {
        const uint64_t puts = m.node->stats().puts_succeeded;
        for (int attempt = 0; attempt < 5; ++attempt) {
            pump(net, 10s, [&] { return m.node->stats().puts_succeeded > puts; });
            run_lookup(net, reader, reader.lookup_region("eu"));
            if (pred(reader.record_of(m.key.public_key))) {
                return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(reader_sees(net[2], [&](const auto& rec) { return rec && rec->load == 77u; }));
    ASSERT_TRUE(reader.record_of(net[2].key.public_key));
    EXPECT_GT(reader.record_of(net[2].key.public_key)->seq, seq1);

    // Drain: the withdrawn record (expiry = now) makes readers forget the relay.
    net[3].node->withdraw();
    EXPECT_TRUE(reader_sees(net[3], [](const auto& rec) { return !rec; }));
    EXPECT_GE(reader.stats().verdicts[record_verdict::expired], 1u);
    EXPECT_EQ(reader.stats().verdicts[record_verdict::bad_signature], 0u);
}

// A relay that left still has announces in the DHT: its key query goes unanswered. The lookup
// gives up on it within its 8 s (libtorrent would report the loss after 15 s), says so in the
// trace, and the next lookup does not ask it again. (The gets may still take libtorrent's 15 s:
// a get traversal waits for the dead node too if it is among the closest to the item.)
TEST(dht_node, departed_announcer_is_traced_and_skipped)
{
    auto net = make_net(6);
    ASSERT_TRUE(net[1].node->publish(record_for(net[1], "ap", "10.3.0.0/16")));
    ASSERT_TRUE(net[2].node->publish(record_for(net[2], "ap", "10.4.0.0/16")));
    ASSERT_TRUE(pump(net, 15s, [&] {
        return net[1].node->stats().puts_succeeded > 0 && net[2].node->stats().puts_succeeded > 0;
    }));
    uint16_t gone = net[2].node->port();
    net[2].node.reset();

    dht_node& reader = *net[4].node;
    auto outcome_of_gone = [&](const lookup_result& r) {
        for (const auto& a : r.trace) {
            if (a.endpoint.port == gone) {
                return std::string(announcer_outcome_name(a.outcome));
            }
        }
        return std::string("absent");
    };
    auto r = run_lookup(net, reader, reader.lookup_region("ap"));
    EXPECT_EQ(r.announcers, 2u);
    EXPECT_EQ(outcome_of_gone(r), "key_failed");
    EXPECT_EQ(reader.stats().key_failures, 1u);
    EXPECT_EQ(reader.stats().key_skipped, 0u);
    uint64_t queries = reader.stats().key_queries;
    EXPECT_GE(queries, 4u); // net[1] once, the departed relay three times

    auto again = run_lookup(net, reader, reader.lookup_region("ap"));
    EXPECT_EQ(outcome_of_gone(again), "key_failed");
    EXPECT_EQ(reader.stats().key_skipped, 1u);
    EXPECT_EQ(reader.stats().key_queries, queries); // net[1]'s key is cached, the other skipped
}

// A relay that publishes before its table has filled (here: before it has joined) waits, a
// bounded time, for a fuller or settled table before its first put and announces, then puts
// and announces again as the table doubles (a bounded number of times).
TEST(dht_node, first_publish_waits_for_a_populated_table)
{
    auto net = make_net(6);
    member late;
    late.node = std::make_unique<dht_node>(loopback(net[0].node->port()), late.key);
    ASSERT_TRUE(late.node->publish(record_for(late, "sa", "10.5.0.0/16")));
    EXPECT_EQ(late.node->stats().puts, 0u);
    EXPECT_EQ(late.node->stats().announces, 0u);
    net.push_back(std::move(late));
    dht_node& n = *net.back().node;
    ASSERT_TRUE(pump(net, 12s, [&] { return n.stats().puts_succeeded >= 1; }));
    EXPECT_GE(n.stats().announces, 1u);
    // It looks its region up until it sees its own announce there.
    EXPECT_TRUE(pump(net, 15s, [&] { return n.stats().announce_seen; })) << n.stats().self_checks;
    EXPECT_GE(n.stats().self_checks, 1u);
    EXPECT_EQ(n.stats().lookups_started, 0u); // not counted as lookups
    pump(net, 3s, [] { return false; });
    EXPECT_LE(n.stats().republishes, 5u);
    dht_node& reader = *net[3].node;
    auto r = run_lookup(net, reader, reader.lookup_region("sa"));
    EXPECT_TRUE(found(r, net.back().key.public_key));

    // Not joined at all (its bootstrap relay does not answer): it waits 10 s and no longer.
    member solo;
    solo.node = std::make_unique<dht_node>(loopback(1), solo.key);
    ASSERT_TRUE(solo.node->publish(record_for(solo, "sa", "10.6.0.0/16")));
    std::vector<member> alone;
    alone.push_back(std::move(solo));
    EXPECT_FALSE(pump(alone, 8s, [&] { return alone[0].node->stats().puts >= 1; }));
    EXPECT_TRUE(pump(alone, 4s, [&] { return alone[0].node->stats().puts >= 1; }));
}

TEST(dht_node, oversized_record_is_not_published)
{
    member m;
    m.node = std::make_unique<dht_node>(loopback(0), m.key);
    auto r = record_for(m, "eu", "10.0.0.0/8");
    r.links.assign(40, relay_link{});
    EXPECT_FALSE(m.node->publish(r));
    EXPECT_EQ(m.node->stats().puts, 0u);
}

TEST(dht_node, bind_failures_throw)
{
    member a;
    a.node = std::make_unique<dht_node>(loopback(0), a.key);
    dht_options busy = loopback(0);
    busy.port = a.node->port();
    EXPECT_THROW(dht_node(busy, crypto::ed25519_generate()), std::runtime_error);
    dht_options foreign = loopback(0);
    foreign.bind_addresses = {"192.0.2.55"}; // TEST-NET-1: not on this host
    try {
        dht_node n(foreign, crypto::ed25519_generate());
        ADD_FAILURE() << "bound to an address this host does not have";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("192.0.2.55"), std::string::npos) << e.what();
    }
}

// A relay restarting while its bootstrap node is down rejoins through the nodes it saved.
TEST(dht_node, rejoins_from_state_file_without_bootstrap)
{
    char dir[] = "/tmp/dht_node_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string state = std::string(dir) + "/dht.state";
    auto net = make_net(5);
    uint16_t boot_port = net[0].node->port();
    member a;
    a.node = std::make_unique<dht_node>(loopback(boot_port, state), a.key);
    uint16_t a_port = a.node->port(); // a restarted relay keeps its port (and its node id)
    net.push_back(std::move(a));
    ASSERT_TRUE(pump(net, 10s, [&] { return net.back().node->stats().routing_nodes >= 2; }));
    ASSERT_TRUE(net[2].node->publish(record_for(net[2], "us", "10.9.0.0/16")));
    ASSERT_TRUE(pump(net, 15s, [&] { return net[2].node->stats().puts_succeeded >= 1; }));
    ASSERT_TRUE(net.back().node->save_state());
    auto st = std::filesystem::status(state);
    EXPECT_EQ(st.permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    net.back().node.reset();
    net[0].node.reset(); // the only bootstrap node is gone

    member& again = net.back();
    dht_options restart = loopback(boot_port, state);
    restart.port = a_port;
    again.node = std::make_unique<dht_node>(restart, again.key);
    EXPECT_TRUE(again.node->stats().state_loaded);
    ASSERT_TRUE(pump(net, 15s, [&] { return again.node->joined(); }));
    auto r = run_lookup(net, *again.node, again.node->lookup_region("us"));
    if (!found(r, net[2].key.public_key)) { // a table of one or two nodes may need a second pass
        r = run_lookup(net, *again.node, again.node->lookup_region("us"));
    }
    EXPECT_TRUE(found(r, net[2].key.public_key));

    // Without the state file the same restart stays alone.
    member alone;
    alone.node = std::make_unique<dht_node>(loopback(boot_port), alone.key);
    EXPECT_FALSE(alone.node->stats().state_loaded);
    std::vector<member> solo;
    solo.push_back(std::move(alone));
    EXPECT_FALSE(pump(solo, 3s, [&] { return solo[0].node->joined(); }));
    std::filesystem::remove_all(dir);
}
