// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Noise IKpsk2 handshake between two in-process peers: keys, replay, flood, psk, states.
#include <chrono>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/aead.hh"
#include "common/crypto/x25519.hh"
#include "controlplane/handshake/keypairs.hh"
#include "controlplane/handshake/noise.hh"

namespace edgerelay::cp {
namespace {

using namespace std::chrono_literals;

// A wall clock far from the epoch, so whitening and TAI64N see realistic values.
constexpr nanos wall0 = std::chrono::seconds(1'760'000'000);

crypto::secret32 make_psk(uint8_t fill)
{
    crypto::secret32 p;
    p.bytes.fill(fill);
    return p;
}

struct peer_pair {
    static_identity alice{crypto::x25519_generate()};
    static_identity bob{crypto::x25519_generate()};
    crypto::secret32 psk = make_psk(0x42);
    handshake a_to_b{alice, bob.pub, psk};
    handshake b_to_a{bob, alice.pub, psk};
};

// Runs message 1 from `ini` to `resp_id`/`resp` and message 2 back; returns both sides' keys.
struct completed {
    transport_keys ini;
    transport_keys resp;
};

std::optional<completed> run_handshake(handshake& ini, const static_identity& resp_id,
                                       handshake& resp, nanos wall, nanos now)
{
    auto m1 = ini.create_initiation(wall, 1111);
    if (!m1) {
        return std::nullopt;
    }
    hs_status st{};
    auto opened = open_initiation(resp_id, *m1, &st);
    if (!opened || st != hs_status::ok) {
        return std::nullopt;
    }
    if (resp.consume_initiation(*opened, now) != hs_status::ok) {
        return std::nullopt;
    }
    auto m2 = resp.create_response(2222);
    if (!m2 || ini.consume_response(*m2) != hs_status::ok) {
        return std::nullopt;
    }
    auto ki = ini.derive_keys(now);
    auto kr = resp.derive_keys(now);
    if (!ki || !kr) {
        return std::nullopt;
    }
    return completed{*ki, *kr};
}

// Seals a transport payload with counter 0 and empty AAD, as the first type 4 message would.
std::vector<uint8_t> seal0(const crypto::secret32& key, std::string_view text)
{
    std::vector<uint8_t> out(text.size() + 16);
    crypto::chacha20poly1305_seal(out.data(), text_bytes(text), {}, 0, key.data());
    return out;
}

bool opens0(const crypto::secret32& key, const std::vector<uint8_t>& sealed, std::string_view text)
{
    std::vector<uint8_t> plain(sealed.size() - 16);
    if (!crypto::chacha20poly1305_open(plain.data(), sealed, {}, 0, key.data())) {
        return false;
    }
    return std::memcmp(plain.data(), text.data(), text.size()) == 0;
}

void expect_matching(const completed& c)
{
    EXPECT_EQ(c.ini.send_key.bytes, c.resp.recv_key.bytes);
    EXPECT_EQ(c.ini.recv_key.bytes, c.resp.send_key.bytes);
    EXPECT_NE(c.ini.send_key.bytes, c.ini.recv_key.bytes);
    EXPECT_TRUE(c.ini.initiator);
    EXPECT_FALSE(c.resp.initiator);
    EXPECT_EQ(c.ini.local_index, 1111u);
    EXPECT_EQ(c.ini.remote_index, 2222u);
    EXPECT_EQ(c.resp.local_index, 2222u);
    EXPECT_EQ(c.resp.remote_index, 1111u);
    EXPECT_TRUE(opens0(c.resp.recv_key, seal0(c.ini.send_key, "ping from initiator"),
                       "ping from initiator"));
    EXPECT_TRUE(opens0(c.ini.recv_key, seal0(c.resp.send_key, "pong from responder"),
                       "pong from responder"));
    EXPECT_FALSE(opens0(c.ini.send_key, seal0(c.resp.send_key, "x"), "x"));
}

TEST(noise, handshake_completes_alice_to_bob)
{
    peer_pair p;
    auto c = run_handshake(p.a_to_b, p.bob, p.b_to_a, wall0, 1s);
    ASSERT_TRUE(c);
    expect_matching(*c);
    EXPECT_EQ(p.a_to_b.current_state(), handshake::state::zeroed);
    EXPECT_EQ(p.b_to_a.current_state(), handshake::state::zeroed);
}

TEST(noise, handshake_completes_bob_to_alice)
{
    peer_pair p;
    auto c = run_handshake(p.b_to_a, p.alice, p.a_to_b, wall0, 1s);
    ASSERT_TRUE(c);
    expect_matching(*c);
}

TEST(noise, zero_psk_works_and_each_handshake_has_fresh_keys)
{
    static_identity a{crypto::x25519_generate()};
    static_identity b{crypto::x25519_generate()};
    handshake ab{a, b.pub, crypto::secret32{}};
    handshake ba{b, a.pub, crypto::secret32{}};
    auto c1 = run_handshake(ab, b, ba, wall0, 1s);
    auto c2 = run_handshake(ab, b, ba, wall0 + 1s, 2s);
    ASSERT_TRUE(c1 && c2);
    expect_matching(*c1);
    expect_matching(*c2);
    EXPECT_NE(c1->ini.send_key.bytes, c2->ini.send_key.bytes);
}

TEST(noise, message_layout)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0, 0x01020304);
    ASSERT_TRUE(m1);
    EXPECT_EQ((*m1)[0], 1);
    EXPECT_EQ((*m1)[1] | (*m1)[2] | (*m1)[3], 0);
    EXPECT_EQ((*m1)[4], 0x04);  // sender index, little-endian
    EXPECT_EQ((*m1)[7], 0x01);
    auto opened = open_initiation(p.bob, *m1);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->remote_static, p.alice.pub);
    EXPECT_EQ(opened->sender_index, 0x01020304u);
    ASSERT_EQ(p.b_to_a.consume_initiation(*opened, 1s), hs_status::ok);
    auto m2 = p.b_to_a.create_response(0xa0b0c0d0);
    ASSERT_TRUE(m2);
    EXPECT_EQ((*m2)[0], 2);
    EXPECT_EQ(load_le32(*m2, response_layout::sender), 0xa0b0c0d0u);
    EXPECT_EQ(load_le32(*m2, response_layout::receiver), 0x01020304u);
}

