// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Peer manager: configuration commands, handshakes over punts, cookies, replays, roaming.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "common/abi/validate.hh"
#include "tests/unit/peers/harness.hh"

namespace edgerelay::cp::test {
namespace {

using abi::command_type;

TEST(peers, add_peer_emits_configuration)
{
    back_to_back t;
    auto& ca = t.a.out;
    ASSERT_GE(ca.commands.size(), 3u);
    EXPECT_EQ(ca.commands[0].type, command_type::add_peer);
    EXPECT_EQ(ca.commands[0].body.peer.peer, back_to_back::b_at_a);
    EXPECT_EQ(ca.commands[1].type, command_type::set_endpoint);
    EXPECT_EQ(ca.commands[1].body.set_endpoint.remote, t.b.addr);
    EXPECT_EQ(ca.commands[2].type, command_type::add_allowed_ip);
    EXPECT_EQ(ca.commands[2].body.allowed_ip.src.addr[2], 2);
    // B does not know where A is yet, so no set_endpoint; two allowed IPs.
    EXPECT_EQ(t.b.out.count(command_type::add_peer), 1u);
    EXPECT_EQ(t.b.out.count(command_type::set_endpoint), 0u);
    EXPECT_EQ(t.b.out.count(command_type::add_allowed_ip), 2u);
    // Sequence numbers are fresh for every command.
    EXPECT_LT(ca.commands[0].seq, ca.commands[1].seq);
}

// A transit (relay-to-relay) peer's add_peer carries the transit flag; ordinary peers' do not,
// and the snapshot (used to replay a restarted dataplane) remembers which is which.
TEST(peers, add_peer_transit_flag)
{
    back_to_back t;
    const auto first = t.a.out.of(command_type::add_peer);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].body.add_peer.flags, 0u);
    EXPECT_EQ(abi::validate(first[0], abi::limits{}), abi::error::ok);

    peer_config relay;
    relay.id = 12;
    relay.public_key = crypto::x25519_public(crypto::x25519_generate());
    relay.transit = true;
    ASSERT_EQ(t.a.pm.add_peer(relay), 0);
    const auto adds = t.a.out.of(command_type::add_peer);
    ASSERT_EQ(adds.size(), 2u);
    EXPECT_EQ(adds[1].body.add_peer.peer, 12u);
    EXPECT_EQ(adds[1].body.add_peer.flags, abi::peer_flag_transit);
    EXPECT_EQ(abi::validate(adds[1], abi::limits{}), abi::error::ok) << "sealed after the flags";
    ASSERT_TRUE(t.a.pm.snapshot(12).has_value());
    EXPECT_TRUE(t.a.pm.snapshot(12)->transit);
    EXPECT_FALSE(t.a.pm.snapshot(back_to_back::b_at_a)->transit);
}

TEST(peers, add_peer_refuses_bad_and_duplicate_config)
{
    back_to_back t;
    peer_config c;
    c.id = 4;
    c.public_key = t.b.id.pub; // already peer 3
    EXPECT_EQ(t.a.pm.add_peer(c), -EEXIST);
    c.public_key = crypto::x25519_public(crypto::x25519_generate());
    c.id = back_to_back::b_at_a;
    EXPECT_EQ(t.a.pm.add_peer(c), -EEXIST);
    c.id = abi::no_peer;
    EXPECT_EQ(t.a.pm.add_peer(c), -EINVAL);
    c.id = 4;
    c.allowed_ips = {pfx4(10, 0, 0, 0, 33)};
    EXPECT_EQ(t.a.pm.add_peer(c), -EINVAL);
    c.allowed_ips.clear();
    c.public_key = t.a.id.pub; // ourselves
    EXPECT_EQ(t.a.pm.add_peer(c), -EINVAL);
    c.public_key = {};
    EXPECT_EQ(t.a.pm.add_peer(c), -EINVAL);
    EXPECT_EQ(t.a.pm.peer_count(), 1u);

    EXPECT_EQ(t.a.pm.remove_peer(99), -ENOENT);
    EXPECT_EQ(t.a.pm.initiate(99), -ENOENT);
    EXPECT_EQ(t.b.pm.initiate(back_to_back::a_at_b), -EDESTADDRREQ);
}

