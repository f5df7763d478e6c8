// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// reconcile(): which commands a (re)started control plane sends for a given readback.
#include <gtest/gtest.h>

#include <cstring>

#include "controlplane/process/reconcile.hh"

namespace edgerelay::cp::process {
namespace {

constexpr uint64_t reject_ms = 180'000;

abi::prefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
{
    abi::prefix p{};
    p.family = 4;
    p.length = len;
    p.addr[0] = a;
    p.addr[1] = b;
    p.addr[2] = c;
    p.addr[3] = d;
    return p;
}

wire::endpoint ep(uint8_t last, uint16_t port = 51820)
{
    wire::endpoint e;
    e.family = 4;
    e.port = port;
    e.addr[0] = 192;
    e.addr[1] = 0;
    e.addr[2] = 2;
    e.addr[3] = last;
    return e;
}

// The desired state of a two-peer relay: peer 0 (with endpoint) and peer 1 (without), each
// with one allowed IP and a route, plus a local route.
std::vector<abi::command> desired()
{
    std::vector<abi::command> want;
    for (abi::peer_id id : {0u, 1u}) {
        abi::command c;
        c.type = abi::command_type::add_peer;
        c.body.peer.peer = id;
        want.push_back(c);
        if (id == 0) {
            abi::command e;
            e.type = abi::command_type::set_endpoint;
            e.body.set_endpoint.peer = id;
            e.body.set_endpoint.remote = ep(7);
            want.push_back(e);
        }
        abi::command a;
        a.type = abi::command_type::add_allowed_ip;
        a.body.allowed_ip.peer = id;
        a.body.allowed_ip.src = v4(10, 0, 0, uint8_t(2 + id), 32);
        want.push_back(a);
        abi::command r;
        r.type = abi::command_type::add_route;
        r.body.route.dst = v4(10, 0, 0, uint8_t(2 + id), 32);
        r.body.route.hop = id;
        want.push_back(r);
    }
    abi::command r;
    r.type = abi::command_type::add_route;
    r.body.route.dst = v4(10, 9, 0, 0, 16);
    r.body.route.hop = abi::next_hop_local;
    want.push_back(r);
    return want;
}

// What a dataplane programmed with desired() reports, with a live keypair for peer 0.
dp_state programmed()
{
    dp_state s;
    abi::event ev;
    for (abi::peer_id id : {0u, 1u}) {
        ev = {};
        ev.type = abi::event_type::rb_peer;
        ev.body.rb_peer.peer = id;
        if (id == 0) {
            ev.body.rb_peer.remote = ep(7);
        }
        EXPECT_TRUE(s.add(ev));
        ev = {};
        ev.type = abi::event_type::rb_allowed_ip;
        ev.body.rb_allowed_ip = abi::cmd_allowed_ip{id, v4(10, 0, 0, uint8_t(2 + id), 32)};
        EXPECT_TRUE(s.add(ev));
        ev = {};
        ev.type = abi::event_type::rb_route;
        ev.body.rb_route = abi::ev_rb_route{v4(10, 0, 0, uint8_t(2 + id), 32), id};
        EXPECT_TRUE(s.add(ev));
    }
    ev = {};
    ev.type = abi::event_type::rb_route;
    ev.body.rb_route = abi::ev_rb_route{v4(10, 9, 0, 0, 16), abi::next_hop_local};
    EXPECT_TRUE(s.add(ev));
    ev = {};
    ev.type = abi::event_type::rb_keypair;
    ev.body.rb_keypair.peer = 0;
    ev.body.rb_keypair.slot = abi::key_slot::current;
    ev.body.rb_keypair.local_index = 0x1234;
    ev.body.rb_keypair.age_ms = 30'000;
    EXPECT_TRUE(s.add(ev));
    return s;
}

std::vector<abi::command_type> types(const reconcile_plan& p)
{
    std::vector<abi::command_type> out;
    for (const auto& c : p.commands) {
        out.push_back(c.type);
    }
    return out;
}

using ct = abi::command_type;

TEST(reconcile, empty_dataplane_gets_everything_and_handshakes_start)
{
    auto want = desired();
    auto plan = reconcile(dp_state{}, want, reject_ms);
    ASSERT_EQ(plan.commands.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(std::memcmp(&plan.commands[i], &want[i], sizeof want[i]), 0) << i;
    }
    // Only peer 0 has an endpoint to call.
    EXPECT_EQ(plan.initiate, std::vector<abi::peer_id>{0});
}

TEST(reconcile, fully_programmed_dataplane_needs_nothing)
{
    auto plan = reconcile(programmed(), desired(), reject_ms);
    EXPECT_TRUE(plan.commands.empty()) << plan.commands.size() << " commands";
    // Peer 0's live keypair is kept: no new handshake, traffic continues.
    EXPECT_TRUE(plan.initiate.empty());
}

TEST(reconcile, missing_routes_only)
{
    dp_state have = programmed();
    have.routes.erase(have.routes.begin()); // peer 0's route
    have.routes.pop_back();                  // the local route
    auto plan = reconcile(have, desired(), reject_ms);
    ASSERT_EQ(types(plan), (std::vector<ct>{ct::add_route, ct::add_route}));
    EXPECT_EQ(plan.commands[0].body.route.hop, 0u);
    EXPECT_EQ(plan.commands[1].body.route.hop, abi::next_hop_local);
    EXPECT_TRUE(plan.initiate.empty());
}

TEST(reconcile, expired_or_previous_only_keypair_means_handshake)
{
    dp_state have = programmed();
    have.keypairs[0].age_ms = reject_ms;
    EXPECT_EQ(reconcile(have, desired(), reject_ms).initiate, std::vector<abi::peer_id>{0});
    have.keypairs[0].age_ms = 1000;
    have.keypairs[0].slot = abi::key_slot::previous;
    EXPECT_EQ(reconcile(have, desired(), reject_ms).initiate, std::vector<abi::peer_id>{0});
    have.keypairs[0].slot = abi::key_slot::next;
    EXPECT_TRUE(reconcile(have, desired(), reject_ms).initiate.empty());
}

TEST(reconcile, stale_entries_are_removed_before_anything_is_added)
{
    dp_state have = programmed();
    abi::event ev;
    ev.type = abi::event_type::rb_peer;
    ev.body.rb_peer.peer = 5; // a peer the configuration no longer has
    have.add(ev);
    ev = {};
    ev.type = abi::event_type::rb_route;
    ev.body.rb_route = abi::ev_rb_route{v4(10, 5, 0, 0, 16), 5};
    have.add(ev);
    // peer 1's route now points to peer 0 in the dataplane: it must move back.
    have.routes[1].hop = 0;
    have.routes.erase(have.routes.begin());  // and peer 0's route is missing

    auto plan = reconcile(have, desired(), reject_ms);
    ASSERT_EQ(types(plan), (std::vector<ct>{ct::remove_route, ct::remove_route, ct::remove_peer,
                                            ct::add_route, ct::add_route}));
    // Removals carry no seq: the caller numbers and seals them.
    EXPECT_EQ(plan.commands[0].seq, 0u);
    EXPECT_EQ(plan.commands[2].body.peer.peer, 5u);
    EXPECT_EQ(plan.commands[3].body.route.hop, 0u);
    EXPECT_EQ(plan.commands[4].body.route.hop, 1u);
}

TEST(reconcile, allowed_ip_owned_by_another_peer_moves)
{
    dp_state have = programmed();
    have.allowed_ips[1].peer = 0; // peer 1's prefix is held by peer 0
    auto plan = reconcile(have, desired(), reject_ms);
    ASSERT_EQ(types(plan), (std::vector<ct>{ct::remove_allowed_ip, ct::add_allowed_ip}));
    EXPECT_EQ(plan.commands[0].body.allowed_ip.peer, 0u);
    EXPECT_EQ(plan.commands[1].body.allowed_ip.peer, 1u);
}

TEST(reconcile, endpoint_the_dataplane_learned_is_kept)
{
    dp_state have = programmed();
    have.peers[0].remote = ep(99, 40000); // roamed while the control plane was down
    EXPECT_TRUE(reconcile(have, desired(), reject_ms).commands.empty());
    have.peers[0].remote = {};            // known to nobody: send ours
    auto plan = reconcile(have, desired(), reject_ms);
    ASSERT_EQ(types(plan), std::vector<ct>{ct::set_endpoint});
    // No endpoint anywhere, no keypair: nothing to call, but peer 0 has a live keypair.
    EXPECT_TRUE(plan.initiate.empty());
}

TEST(reconcile, replayed_keypairs_skip_present_ones_and_suppress_handshakes)
{
    auto want = desired();
    abi::command k;
    k.type = abi::command_type::install_keypair;
    k.body.install_keypair.peer = 0;
    k.body.install_keypair.local_index = 0x1234;
    want.push_back(k);
    // Present in the dataplane (same index): not installed twice.
    EXPECT_TRUE(reconcile(programmed(), want, reject_ms).commands.empty());
    // Fresh dataplane: installed, and the session resumes without a handshake.
    auto plan = reconcile(dp_state{}, want, reject_ms);
    EXPECT_EQ(plan.commands.back().type, ct::install_keypair);
    EXPECT_TRUE(plan.initiate.empty());
}

TEST(reconcile, readback_collects_only_rb_events)
{
    dp_state s;
    abi::event ev;
    ev.type = abi::event_type::reply;
    EXPECT_FALSE(s.add(ev));
    ev.type = abi::event_type::readback_done;
    EXPECT_FALSE(s.add(ev));
    ev.type = abi::event_type::rb_splice;
    EXPECT_TRUE(s.add(ev));
    EXPECT_TRUE(s.peers.empty() && s.routes.empty());
}

} // namespace
} // namespace edgerelay::cp::process