TEST(noise, replayed_initiation_is_rejected)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0, 1);
    ASSERT_TRUE(m1);
    auto o1 = open_initiation(p.bob, *m1);
    ASSERT_TRUE(o1);
    ASSERT_EQ(p.b_to_a.consume_initiation(*o1, 10s), hs_status::ok);
    // The same bytes, much later (not a flood): the timestamp is not newer.
    auto o2 = open_initiation(p.bob, *m1);
    ASSERT_TRUE(o2);
    EXPECT_EQ(p.b_to_a.consume_initiation(*o2, 20s), hs_status::replay);
    // The handshake in progress is untouched: the response still completes.
    EXPECT_EQ(p.b_to_a.current_state(), handshake::state::consumed_initiation);
    auto m2 = p.b_to_a.create_response(2);
    ASSERT_TRUE(m2);
    EXPECT_EQ(p.a_to_b.consume_response(*m2), hs_status::ok);
}

TEST(noise, older_timestamp_is_rejected)
{
    peer_pair p;
    auto newer = p.a_to_b.create_initiation(wall0 + 5s, 1);
    ASSERT_TRUE(newer);
    auto on = open_initiation(p.bob, *newer);
    ASSERT_EQ(p.b_to_a.consume_initiation(*on, 10s), hs_status::ok);
    auto older = p.a_to_b.create_initiation(wall0 + 4s, 2);
    ASSERT_TRUE(older);
    auto oo = open_initiation(p.bob, *older);
    ASSERT_TRUE(oo);
    EXPECT_EQ(p.b_to_a.consume_initiation(*oo, 20s), hs_status::replay);
    // Within the same whitening step (2^24 ns) the stamp is equal, so also refused.
    auto same = p.a_to_b.create_initiation(wall0 + 5s + 1ms, 3);
    auto os = open_initiation(p.bob, *same);
    EXPECT_EQ(p.b_to_a.consume_initiation(*os, 30s), hs_status::replay);
    auto later = p.a_to_b.create_initiation(wall0 + 6s, 4);
    auto ol = open_initiation(p.bob, *later);
    EXPECT_EQ(p.b_to_a.consume_initiation(*ol, 40s), hs_status::ok);
    EXPECT_EQ(p.b_to_a.latest_timestamp(), tai64n(wall0 + 6s));
}

TEST(noise, initiation_flood_is_rejected)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0, 1);
    ASSERT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *m1), 10s), hs_status::ok);
    auto m2 = p.a_to_b.create_initiation(wall0 + 1s, 2);
    EXPECT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *m2), 10s + 5ms),
              hs_status::flood);
    EXPECT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *m2), 10s + 20ms),
              hs_status::ok);
}

TEST(noise, wrong_preshared_key_fails)
{
    static_identity a{crypto::x25519_generate()};
    static_identity b{crypto::x25519_generate()};
    handshake ab{a, b.pub, make_psk(1)};
    handshake ba{b, a.pub, make_psk(2)};
    auto m1 = ab.create_initiation(wall0, 1);
    // Message 1 does not depend on the psk.
    auto o = open_initiation(b, *m1);
    ASSERT_TRUE(o);
    ASSERT_EQ(ba.consume_initiation(*o, 1s), hs_status::ok);
    auto m2 = ba.create_response(2);
    ASSERT_TRUE(m2);
    EXPECT_EQ(ab.consume_response(*m2), hs_status::decrypt_failed);
    EXPECT_EQ(ab.current_state(), handshake::state::created_initiation);
    EXPECT_FALSE(ab.derive_keys(1s));
}