TEST(peers, handshake_installs_matching_keypairs)
{
    back_to_back t;
    t.handshake();

    auto ia = t.a.out.of(command_type::install_keypair);
    auto ib = t.b.out.of(command_type::install_keypair);
    ASSERT_EQ(ia.size(), 1u);
    ASSERT_EQ(ib.size(), 1u);
    const auto& ka = ia[0].body.install_keypair;
    const auto& kb = ib[0].body.install_keypair;
    EXPECT_EQ(ka.peer, back_to_back::b_at_a);
    EXPECT_EQ(ka.slot, abi::key_slot::current);
    EXPECT_EQ(ka.initiator, 1);
    EXPECT_EQ(kb.peer, back_to_back::a_at_b);
    EXPECT_EQ(kb.slot, abi::key_slot::next);
    EXPECT_EQ(kb.initiator, 0);
    EXPECT_EQ(std::memcmp(ka.send_key, kb.recv_key, 32), 0);
    EXPECT_EQ(std::memcmp(ka.recv_key, kb.send_key, 32), 0);
    EXPECT_NE(std::memcmp(ka.send_key, ka.recv_key, 32), 0);
    EXPECT_EQ(ka.local_index, kb.remote_index);
    EXPECT_EQ(ka.remote_index, kb.local_index);
    EXPECT_EQ(ka.age_ms, 0u);

    // B learnt A's endpoint from the authenticated initiation.
    auto eb = t.b.out.of(command_type::set_endpoint);
    ASSERT_EQ(eb.size(), 1u);
    EXPECT_EQ(eb[0].body.set_endpoint.peer, back_to_back::a_at_b);
    EXPECT_EQ(eb[0].body.set_endpoint.remote, t.a.addr);

    // The initiator confirms the session at once with a keepalive.
    auto kk = t.a.out.of(command_type::send_keepalive);
    ASSERT_EQ(kk.size(), 1u);
    EXPECT_EQ(kk[0].body.peer.peer, back_to_back::b_at_a);
    EXPECT_GT(kk[0].seq, ia[0].seq);

    auto sa = t.a.pm.snapshot(back_to_back::b_at_a);
    auto sb = t.b.pm.snapshot(back_to_back::a_at_b);
    ASSERT_TRUE(sa && sb);
    EXPECT_EQ(sa->keypair_index[0], ka.local_index);
    EXPECT_FALSE(sa->keypair_index[2]);
    EXPECT_EQ(sb->keypair_index[2], kb.local_index);
    EXPECT_FALSE(sb->keypair_index[0]);
    EXPECT_EQ(sa->latest_handshake, t.clk.wall());
    EXPECT_EQ(sb->endpoint.remote, t.a.addr);
    EXPECT_EQ(sa->handshake_state, handshake::state::zeroed);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 1u);
    EXPECT_EQ(t.b.pm.counters().responses_sent, 1u);
    EXPECT_EQ(t.a.pm.counters().responses_accepted, 1u);

    // The dataplane reports B's next as confirmed (readback of slot current): mirror it.
    abi::event ev;
    ev.type = abi::event_type::rb_keypair;
    ev.body.rb_keypair.peer = back_to_back::a_at_b;
    ev.body.rb_keypair.slot = abi::key_slot::current;
    ev.body.rb_keypair.local_index = kb.local_index;
    t.b.pm.on_event(ev);
    sb = t.b.pm.snapshot(back_to_back::a_at_b);
    EXPECT_EQ(sb->keypair_index[0], kb.local_index);
    EXPECT_FALSE(sb->keypair_index[2]);
}

TEST(peers, initiations_are_spaced_by_rekey_timeout)
{
    back_to_back t;
    t.drop_a_to_b = true;
    EXPECT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.clk.advance(4900ms);
    EXPECT_EQ(t.a.pm.initiate(back_to_back::b_at_a), -EALREADY);
    t.clk.advance(100ms);
    EXPECT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
}

