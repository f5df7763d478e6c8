// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard timers on a virtual clock: rekey, retries, expiry, zeroing, keepalives.
#include <algorithm>

#include "tests/unit/peers/harness.hh"

namespace edgerelay::cp::test {
namespace {

using abi::command_type;

std::vector<uint32_t> retired_indices(const recorder& r)
{
    std::vector<uint32_t> out;
    for (const auto& c : r.of(command_type::retire_keypair)) {
        EXPECT_EQ(c.body.retire_keypair.slot, abi::key_slot::by_index);
        out.push_back(c.body.retire_keypair.local_index);
    }
    return out;
}

TEST(peers_timers, initiator_rekeys_after_120_s)
{
    back_to_back t;
    t.handshake();
    const uint32_t first =
        t.a.out.of(command_type::install_keypair)[0].body.install_keypair.local_index;

    t.run_for(rekey_after_time - 100ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 1u);
    t.run_for(200ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 2u);
    EXPECT_EQ(t.b.pm.counters().initiations_sent, 0u); // only the initiator rekeys

    auto ia = t.a.out.of(command_type::install_keypair);
    ASSERT_EQ(ia.size(), 2u);
    EXPECT_EQ(ia[1].body.install_keypair.slot, abi::key_slot::current);
    EXPECT_NE(ia[1].body.install_keypair.local_index, first);
    auto sa = t.a.pm.snapshot(back_to_back::b_at_a);
    EXPECT_EQ(sa->keypair_index[0], ia[1].body.install_keypair.local_index);
    EXPECT_EQ(sa->keypair_index[1], first); // previous still receives in-flight packets

    // B's new keypair replaces its unconfirmed next; the keys still pair up.
    auto ib = t.b.out.of(command_type::install_keypair);
    ASSERT_EQ(ib.size(), 2u);
    EXPECT_EQ(ib[1].body.install_keypair.slot, abi::key_slot::next);
    EXPECT_EQ(
        std::memcmp(ia[1].body.install_keypair.send_key, ib[1].body.install_keypair.recv_key, 32),
        0);

    // The next rekey is another 120 s away, not on every tick.
    t.run_for(60s);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 2u);
}

TEST(peers_timers, retries_every_5_s_with_jitter_then_gives_up)
{
    back_to_back t;
    t.drop_a_to_b = true;
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.a_sent_at.push_back(t.clk.now());
    t.a.out.outbox.clear();
    t.run_for(200s);

    // One initiation, then 18 retries (REKEY_ATTEMPT_TIME / REKEY_TIMEOUT), then silence.
    ASSERT_EQ(t.a_sent_at.size(), 1u + max_timer_handshakes);
    EXPECT_EQ(t.a.pm.counters().handshakes_abandoned, 1u);
    std::vector<nanos> gaps;
    for (size_t i = 1; i < t.a_sent_at.size(); ++i) {
        gaps.push_back(t.a_sent_at[i] - t.a_sent_at[i - 1]);
        EXPECT_GE(gaps.back(), rekey_timeout);
        EXPECT_LE(gaps.back(), rekey_timeout + rekey_timeout_jitter_max + 10ms); // + one tick
    }
    EXPECT_NE(*std::min_element(gaps.begin(), gaps.end()),
              *std::max_element(gaps.begin(), gaps.end())); // the jitter is there
    EXPECT_GE(t.a_sent_at.back() - t.a_sent_at.front(), rekey_attempt_time);
    // A late answer could still complete it: the handshake is kept until keys are zeroed.
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state,
              handshake::state::created_initiation);
}

TEST(peers_timers, retry_reaches_a_peer_that_comes_back)
{
    back_to_back t;
    t.drop_a_to_b = true;
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.run_for(12s);
    t.drop_a_to_b = false;
    t.run_for(6s);
    EXPECT_EQ(t.a.out.count(command_type::install_keypair), 1u);
    EXPECT_EQ(t.b.out.count(command_type::install_keypair), 1u);
    const auto sent = t.a.pm.counters().initiations_sent;
    t.run_for(60s);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, sent); // complete: no more retries
}