TEST(noise, initiation_for_someone_else_fails)
{
    peer_pair p;
    static_identity carol{crypto::x25519_generate()};
    auto m1 = p.a_to_b.create_initiation(wall0, 1);
    hs_status st{};
    EXPECT_FALSE(open_initiation(carol, *m1, &st));
    EXPECT_EQ(st, hs_status::decrypt_failed);
    // Opened by bob but offered to the wrong peer's handshake.
    handshake b_to_carol{p.bob, carol.pub, p.psk};
    EXPECT_EQ(b_to_carol.consume_initiation(*open_initiation(p.bob, *m1), 1s),
              hs_status::wrong_peer);
}

TEST(noise, tampered_messages_fail)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0, 1);
    for (size_t off : {size_t(8), initiation_layout::encrypted_static + 3,
                       initiation_layout::encrypted_timestamp + 20}) {
        auto bad = *m1;
        bad[off] ^= 0x01;
        auto o = open_initiation(p.bob, bad);
        if (o) {  // only the timestamp half can still open
            EXPECT_EQ(p.b_to_a.consume_initiation(*o, 1s), hs_status::decrypt_failed);
        }
    }
    ASSERT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *m1), 1s), hs_status::ok);
    auto m2 = p.b_to_a.create_response(2);
    auto bad2 = *m2;
    bad2[response_layout::encrypted_nothing] ^= 0x80;
    EXPECT_EQ(p.a_to_b.consume_response(bad2), hs_status::decrypt_failed);
    auto short_msg = std::span<const uint8_t>(*m2).first(91);
    EXPECT_EQ(p.a_to_b.consume_response(short_msg), hs_status::malformed);
    hs_status st{};
    EXPECT_FALSE(open_initiation(p.bob, std::span<const uint8_t>(*m1).first(147), &st));
    EXPECT_EQ(st, hs_status::malformed);
    EXPECT_EQ(p.a_to_b.consume_response(*m2), hs_status::ok);
}

TEST(noise, response_state_and_index_checks)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0, 7);
    ASSERT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *m1), 1s), hs_status::ok);
    auto m2 = p.b_to_a.create_response(8);
    auto wrong = *m2;
    store_le32(wrong, response_layout::receiver, 9);
    EXPECT_EQ(p.a_to_b.consume_response(wrong), hs_status::wrong_index);
    ASSERT_EQ(p.a_to_b.consume_response(*m2), hs_status::ok);
    // A second copy of the same response finds no initiation waiting.
    EXPECT_EQ(p.a_to_b.consume_response(*m2), hs_status::wrong_state);
    // create_response without a consumed initiation.
    handshake fresh{p.bob, p.alice.pub, p.psk};
    EXPECT_FALSE(fresh.create_response(1));
    EXPECT_FALSE(fresh.derive_keys(1s));
}

TEST(noise, new_initiation_abandons_the_old_one)
{
    peer_pair p;
    auto first = p.a_to_b.create_initiation(wall0, 1);
    auto second = p.a_to_b.create_initiation(wall0 + 1s, 2);
    ASSERT_EQ(p.b_to_a.consume_initiation(*open_initiation(p.bob, *first), 1s), hs_status::ok);
    auto m2 = p.b_to_a.create_response(3);
    // The response to the first initiation is addressed to index 1, no longer ours.
    EXPECT_EQ(p.a_to_b.consume_response(*m2), hs_status::wrong_index);
    (void)second;
}

TEST(noise, low_order_peer_key_is_refused)
{
    static_identity a{crypto::x25519_generate()};
    crypto::key32 zero{};  // the all-zero point has order 1
    handshake h{a, zero, crypto::secret32{}};
    EXPECT_FALSE(h.create_initiation(wall0, 1));
}

TEST(noise, inspect_initiation_reveals_static_and_timestamp)
{
    peer_pair p;
    auto m1 = p.a_to_b.create_initiation(wall0 + 123ms, 0xdeadbeef);
    auto r = inspect_initiation(p.bob.priv, *m1, &p.alice.pub);
    ASSERT_EQ(r.status, hs_status::ok);
    EXPECT_EQ(r.contents.initiator_static, p.alice.pub);
    EXPECT_EQ(r.contents.sender_index, 0xdeadbeefu);
    EXPECT_EQ(r.contents.timestamp, tai64n(tai64n_whiten(wall0 + 123ms)));
    EXPECT_EQ(r.contents.initiator_ephemeral.size(), 32u);
    EXPECT_EQ(inspect_initiation(p.bob.priv, *m1, &p.bob.pub).status, hs_status::wrong_peer);
    EXPECT_EQ(inspect_initiation(p.alice.priv, *m1).status, hs_status::decrypt_failed);
}

