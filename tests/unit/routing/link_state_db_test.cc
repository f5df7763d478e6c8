// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The link-state database: sequence numbers, validation, removal and expiry.
#include <gtest/gtest.h>

#include <limits>

#include "controlplane/routing/link_state_db.hh"
#include "tests/unit/routing/fixtures.hh"

namespace edgerelay::cp::routing {
namespace {

using namespace std::chrono_literals;

using test::key;
using test::v4;

relay_state record(uint8_t id, uint64_t seq)
{
    relay_state r;
    r.key = key(id);
    r.seq = seq;
    r.region = "eu-west";
    r.has_location = true;
    r.location = {48.85, 2.35};
    r.prefixes = {v4(10, id, 16)};
    r.links = {{key(static_cast<uint8_t>(id + 1)), 1500, 0, true}};
    return r;
}

TEST(link_state_db, newer_seq_replaces_older_and_equal_are_stale)
{
    link_state_db db;
    EXPECT_EQ(db.update(record(1, 5), 1s), update_result::inserted);
    auto r = record(1, 5);
    r.region = "changed";
    EXPECT_EQ(db.update(r, 2s), update_result::stale);
    r.seq = 4;
    EXPECT_EQ(db.update(r, 2s), update_result::stale);
    EXPECT_EQ(db.find(key(1))->region, "eu-west");
    EXPECT_EQ(db.find(key(1))->received, 1s);
    r.seq = 6;
    EXPECT_EQ(db.update(r, 3s), update_result::replaced);
    EXPECT_EQ(db.find(key(1))->region, "changed");
    EXPECT_EQ(db.find(key(1))->received, 3s);
    EXPECT_EQ(db.size(), 1u);
    EXPECT_EQ(db.find(key(2)), nullptr);
    EXPECT_STREQ(to_string(update_result::stale), "stale");
}

TEST(link_state_db, invalid_records_are_refused_whole)
{
    struct bad {
        const char* what;
        void (*apply)(relay_state&);
    };
    const bad cases[] = {
        {"host bits", [](relay_state& r) { r.prefixes[0] = v4(10, 1, 8); }},
        {"v4 too long", [](relay_state& r) { r.prefixes[0].len = 33; }},
        {"v4 with v6 bytes", [](relay_state& r) { r.prefixes[0].addr[10] = 1; }},
        {"family 0", [](relay_state& r) { r.prefixes[0].family = 0; }},
        {"v6 too long", [](relay_state& r) { r.prefixes[0].family = 6; r.prefixes[0].len = 129; }},
        {"loss > 1000", [](relay_state& r) { r.links[0].loss_permille = 1001; }},
        {"self link", [](relay_state& r) { r.links[0].neighbour = r.key; }},
        {"duplicate link", [](relay_state& r) { r.links.push_back(r.links[0]); }},
        {"region too long", [](relay_state& r) { r.region.assign(65, 'x'); }},
        {"too many links", [](relay_state& r) {
             r.links.clear();
             for (size_t i = 0; i <= max_links_per_relay; ++i) {
                 crypto::key32 k{};
                 k[0] = static_cast<uint8_t>(i);
                 k[1] = static_cast<uint8_t>(i >> 8);
                 k[2] = 0xee;
                 r.links.push_back({k, 1, 0, true});
             }
         }},
        {"too many prefixes", [](relay_state& r) { r.prefixes.assign(max_prefixes_per_relay + 1, v4(10, 0, 16)); }},
    };
    for (const bad& c : cases) {
        link_state_db db;
        relay_state r = record(1, 1);
        c.apply(r);
        EXPECT_EQ(db.update(r, 1s), update_result::invalid) << c.what;
        EXPECT_EQ(db.size(), 0u) << c.what;
    }
    // The same record unmodified is fine, and so is a v6 /128 and a v4 /0.
    link_state_db db;
    relay_state r = record(1, 1);
    config::prefix p6;
    p6.family = 6;
    p6.len = 128;
    p6.addr[0] = 0xfd;
    p6.addr[15] = 1;
    r.prefixes.push_back(p6);
    r.prefixes.push_back(v4(0, 0, 0));
    EXPECT_EQ(db.update(r, 1s), update_result::inserted);
}

TEST(link_state_db, bad_coordinates_drop_the_location_only)
{
    link_state_db db;
    relay_state r = record(1, 1);
    r.location = {std::numeric_limits<double>::quiet_NaN(), 0};
    EXPECT_EQ(db.update(r, 1s), update_result::inserted);
    EXPECT_FALSE(db.find(key(1))->has_location);
    r = record(2, 1);
    r.location = {0, 200};
    db.update(r, 1s);
    EXPECT_FALSE(db.find(key(2))->has_location);
    db.update(record(3, 1), 1s);
    EXPECT_TRUE(db.find(key(3))->has_location);
}

TEST(link_state_db, remove_and_expire)
{
    link_state_db db;
    db.update(record(1, 1), 10s);
    db.update(record(2, 1), 20s);
    db.update(record(3, 1), 30s);
    EXPECT_TRUE(db.remove(key(2)));
    EXPECT_FALSE(db.remove(key(2)));
    EXPECT_EQ(db.expire(39s, 30s), 0u); // 10 s + 30 s > 39 s
    EXPECT_EQ(db.expire(40s, 30s), 1u); // relay 1 reaches its age
    EXPECT_EQ(db.find(key(1)), nullptr);
    EXPECT_NE(db.find(key(3)), nullptr);
    // A refresh (newer seq) restarts the age.
    db.update(record(3, 2), 55s);
    EXPECT_EQ(db.expire(70s, 30s), 0u);
    EXPECT_EQ(db.expire(85s, 30s), 1u);
    EXPECT_EQ(db.size(), 0u);
}

} // namespace
} // namespace edgerelay::cp::routing