TEST(peers, cookie_reply_under_load_then_retry_succeeds)
{
    back_to_back t;
    t.b_under_load = true;
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.pump();
    EXPECT_EQ(t.b.pm.counters().cookie_replies_sent, 1u);
    EXPECT_EQ(t.a.pm.counters().cookie_replies_accepted, 1u);
    EXPECT_EQ(t.b.out.count(command_type::install_keypair), 0u);
    EXPECT_EQ(t.b.out.count(command_type::set_endpoint), 0u); // a cookie proves nothing

    // The retransmission (REKEY_TIMEOUT + jitter later) carries mac2 and gets through.
    t.run_for(5400ms);
    EXPECT_EQ(t.a.pm.counters().initiations_sent, 2u);
    EXPECT_EQ(t.b.pm.counters().cookie_replies_sent, 1u);
    EXPECT_EQ(t.b.out.count(command_type::install_keypair), 1u);
    EXPECT_EQ(t.a.out.count(command_type::install_keypair), 1u);
}

TEST(peers, replayed_initiation_installs_nothing)
{
    back_to_back t;
    t.handshake();
    ASSERT_EQ(t.delivered_to_b.size(), 1u);
    const size_t installs = t.b.out.count(command_type::install_keypair);
    const size_t commands = t.b.out.commands.size();

    t.clk.advance(1s); // beyond the flood limit: only the timestamp can refuse it
    t.b.pm.on_punted(t.delivered_to_b[0], false);
    EXPECT_EQ(t.b.out.count(command_type::install_keypair), installs);
    EXPECT_EQ(t.b.out.commands.size(), commands);
    EXPECT_TRUE(t.b.out.outbox.empty());
    EXPECT_EQ(t.b.pm.counters().dropped_rejected, 1u);
}

TEST(peers, unknown_static_key_gets_no_response)
{
    back_to_back t;
    node c{t.clk, 9, ep4(203, 0, 113, 9, 51820)};
    peer_config to_b;
    to_b.id = 1;
    to_b.public_key = t.b.id.pub;
    to_b.endpoint.remote = t.b.addr;
    ASSERT_EQ(c.pm.add_peer(to_b), 0);
    ASSERT_EQ(c.pm.initiate(1), 0);
    ASSERT_EQ(c.out.outbox.size(), 1u);
    const size_t commands = t.b.out.commands.size();
    t.b.pm.on_punted(back_to_back::punt(c.out.outbox.front(), c.addr), false);
    EXPECT_TRUE(t.b.out.outbox.empty());
    EXPECT_EQ(t.b.out.commands.size(), commands);
    EXPECT_EQ(t.b.pm.counters().dropped_unknown_peer, 1u);
}

TEST(peers, endpoint_moves_only_on_authenticated_messages)
{
    back_to_back t;
    t.handshake();
    const auto roamed = ep4(192, 0, 2, 77, 40000);
    const size_t endpoints = t.b.out.count(command_type::set_endpoint);

    // A forged initiation (one bit flipped) from a new address: mac1 fails, nothing moves.
    abi::punted_packet forged = t.delivered_to_b[0];
    forged.remote = roamed;
    forged.bytes[60] ^= 1;
    t.b.pm.on_punted(forged, false);
    // A well-formed initiation with a valid mac1 (B's public key is public) from a static key
    // B does not know.
    node mallory{t.clk, 5, roamed};
    peer_config to_b;
    to_b.id = 1;
    to_b.public_key = t.b.id.pub;
    to_b.endpoint.remote = t.b.addr;
    ASSERT_EQ(mallory.pm.add_peer(to_b), 0);
    ASSERT_EQ(mallory.pm.initiate(1), 0);
    t.b.pm.on_punted(back_to_back::punt(mallory.out.outbox.front(), roamed), false);
    // A cookie reply from the new address for A's index: not authenticated by A's key.
    abi::punted_packet cookie;
    cookie.len = 64;
    cookie.remote = roamed;
    cookie.bytes[0] = 3;
    t.b.pm.on_punted(cookie, false);

    EXPECT_EQ(t.b.out.count(command_type::set_endpoint), endpoints);
    EXPECT_EQ(t.b.pm.snapshot(back_to_back::a_at_b)->endpoint.remote, t.a.addr);

    // A real initiation from A's new address moves the endpoint, and the answer goes there.
    t.a_source = roamed;
    t.clk.advance(rekey_timeout);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    ASSERT_EQ(t.a.out.outbox.size(), 1u);
    t.b.pm.on_punted(back_to_back::punt(t.a.out.outbox.front(), roamed), false);
    t.a.out.outbox.clear();
    ASSERT_EQ(t.b.out.outbox.size(), 1u);
    EXPECT_EQ(t.b.out.outbox.front().remote, roamed);
    auto eb = t.b.out.of(command_type::set_endpoint);
    ASSERT_EQ(eb.size(), endpoints + 1);
    EXPECT_EQ(eb.back().body.set_endpoint.remote, roamed);
    EXPECT_EQ(t.b.pm.snapshot(back_to_back::a_at_b)->endpoint.remote, roamed);

    // The dataplane roamed the peer itself: remembered, and no command echoes it back.
    abi::event ev;
    ev.type = abi::event_type::endpoint_roamed;
    ev.body.endpoint_roamed.peer = back_to_back::a_at_b;
    ev.body.endpoint_roamed.remote = t.a.addr;
    t.b.pm.on_event(ev);
    EXPECT_EQ(t.b.pm.snapshot(back_to_back::a_at_b)->endpoint.remote, t.a.addr);
    EXPECT_EQ(t.b.out.count(command_type::set_endpoint), endpoints + 1);
}

