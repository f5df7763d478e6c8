// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// mac1/mac2, cookie replies, secret rotation and the per-source rate limiter.
#include <chrono>
#include <cstring>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "common/crypto/blake2s.hh"
#include "common/crypto/x25519.hh"
#include "controlplane/handshake/cookie.hh"
#include "controlplane/handshake/noise.hh"

namespace edgerelay::cp {
namespace {

using namespace std::chrono_literals;

constexpr nanos wall0 = std::chrono::seconds(1'760'000'000);

wire::endpoint v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    return wire::endpoint::ipv4(a, b, c, d, port);
}

wire::endpoint v6(uint8_t net, uint8_t host, uint16_t port)
{
    wire::endpoint e;
    e.family = 6;
    e.port = port;
    e.addr[0] = 0x20;
    e.addr[1] = 0x01;
    e.addr[7] = net;
    e.addr[15] = host;
    return e;
}

struct fixture {
    static_identity alice{crypto::x25519_generate()};
    static_identity bob{crypto::x25519_generate()};
    handshake a_to_b{alice, bob.pub, crypto::secret32{}};
    cookie_state alice_cookie_for_bob{bob.pub};
    wire::endpoint alice_addr = v4(192, 0, 2, 1, 51820);

    initiation_msg initiation(nanos wall, nanos now)
    {
        auto m = a_to_b.create_initiation(wall, 1);
        alice_cookie_for_bob.add_macs(*m, now);
        return *m;
    }
};

TEST(cookie, mac1_is_keyed_by_the_receivers_public_key)
{
    fixture f;
    auto m = f.initiation(wall0, 1s);
    // mac1 = MAC(HASH("mac1----" || bob.pub), msg[0:116]), computed here independently.
    const crypto::key32 k = crypto::blake2s({text_bytes("mac1----"), f.bob.pub});
    uint8_t expect[16];
    crypto::blake2s_mac16(expect, k, std::span<const uint8_t>(m).first(116));
    EXPECT_EQ(std::memcmp(expect, m.data() + initiation_layout::mac1, 16), 0);
    for (size_t i = initiation_layout::mac2; i < m.size(); ++i) {
        EXPECT_EQ(m[i], 0) << "mac2 must be zero without a cookie";
    }
    EXPECT_EQ(f.bob.checker.check_macs(m, f.alice_addr, 1s, false), mac_verdict::ok);
}

TEST(cookie, bad_mac1_is_rejected)
{
    fixture f;
    auto m = f.initiation(wall0, 1s);
    auto bad = m;
    bad[initiation_layout::mac1 + 5] ^= 1;
    EXPECT_EQ(f.bob.checker.check_macs(bad, f.alice_addr, 1s, false), mac_verdict::bad_mac1);
    bad = m;
    bad[20] ^= 1;  // the covered body changed
    EXPECT_EQ(f.bob.checker.check_macs(bad, f.alice_addr, 1s, false), mac_verdict::bad_mac1);
    // Under load too: mac1 is checked first.
    EXPECT_EQ(f.bob.checker.check_macs(bad, f.alice_addr, 1s, true), mac_verdict::bad_mac1);
    // Not meant for alice's key.
    EXPECT_EQ(f.alice.checker.check_macs(m, f.alice_addr, 1s, false), mac_verdict::bad_mac1);
    EXPECT_EQ(f.bob.checker.check_macs(std::span<const uint8_t>(m).first(20), f.alice_addr, 1s,
                                       false),
              mac_verdict::bad_mac1);
}

TEST(cookie, under_load_mac2_is_required_and_a_cookie_reply_makes_the_retry_succeed)
{
    fixture f;
    auto m = f.initiation(wall0, 10s);
    EXPECT_EQ(f.bob.checker.check_macs(m, f.alice_addr, 10s, true), mac_verdict::need_cookie);
    auto reply = f.bob.checker.create_reply(m, f.alice_addr, 10s);
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[0], 3);
    EXPECT_EQ(load_le32(*reply, cookie_reply_layout::receiver), 1u);  // alice's sender index

    // A tampered reply does not authenticate.
    auto bad = *reply;
    bad[40] ^= 1;
    EXPECT_FALSE(f.alice_cookie_for_bob.consume_reply(bad, 10s));
    EXPECT_FALSE(f.alice_cookie_for_bob.has_fresh_cookie(10s));
    ASSERT_TRUE(f.alice_cookie_for_bob.consume_reply(*reply, 10s));
    EXPECT_TRUE(f.alice_cookie_for_bob.has_fresh_cookie(10s));
    // One reply per mac1 sent.
    EXPECT_FALSE(f.alice_cookie_for_bob.consume_reply(*reply, 10s));