TEST(tai64n, encoding)
{
    // Epoch: label 2^62 + 10, zero nanoseconds.
    const tai64n_stamp epoch = {0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0};
    EXPECT_EQ(tai64n(nanos(0)), epoch);
    // 1.5 s: seconds 0x0b, nanoseconds 500000000 = 0x1dcd6500, big-endian.
    const tai64n_stamp t = {0x40, 0, 0, 0, 0, 0, 0, 0x0b, 0x1d, 0xcd, 0x65, 0x00};
    EXPECT_EQ(tai64n(1500ms), t);
    // 2^32 s carries into byte 3.
    const tai64n_stamp big = {0x40, 0, 0, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0};
    EXPECT_EQ(tai64n(std::chrono::seconds(int64_t(1) << 32)), big);
    // Whitening rounds the sub-second part down to a multiple of 2^24 ns.
    EXPECT_EQ(tai64n_whiten(1500ms + 123ns).count() % 1'000'000'000 % (1 << 24), 0);
    EXPECT_EQ(tai64n_whiten(1500ms + 123ns) / 1s, 1);
    EXPECT_LE(1500ms - tai64n_whiten(1500ms), nanos(1 << 24));
}

TEST(keypairs, initiator_goes_to_current_responder_waits_for_confirmation)
{
    peer_pair p;
    keypair_slots alice;
    keypair_slots bob;
    auto c = run_handshake(p.a_to_b, p.bob, p.b_to_a, wall0, 1s);
    ASSERT_TRUE(c);
    EXPECT_EQ(alice.install(transport_keys(c->ini)).count, 0u);
    EXPECT_EQ(bob.install(transport_keys(c->resp)).count, 0u);
    ASSERT_TRUE(alice.current());
    EXPECT_EQ(alice.current()->local_index, 1111u);
    EXPECT_FALSE(bob.current());
    ASSERT_TRUE(bob.next());
    // A packet under some other index does not confirm.
    EXPECT_FALSE(bob.received_with(1111));
    EXPECT_TRUE(bob.received_with(2222));
    ASSERT_TRUE(bob.current());
    EXPECT_EQ(bob.current()->send_key.bytes, alice.current()->recv_key.bytes);
    EXPECT_FALSE(bob.next());
    EXPECT_FALSE(bob.received_with(2222));  // already current
}

transport_keys fake_keys(uint32_t idx, bool initiator)
{
    transport_keys k;
    k.local_index = idx;
    k.initiator = initiator;
    return k;
}

TEST(keypairs, slot_rules_match_wireguard)
{
    keypair_slots s;
    // Initiator rekeys shift current to previous and drop the old previous.
    s.install(fake_keys(1, true));
    s.install(fake_keys(2, true));
    auto r = s.install(fake_keys(3, true));
    EXPECT_EQ(s.current()->local_index, 3u);
    EXPECT_EQ(s.previous()->local_index, 2u);
    ASSERT_EQ(r.count, 1u);
    EXPECT_EQ(r.local_index[0], 1u);
    // Responder: next gets the new one, previous is dropped, current stays.
    r = s.install(fake_keys(4, false));
    EXPECT_EQ(s.current()->local_index, 3u);
    EXPECT_FALSE(s.previous());
    EXPECT_EQ(s.next()->local_index, 4u);
    ASSERT_EQ(r.count, 1u);
    EXPECT_EQ(r.local_index[0], 2u);
    // A second responder handshake replaces the unconfirmed next.
    r = s.install(fake_keys(5, false));
    EXPECT_EQ(s.next()->local_index, 5u);
    ASSERT_EQ(r.count, 1u);
    EXPECT_EQ(r.local_index[0], 4u);
    // An initiator handshake while next is pending: next becomes previous, current goes.
    r = s.install(fake_keys(6, true));
    EXPECT_EQ(s.current()->local_index, 6u);
    EXPECT_EQ(s.previous()->local_index, 5u);
    EXPECT_FALSE(s.next());
    EXPECT_EQ(r.count, 1u);
    EXPECT_EQ(r.local_index[0], 3u);
    // Confirmation of a next pushes out previous.
    s.install(fake_keys(7, false));  // drops previous 5
    retired_keypairs rr;
    EXPECT_TRUE(s.received_with(7, &rr));
    EXPECT_EQ(s.current()->local_index, 7u);
    EXPECT_EQ(s.previous()->local_index, 6u);
    EXPECT_EQ(rr.count, 0u);
    r = s.clear();
    EXPECT_EQ(r.count, 2u);
    EXPECT_FALSE(s.current() || s.previous() || s.next());
}

} // namespace
} // namespace edgerelay::cp