TEST(peers_timers, keypairs_retired_at_180_s)
{
    back_to_back t;
    t.handshake();
    const uint32_t ka =
        t.a.out.of(command_type::install_keypair)[0].body.install_keypair.local_index;
    const uint32_t kb =
        t.b.out.of(command_type::install_keypair)[0].body.install_keypair.local_index;
    t.drop_a_to_b = t.drop_b_to_a = true; // B vanishes: A's rekey at 120 s fails

    t.run_for(reject_after_time - 100ms);
    EXPECT_TRUE(retired_indices(t.a.out).empty());
    EXPECT_TRUE(retired_indices(t.b.out).empty());
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->keypair_index[0], ka);

    t.run_for(200ms);
    EXPECT_EQ(retired_indices(t.a.out), std::vector<uint32_t>{ka});
    EXPECT_EQ(retired_indices(t.b.out), std::vector<uint32_t>{kb});
    for (const auto* n : {&t.a, &t.b}) {
        for (const auto& s : n->pm.snapshots()) {
            EXPECT_FALSE(s.keypair_index[0] || s.keypair_index[1] || s.keypair_index[2]);
        }
    }
}

TEST(peers_timers, keypair_expired_event_forgets_without_a_command)
{
    back_to_back t;
    t.handshake();
    const uint32_t ka =
        t.a.out.of(command_type::install_keypair)[0].body.install_keypair.local_index;
    abi::event ev;
    ev.type = abi::event_type::keypair_expired;
    ev.body.keypair_ref.peer = back_to_back::b_at_a;
    ev.body.keypair_ref.local_index = ka;
    t.a.pm.on_event(ev);
    EXPECT_FALSE(t.a.pm.snapshot(back_to_back::b_at_a)->keypair_index[0]);
    EXPECT_TRUE(retired_indices(t.a.out).empty()); // the dataplane already dropped it
}

TEST(peers_timers, keypair_confirmed_event_promotes_next_and_completes)
{
    back_to_back t;
    t.handshake();
    const uint32_t kb =
        t.b.out.of(command_type::install_keypair)[0].body.install_keypair.local_index;
    abi::event ev;
    ev.type = abi::event_type::keypair_confirmed;
    ev.body.keypair_ref.peer = back_to_back::a_at_b;
    ev.body.keypair_ref.local_index = kb + 1;  // not B's next: ignored
    t.b.pm.on_event(ev);
    EXPECT_EQ(t.b.pm.snapshot(back_to_back::a_at_b)->keypair_index[2], kb);
    ev.body.keypair_ref.local_index = kb;
    const size_t commands = t.b.out.commands.size();
    t.b.pm.on_event(ev);
    auto sb = t.b.pm.snapshot(back_to_back::a_at_b);
    EXPECT_EQ(sb->keypair_index[0], kb);
    EXPECT_FALSE(sb->keypair_index[2]);
    EXPECT_EQ(t.b.out.commands.size(), commands);  // the dataplane did it already

    // A second session from A: the confirmed keypair stays current while the new one waits.
    t.clk.advance(rekey_timeout);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.pump();
    sb = t.b.pm.snapshot(back_to_back::a_at_b);
    EXPECT_EQ(sb->keypair_index[0], kb);
    EXPECT_TRUE(sb->keypair_index[2]);
    EXPECT_NE(sb->keypair_index[2], kb);
}

TEST(peers_timers, rekey_needed_event_starts_a_handshake_once)
{
    back_to_back t;
    t.handshake();
    abi::event ev;
    ev.type = abi::event_type::rekey_needed;
    ev.body.keypair_ref.peer = back_to_back::b_at_a;
    t.a.pm.on_event(ev);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 1u); // within REKEY_TIMEOUT of the last
    t.clk.advance(rekey_timeout);
    t.a.pm.on_event(ev);
    t.a.pm.on_event(ev);
    t.pump();
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 2u);
    EXPECT_EQ(t.a.out.count(command_type::install_keypair), 2u);
}

TEST(peers_timers, handshake_wanted_event_lets_a_responder_call)
{
    // B answered A's initiation: its keypair waits in next for A's first packet. If the
    // dataplane has something for A before that (it cannot send with next), B calls A.
    back_to_back t;
    t.handshake();
    ASSERT_TRUE(t.b.pm.snapshot(back_to_back::a_at_b)->keypair_index[2]);
    abi::event ev;
    ev.type = abi::event_type::handshake_wanted;
    ev.body.keypair_ref.peer = back_to_back::a_at_b;
    t.b.pm.on_event(ev);
    t.pump();
    EXPECT_EQ(t.b.pm.counters().initiations_sent, 1u);
    EXPECT_EQ(t.a.pm.counters().responses_sent, 1u);
    auto sb = t.b.pm.snapshot(back_to_back::a_at_b);
    ASSERT_TRUE(sb->keypair_index[0]); // B's own initiator keypair: it may send now
    t.b.pm.on_event(ev);               // within REKEY_TIMEOUT: nothing more
    EXPECT_EQ(t.b.pm.counters().initiations_sent, 1u);
}