    auto retry = f.initiation(wall0 + 1s, 11s);
    bool mac2_set = false;
    for (size_t i = initiation_layout::mac2; i < retry.size(); ++i) {
        mac2_set |= retry[i] != 0;
    }
    EXPECT_TRUE(mac2_set);
    EXPECT_EQ(f.bob.checker.check_macs(retry, f.alice_addr, 11s, true), mac_verdict::ok);
    // The cookie is bound to the source address and port.
    auto other_port = f.alice_addr;
    other_port.port = 51821;
    EXPECT_EQ(f.bob.checker.check_macs(retry, other_port, 11s, true), mac_verdict::need_cookie);
    EXPECT_EQ(f.bob.checker.check_macs(retry, v4(192, 0, 2, 2, 51820), 11s, true),
              mac_verdict::need_cookie);

    // And the retried initiation goes on to complete the handshake.
    handshake b_to_a{f.bob, f.alice.pub, crypto::secret32{}};
    auto o = open_initiation(f.bob, retry);
    ASSERT_TRUE(o);
    EXPECT_EQ(b_to_a.consume_initiation(*o, 11s), hs_status::ok);
}

TEST(cookie, reply_is_bound_to_the_mac1_it_answers)
{
    fixture f;
    auto m1 = f.initiation(wall0, 1s);
    auto reply = f.bob.checker.create_reply(m1, f.alice_addr, 1s);
    // Alice has since sent another message: the reply's AAD no longer matches.
    f.initiation(wall0 + 1s, 2s);
    EXPECT_FALSE(f.alice_cookie_for_bob.consume_reply(*reply, 2s));
    // A reply keyed for someone else (carol's checker) fails as well.
    static_identity carol{crypto::x25519_generate()};
    auto m3 = f.initiation(wall0 + 2s, 3s);
    auto wrong = carol.checker.create_reply(m3, f.alice_addr, 3s);
    EXPECT_FALSE(f.alice_cookie_for_bob.consume_reply(*wrong, 3s));
    EXPECT_FALSE(f.bob.checker.create_reply(std::span<const uint8_t>(m3).first(100),
                                            f.alice_addr, 3s));
}

TEST(cookie, secret_rotation_invalidates_old_cookies)
{
    fixture f;
    const nanos t0 = 100s;
    auto m = f.initiation(wall0, t0);
    auto reply = f.bob.checker.create_reply(m, f.alice_addr, t0);  // secret born at t0
    ASSERT_TRUE(f.alice_cookie_for_bob.consume_reply(*reply, t0));

    auto late = f.initiation(wall0 + 1s, t0 + 110s);  // cookie still fresh for alice
    EXPECT_EQ(f.bob.checker.check_macs(late, f.alice_addr, t0 + 110s, true), mac_verdict::ok);
    // Past 120 s bob's secret rotates, so the same mac2 no longer verifies.
    EXPECT_EQ(f.bob.checker.check_macs(late, f.alice_addr, t0 + 121s, true),
              mac_verdict::need_cookie);
    // Alice stops using the cookie at 115 s.
    EXPECT_TRUE(f.alice_cookie_for_bob.has_fresh_cookie(t0 + 114s));
    EXPECT_FALSE(f.alice_cookie_for_bob.has_fresh_cookie(t0 + 115s));
    // A new reply under the new secret works again.
    auto again = f.initiation(wall0 + 2s, t0 + 130s);
    auto r2 = f.bob.checker.create_reply(again, f.alice_addr, t0 + 130s);
    ASSERT_TRUE(f.alice_cookie_for_bob.consume_reply(*r2, t0 + 130s));
    auto retry = f.initiation(wall0 + 3s, t0 + 131s);
    EXPECT_EQ(f.bob.checker.check_macs(retry, f.alice_addr, t0 + 131s, true), mac_verdict::ok);
}

TEST(cookie, response_messages_carry_macs_too)
{
    fixture f;
    handshake b_to_a{f.bob, f.alice.pub, crypto::secret32{}};
    cookie_state bob_cookie_for_alice{f.alice.pub};
    auto m1 = f.initiation(wall0, 1s);
    ASSERT_EQ(f.bob.checker.check_macs(m1, f.alice_addr, 1s, false), mac_verdict::ok);
    ASSERT_EQ(b_to_a.consume_initiation(*open_initiation(f.bob, m1), 1s), hs_status::ok);
    auto m2 = b_to_a.create_response(2);
    bob_cookie_for_alice.add_macs(*m2, 1s);
    const auto bob_addr = v6(1, 1, 51820);
    EXPECT_EQ(f.alice.checker.check_macs(*m2, bob_addr, 1s, false), mac_verdict::ok);
    EXPECT_EQ(f.alice.checker.check_macs(*m2, bob_addr, 1s, true), mac_verdict::need_cookie);
    auto reply = f.alice.checker.create_reply(*m2, bob_addr, 1s);
    EXPECT_EQ(load_le32(*reply, cookie_reply_layout::receiver), 2u);
    EXPECT_TRUE(bob_cookie_for_alice.consume_reply(*reply, 1s));
}

TEST(cookie, rate_limited_under_load_after_valid_mac2)
{
    fixture f;
    auto m = f.initiation(wall0, 1s);
    auto reply = f.bob.checker.create_reply(m, f.alice_addr, 1s);
    ASSERT_TRUE(f.alice_cookie_for_bob.consume_reply(*reply, 1s));
    auto retry = f.initiation(wall0 + 1s, 1s);
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < 10; ++i) {
        auto v = f.bob.checker.check_macs(retry, f.alice_addr, 1s, true);
        ok += v == mac_verdict::ok;
        limited += v == mac_verdict::rate_limited;
    }
    EXPECT_EQ(ok, int(ratelimiter::default_burst));
    EXPECT_EQ(limited, 10 - int(ratelimiter::default_burst));
    // Not under load, no limit applies.
    EXPECT_EQ(f.bob.checker.check_macs(retry, f.alice_addr, 1s, false), mac_verdict::ok);
}