// The install_keypair command (of those recorded by n) whose keys send with `send_key`.
const abi::cmd_install_keypair* install_receiving(const node& n, const uint8_t* send_key)
{
    for (const auto& c : n.out.commands) {
        if (c.type == command_type::install_keypair &&
            std::memcmp(c.body.install_keypair.recv_key, send_key, 32) == 0) {
            return &c.body.install_keypair;
        }
    }
    return nullptr;
}

bool holds_index(const peer_snapshot& s, uint32_t index)
{
    return std::any_of(s.keypair_index.begin(), s.keypair_index.end(),
                       [&](const auto& i) { return i == index; });
}

TEST(peers, crossing_initiations_each_complete_with_the_other_response)
{
    // Both ends call at once (the mesh test's start-up: the relay retries while the endpoint
    // comes up and calls too). Each end accepts the other's initiation before it sees the
    // response to its own; each must still accept that response, or both hold only a
    // responder keypair the other end never confirms.
    back_to_back t;
    t.handshake(); // B learns A's endpoint
    t.clk.advance(6s);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    ASSERT_EQ(t.b.pm.initiate(back_to_back::a_at_b), 0);
    ASSERT_EQ(t.a.out.outbox.size(), 1u);
    ASSERT_EQ(t.b.out.outbox.size(), 1u);
    const abi::injected_packet from_a = t.a.out.outbox.front();
    const abi::injected_packet from_b = t.b.out.outbox.front();
    t.a.out.outbox.clear();
    t.b.out.outbox.clear();
    t.a.pm.on_punted(back_to_back::punt(from_b, t.b.addr), false);
    t.b.pm.on_punted(back_to_back::punt(from_a, t.a.addr), false);
    t.pump(); // the two responses, each to an initiation its receiver no longer holds as hs

    for (const node* n : {&t.a, &t.b}) {
        EXPECT_EQ(n->pm.counters().initiations_crossed, 1u);
        EXPECT_EQ(n->pm.counters().crossed_completed, 1u);
        EXPECT_EQ(n->pm.counters().dropped_malformed, 0u);
        EXPECT_EQ(n->pm.counters().dropped_rejected, 0u);
    }
    // Each end sends with its new initiator keypair, and the other end holds its match.
    auto sa = t.a.pm.snapshot(back_to_back::b_at_a);
    auto sb = t.b.pm.snapshot(back_to_back::a_at_b);
    ASSERT_TRUE(sa && sb && sa->keypair_index[0] && sb->keypair_index[0]);
    for (auto [from, to, snap_to] : {std::tuple{&t.a, &t.b, &*sb}, std::tuple{&t.b, &t.a, &*sa}}) {
        const auto installs = from->out.of(command_type::install_keypair);
        ASSERT_FALSE(installs.empty());
        const auto& cur = installs.back().body.install_keypair;
        EXPECT_EQ(cur.slot, abi::key_slot::current);
        EXPECT_EQ(cur.initiator, 1);
        const abi::cmd_install_keypair* match = install_receiving(*to, cur.send_key);
        ASSERT_NE(match, nullptr);
        EXPECT_EQ(match->local_index, cur.remote_index);
        EXPECT_TRUE(holds_index(*snap_to, match->local_index));
    }
}