TEST(peers_timers, keys_zeroed_at_540_s)
{
    back_to_back t;
    t.handshake();
    t.drop_a_to_b = t.drop_b_to_a = true;

    t.run_for(zero_key_material_after - 100ms);
    EXPECT_EQ(t.a.pm.counters().handshakes_abandoned, 1u);
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state,
              handshake::state::created_initiation);
    const auto sent = t.a.pm.counters().initiations_sent;

    t.run_for(200ms);
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state, handshake::state::zeroed);
    // Zeroing does not start anything new.
    t.run_for(600s);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, sent);
}

TEST(peers_timers, zeroing_counts_from_the_newest_session)
{
    back_to_back t;
    t.handshake();
    t.run_for(rekey_after_time + 10s); // the rekey at 120 s succeeds
    ASSERT_EQ(t.a.out.count(command_type::install_keypair), 2u);
    t.drop_a_to_b = t.drop_b_to_a = true;

    t.run_for(zero_key_material_after - rekey_after_time - 10s); // 540 s after the first
    EXPECT_NE(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state, handshake::state::zeroed);
    t.run_for(rekey_after_time - 100ms);
    EXPECT_NE(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state, handshake::state::zeroed);
    t.run_for(200ms); // 540 s after the second
    EXPECT_EQ(t.a.pm.snapshot(back_to_back::b_at_a)->handshake_state, handshake::state::zeroed);
}

TEST(peers_timers, persistent_keepalive_every_n_seconds)
{
    back_to_back t(25);
    t.handshake();
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 1u); // the confirmation
    t.run_for(25s - 100ms);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 1u);
    t.run_for(200ms);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 2u);
    t.run_for(25s);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 3u);
    t.run_for(25s);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 4u);
    EXPECT_EQ(t.b.out.count(command_type::send_keepalive), 0u); // B has none configured
}

TEST(peers_timers, no_keepalives_without_persistent_keepalive)
{
    back_to_back t;
    t.handshake();
    t.run_for(100s);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), 1u);
}

TEST(peers_timers, passive_keepalive_after_received_data)
{
    back_to_back t;
    t.handshake();
    const size_t before = t.a.out.count(command_type::send_keepalive);
    t.a.pm.on_data_received(back_to_back::b_at_a);
    t.run_for(keepalive_timeout - 100ms);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), before);
    t.run_for(200ms);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), before + 1);

    // Data sent in the meantime is the answer: no keepalive.
    t.a.pm.on_data_received(back_to_back::b_at_a);
    t.run_for(5s);
    t.a.pm.on_data_sent(back_to_back::b_at_a);
    t.run_for(keepalive_timeout);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), before + 1);

    // More data while the timer runs asks for another keepalive after the first.
    t.a.pm.on_data_received(back_to_back::b_at_a);
    t.run_for(1s);
    t.a.pm.on_data_received(back_to_back::b_at_a);
    t.run_for(keepalive_timeout * 2 + 100ms);
    EXPECT_EQ(t.a.out.count(command_type::send_keepalive), before + 3);
}

TEST(peers_timers, new_handshake_when_sent_data_gets_no_answer)
{
    back_to_back t;
    t.handshake();
    t.a.pm.on_data_sent(back_to_back::b_at_a);
    t.run_for(keepalive_timeout + rekey_timeout - 100ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 1u);
    t.run_for(rekey_timeout_jitter_max + 200ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 2u);

    // An answer in time cancels it.
    t.run_for(10s);
    const auto sent = t.a.pm.counters().initiations_sent;
    t.a.pm.on_data_sent(back_to_back::b_at_a);
    t.run_for(5s);
    t.a.pm.on_data_received(back_to_back::b_at_a);
    t.run_for(20s);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, sent);
}

} // namespace
} // namespace edgerelay::cp::test