TEST(ratelimiter, burst_then_rate)
{
    ratelimiter rl;  // 20/s, burst 5
    const auto a = v4(10, 0, 0, 1, 1000);
    const nanos t = 5s;
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(rl.allow(a, t)) << i;
    }
    EXPECT_FALSE(rl.allow(a, t));
    // Another source has its own bucket; the port does not matter.
    EXPECT_TRUE(rl.allow(v4(10, 0, 0, 2, 1000), t));
    auto a_other_port = a;
    a_other_port.port = 2000;
    EXPECT_FALSE(rl.allow(a_other_port, t));
    // One token every 50 ms.
    EXPECT_FALSE(rl.allow(a, t + 49ms));
    EXPECT_TRUE(rl.allow(a, t + 50ms));
    EXPECT_FALSE(rl.allow(a, t + 51ms));
    // A long idle refills only up to the burst.
    int n = 0;
    while (rl.allow(a, t + 60s)) {
        ++n;
    }
    EXPECT_EQ(n, 5);
}

TEST(ratelimiter, ipv6_is_keyed_by_slash_64)
{
    ratelimiter rl(20, 2);
    EXPECT_TRUE(rl.allow(v6(1, 1, 1), 1s));
    EXPECT_TRUE(rl.allow(v6(1, 2, 1), 1s));   // same /64, other host
    EXPECT_FALSE(rl.allow(v6(1, 3, 1), 1s));  // the /64's bucket is empty
    EXPECT_TRUE(rl.allow(v6(2, 1, 1), 1s));   // another /64
}

TEST(ratelimiter, memory_is_bounded)
{
    ratelimiter rl(20, 5, 64);
    for (int i = 0; i < 64; ++i) {
        EXPECT_TRUE(rl.allow(v4(10, 1, 0, uint8_t(i), 1), 1s));
    }
    EXPECT_EQ(rl.size(), 64u);
    EXPECT_FALSE(rl.allow(v4(10, 2, 0, 0, 1), 1s));  // table full: new sources refused
    EXPECT_TRUE(rl.allow(v4(10, 1, 0, 3, 1), 1s));   // known sources still served
    // Once the old buckets have idled for a second they are forgotten.
    EXPECT_TRUE(rl.allow(v4(10, 2, 0, 0, 1), 2s + 1ms));
    EXPECT_LE(rl.size(), 64u);
    for (int i = 0; i < 1000; ++i) {
        (void)rl.allow(v4(10, 3, uint8_t(i >> 8), uint8_t(i), 1), 3s + nanos(i));
        ASSERT_LE(rl.size(), 64u);
    }
}

// Property against the definition of a token bucket: over any interval of length d a source
// gets at most burst + d * rate packets, and a source sending slower than the rate is never
// refused.
TEST(ratelimiter, randomized_against_bucket_bound)
{
    std::mt19937_64 rng(12345);
    ratelimiter rl(20, 5, 1024);
    std::map<int, std::vector<int64_t>> allowed;  // source -> times allowed
    int64_t t = 1'000'000'000;
    for (int i = 0; i < 20000; ++i) {
        t += int64_t(rng() % 10'000'000);  // up to 10 ms between packets
        const int src = int(rng() % 8);
        if (rl.allow(v4(172, 16, 0, uint8_t(src), 9), nanos(t))) {
            allowed[src].push_back(t);
        }
    }
    for (const auto& [src, times] : allowed) {
        for (size_t i = 0; i < times.size(); i += 37) {
            for (size_t j = i; j < times.size(); ++j) {
                const int64_t d = times[j] - times[i];
                const double bound = 5 + double(d) * 20 / 1e9;
                ASSERT_LE(double(j - i + 1), bound + 1e-9) << "source " << src;
            }
        }
    }
    // A well-behaved source (10/s) is never refused.
    ratelimiter fresh;
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(fresh.allow(v4(1, 1, 1, 1, 1), nanos(int64_t(i) * 100'000'000)));
    }
}

} // namespace
} // namespace edgerelay::cp