TEST(peers, response_to_a_crossed_initiation_is_refused_after_a_new_one)
{
    back_to_back t;
    t.handshake();
    t.clk.advance(6s);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    ASSERT_EQ(t.b.pm.initiate(back_to_back::a_at_b), 0);
    const abi::injected_packet from_b = t.b.out.outbox.front();
    const abi::injected_packet from_a = t.a.out.outbox.front();
    t.a.out.outbox.clear();
    t.b.out.outbox.clear();
    t.a.pm.on_punted(back_to_back::punt(from_b, t.b.addr), false); // A keeps its own aside
    t.a.out.outbox.clear();                                        // A's response is lost
    t.b.pm.on_punted(back_to_back::punt(from_a, t.a.addr), false); // B answers A's
    const abi::injected_packet late = t.b.out.outbox.front();
    t.b.out.outbox.clear();
    t.clk.advance(6s);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0); // a new initiation supersedes it
    t.a.out.outbox.clear();
    t.a.pm.on_punted(back_to_back::punt(late, t.b.addr), false);
    EXPECT_EQ(t.a.pm.counters().crossed_completed, 0u);
    EXPECT_EQ(t.a.pm.counters().dropped_malformed, 1u);
}

TEST(peers, receiver_indices_are_unique)
{
    // A generator stuck on one value: the second handshake must still get a fresh index.
    struct stuck_random final : random_source {
        uint32_t n = 0;
        uint32_t next_u32() noexcept override { return n++ < 6 ? 7 : 1000 + n; }
    } rng;
    virtual_clock clk;
    static_identity id{crypto::x25519_generate()};
    recorder out;
    peer_manager pm(id, clk, out, &rng);
    for (abi::peer_id p = 1; p <= 2; ++p) {
        peer_config c;
        c.id = p;
        c.public_key = crypto::x25519_public(crypto::x25519_generate());
        c.endpoint.remote = ep4(10, 9, 9, uint8_t(p), 51820);
        ASSERT_EQ(pm.add_peer(c), 0);
        ASSERT_EQ(pm.initiate(p), 0);
    }
    ASSERT_EQ(out.outbox.size(), 2u);
    std::span<const uint8_t> m1(out.outbox[0].bytes, out.outbox[0].len);
    std::span<const uint8_t> m2(out.outbox[1].bytes, out.outbox[1].len);
    EXPECT_EQ(load_le32(m1, initiation_layout::sender), 7u);
    EXPECT_NE(load_le32(m2, initiation_layout::sender), 7u);
    EXPECT_NE(load_le32(m2, initiation_layout::sender), 0u);
}

TEST(peers, remove_peer_withdraws_configuration)
{
    back_to_back t;
    t.handshake();
    ASSERT_EQ(t.b.pm.remove_peer(back_to_back::a_at_b), 0);
    EXPECT_EQ(t.b.out.count(command_type::remove_allowed_ip), 2u);
    EXPECT_EQ(t.b.out.commands.back().type, command_type::remove_peer);
    EXPECT_FALSE(t.b.pm.snapshot(back_to_back::a_at_b));
    // A's next initiation is now from an unknown key at B.
    t.clk.advance(rekey_timeout);
    ASSERT_EQ(t.a.pm.initiate(back_to_back::b_at_a), 0);
    t.pump();
    EXPECT_EQ(t.b.pm.counters().dropped_unknown_peer, 1u);
}

TEST(peers, snapshots_list_peers_in_id_order)
{
    back_to_back t;
    peer_config c;
    c.id = 1;
    c.public_key = crypto::x25519_public(crypto::x25519_generate());
    c.persistent_keepalive_s = 25;
    ASSERT_EQ(t.a.pm.add_peer(c), 0);
    t.a.pm.set_transfer(back_to_back::b_at_a, 100, 200);
    auto all = t.a.pm.snapshots();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, 1u);
    EXPECT_EQ(all[0].persistent_keepalive_s, 25);
    EXPECT_FALSE(all[0].latest_handshake);
    EXPECT_EQ(all[1].id, back_to_back::b_at_a);
    EXPECT_EQ(all[1].rx_bytes, 100u);
    EXPECT_EQ(all[1].tx_bytes, 200u);
    EXPECT_EQ(all[1].allowed_ips.size(), 1u);
}

} // namespace
} // namespace edgerelay::cp::test
