// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Keypairs adopted from a dataplane readback (a restarted control plane): shown, timed, kept.
#include <cerrno>

#include "tests/unit/peers/harness.hh"

namespace edgerelay::cp::test {
namespace {

using abi::command_type;
using namespace std::chrono_literals;

transport_keys keys(uint32_t local_index, bool initiator, uint8_t fill)
{
    transport_keys k;
    k.send_key.bytes.fill(fill);
    k.recv_key.bytes.fill(uint8_t(fill + 1));
    k.local_index = local_index;
    k.remote_index = local_index ^ 0x5A5A5A5Au;
    k.initiator = initiator;
    return k;
}

TEST(peers_adopt, adopted_keypair_shows_in_the_snapshot_without_a_command)
{
    back_to_back t;
    const nanos wall = t.clk.wall();
    // A previous alone cannot be mirrored; in readback order (current first) it can.
    EXPECT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::previous,
                                   keys(41, true, 1), 150s),
              -EAGAIN);
    ASSERT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::current,
                                   keys(42, false, 3), 30s),
              0);
    ASSERT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::previous,
                                   keys(41, true, 1), 150s),
              0);
    auto s = t.a.pm.snapshot(back_to_back::b_at_a);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->keypair_index[0], 42u);
    EXPECT_EQ(s->keypair_index[1], 41u);
    EXPECT_FALSE(s->keypair_index[2]);
    // The latest handshake is the newest keypair's birth, not the adoption.
    ASSERT_TRUE(s->latest_handshake);
    EXPECT_EQ(*s->latest_handshake, wall - 30s);
    // The dataplane holds them already: nothing is sent for them.
    EXPECT_EQ(t.a.out.count(command_type::install_keypair), 0u);
    EXPECT_EQ(t.a.out.count(command_type::retire_keypair), 0u);
}

TEST(peers_adopt, refuses_unknown_peer_taken_index_and_occupied_slot)
{
    back_to_back t;
    EXPECT_EQ(t.a.pm.adopt_keypair(99, abi::key_slot::current, keys(5, true, 1), 1s), -ENOENT);
    EXPECT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::by_index,
                                   keys(5, true, 1), 1s),
              -EINVAL);
    ASSERT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::current,
                                   keys(5, true, 1), 1s),
              0);
    EXPECT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::next, keys(5, false, 1),
                                   1s),
              -EEXIST);
    EXPECT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::current,
                                   keys(6, true, 1), 1s),
              -EBUSY);
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->keypair_index[0], 5u);
}

TEST(peers_adopt, adopted_initiator_keypair_of_100_s_rekeys_20_s_later)
{
    back_to_back t;
    ASSERT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::current,
                                   keys(77, true, 9), 100s),
              0);
    t.drop_a_to_b = true; // count initiations only
    t.run_for(20s - 100ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 0u);
    t.run_for(200ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 1u);
}

TEST(peers_adopt, adopted_keypair_is_retired_at_reject_after_time)
{
    back_to_back t;
    ASSERT_EQ(t.a.pm.adopt_keypair(back_to_back::b_at_a, abi::key_slot::current,
                                   keys(88, false, 9), 170s),
              0);
    t.drop_a_to_b = true;
    t.run_for(10s - 100ms);
    EXPECT_EQ(t.a.out.count(command_type::retire_keypair), 0u);
    t.run_for(200ms);
    auto r = t.a.out.of(command_type::retire_keypair);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body.retire_keypair.local_index, 88u);
    EXPECT_FALSE(t.a.pm.snapshot(back_to_back::b_at_a)->keypair_index[0]);
}

} // namespace
} // namespace edgerelay::cp::test
