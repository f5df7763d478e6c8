// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The whole relay pass in-process: every verdict, counter and event of the fast path.
//
//   peer A (10.0.0.2, v4 underlay, eth port)          peer B ([fd00::3], v6 underlay, udp port)
//   allowed 192.168.1.0/24, fd01::/64   ── relay ──   allowed 192.168.2.0/24, fd02::/64
//                                          │
//                                   local 10.99.0.0/16 → access port (TUN-like)
#include <gtest/gtest.h>

#include <random>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "common/wire/build.hh"
#include "common/wire/wireguard.hh"
#include "drivers/fake/fake_port.hh"
#include "common/abi/validate.hh"
#include "dataplane/punt_record.hh"
#include "drivers/pkt_meta.hh"
#include "tests/lib/relay_harness.hh"

namespace edgerelay::test {
namespace {

using dp::drop_reason;

class pipeline : public ::testing::Test {
protected:
    void SetUp() override
    {
        dp::table_set_config cfg;
        cfg.max_peers = 64;
        h = std::make_unique<relay_harness>(cfg);
        a = &h->add_peer(1, "10.0.0.2:51820", relay_harness::port_eth);
        b = &h->add_peer(2, "[fd00::3]:51820", relay_harness::port_udp);
        h->allow(1, "192.168.1.0/24");
        h->allow(1, "fd01::/64");
        h->allow(2, "192.168.2.0/24");
        h->allow(2, "fd02::/64");
        h->route("192.168.1.0/24", 1);
        h->route("192.168.2.0/24", 2);
        h->route("fd01::/64", 1);
        h->route("fd02::/64", 2);
        h->route("10.99.0.0/16", dp::next_hop_local);
    }

    uint64_t drops(drop_reason r) const { return h->counters.drops[static_cast<uint8_t>(r)]; }

    // Sends one packet from A toward `dst` and returns what B received (opened), if anything.
    std::optional<std::vector<uint8_t>> a_to_b(uint64_t counter, const std::vector<uint8_t>& inner)
    {
        h->run({h->seal_from(*a, counter, inner)}, relay_harness::port_eth);
        auto out = h->take_tx(relay_harness::port_udp);
        if (out.size() != 1) {
            for (auto* m : out) {
                rte_pktmbuf_free(m);
            }
            return std::nullopt;
        }
        auto plain = h->open_for(*b, out[0]);
        rte_pktmbuf_free(out[0]);
        return plain;
    }

    std::unique_ptr<relay_harness> h;
    test_peer* a = nullptr;
    test_peer* b = nullptr;
};

// Test that a packet from A to B's prefix is decrypted, re-encrypted for B and arrives intact,
// over an IPv4 Ethernet underlay in and an IPv6 UDP underlay out.
TEST_F(pipeline, relays_a_to_b)
{
    for (uint16_t len : {28, 64, 100, 576, 1400, 1420}) {
        auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", len);
        auto got = a_to_b(len, inner);
        ASSERT_TRUE(got.has_value()) << "len " << len;
        ASSERT_GE(got->size(), inner.size());
        EXPECT_EQ(0, std::memcmp(got->data(), inner.data(), inner.size()));
        EXPECT_EQ(got->size(), wire::transport_padded_len(len, 1420)) << "padding to 16, MTU cap";
    }
    EXPECT_EQ(h->counters.drops_total, 0u);
    // Per-peer counters: packets, and inner bytes without WireGuard's padding, on both sides.
    const uint64_t inner_bytes = 28 + 64 + 100 + 576 + 1400 + 1420;
    EXPECT_EQ(h->peer_stats[1].rx_packets.load(), 6u);
    EXPECT_EQ(h->peer_stats[1].rx_bytes.load(), inner_bytes);
    EXPECT_EQ(h->peer_stats[1].tx_packets.load(), 0u);
    EXPECT_EQ(h->peer_stats[2].tx_packets.load(), 6u);
    EXPECT_EQ(h->peer_stats[2].tx_bytes.load(), inner_bytes);
    EXPECT_EQ(h->peer_stats[2].rx_packets.load(), 0u);
    EXPECT_EQ(h->counters.decrypted, 6u);
    EXPECT_EQ(h->counters.encrypted, 6u);
}

// Test that IPv6 inner traffic is relayed, and that B's sending counter increases by one per packet.
TEST_F(pipeline, relays_ipv6_inner_with_fresh_counters)
{
    auto inner = h->inner_packet("fd01::10", "fd02::20", 200);
    for (uint64_t i = 0; i < 5; i++) {
        h->run({h->seal_from(*a, 100 + i, inner)}, relay_harness::port_eth);
    }
    auto out = h->take_tx(relay_harness::port_udp);
    ASSERT_EQ(out.size(), 5u);
    for (uint64_t i = 0; i < 5; i++) {
        uint64_t ctr = ~0ull;
        auto got = h->open_for(*b, out[i], &ctr);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(ctr, i);
        rte_pktmbuf_free(out[i]);
    }
}

// Test that B → A works too: UDP underlay in, Ethernet underlay out, IPv4 frame toward 10.0.0.2.
TEST_F(pipeline, relays_b_to_a_over_ethernet)
{
    auto inner = h->inner_packet("192.168.2.20", "192.168.1.10", 300);
    h->run({h->seal_from(*b, 0, inner, relay_harness::port_udp)}, relay_harness::port_udp);
    auto out = h->take_tx(relay_harness::port_eth);
    ASSERT_EQ(out.size(), 1u);
    auto got = h->open_for(*a, out[0]);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(0, std::memcmp(got->data(), inner.data(), inner.size()));
    rte_pktmbuf_free(out[0]);
}

// Test that a replayed packet is dropped once as `replay` and the original still counts.
TEST_F(pipeline, replay_dropped)
{
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    ASSERT_TRUE(a_to_b(7, inner).has_value());
    EXPECT_FALSE(a_to_b(7, inner).has_value());
    EXPECT_EQ(drops(drop_reason::replay), 1u);
    EXPECT_EQ(h->counters.drops_total, 1u);
    ASSERT_TRUE(a_to_b(6, inner).has_value()) << "older but in-window counter is fresh";
}

// Test that a flipped ciphertext bit is an auth failure and does not move the replay window.
TEST_F(pipeline, forged_packet_dropped_without_moving_window)
{
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    rte_mbuf* m = h->seal_from(*a, 50000, inner);
    rte_pktmbuf_mtod(m, uint8_t*)[rte_pktmbuf_data_len(m) - 20] ^= 1;
    h->run({m}, relay_harness::port_eth);
    EXPECT_EQ(drops(drop_reason::auth_failed), 1u);
    EXPECT_TRUE(h->take_tx(relay_harness::port_udp).empty());
    // Had the forged counter 50000 advanced the window, counter 1 would now be too old.
    ASSERT_TRUE(a_to_b(1, inner).has_value());
}

// Test the receive-side drops: unknown index, cryptokey mismatch, no route, route loop.
TEST_F(pipeline, receive_side_drops_are_named)
{
    auto good = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    test_peer ghost = *a;
    ghost.relay_index = 0xdead;
    h->run({h->seal_from(ghost, 1, good)}, relay_harness::port_eth);
    EXPECT_EQ(drops(drop_reason::unknown_receiver), 1u);

    auto spoofed = h->inner_packet("192.168.2.99", "192.168.2.20", 80); // B's source from A
    EXPECT_FALSE(a_to_b(2, spoofed).has_value());
    EXPECT_EQ(drops(drop_reason::cryptokey_mismatch), 1u);

    auto nowhere = h->inner_packet("192.168.1.10", "172.16.0.1", 80);
    EXPECT_FALSE(a_to_b(3, nowhere).has_value());
    EXPECT_EQ(drops(drop_reason::no_route), 1u);

    auto back = h->inner_packet("192.168.1.10", "192.168.1.11", 80);
    EXPECT_FALSE(a_to_b(4, back).has_value());
    EXPECT_EQ(drops(drop_reason::route_loop), 1u);
    EXPECT_EQ(h->counters.drops_total, 4u);
}

// Test that a keepalive is counted and consumed, not forwarded and not a drop.
TEST_F(pipeline, keepalive_consumed)
{
    h->run({h->seal_from(*a, 9, {})}, relay_harness::port_eth);
    EXPECT_EQ(h->counters.keepalives_rx, 1u);
    EXPECT_EQ(h->counters.drops_total, 0u);
    EXPECT_TRUE(h->take_tx(relay_harness::port_udp).empty());
}

// Test that handshake messages are punted with their source endpoint, and garbage is dropped.
TEST_F(pipeline, handshake_punted)
{
    rte_mbuf* m = h->alloc();
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 148));
    std::memset(p, 0, 148);
    p[0] = 1;
    auto& md = drv::meta(m);
    md.remote = a->remote;
    md.port_index = relay_harness::port_udp;
    h->run({m}, relay_harness::port_udp);
    ASSERT_EQ(h->punted.size(), 1u);
    EXPECT_TRUE(drv::meta(h->punted[0]).remote == a->remote);
    EXPECT_EQ(drv::meta(h->punted[0]).msg_type, 1);
    EXPECT_EQ(h->counters.punted, 1u);
    EXPECT_EQ(h->counters.control_punted, 0u);

    abi::punted_packet rec;
    ASSERT_TRUE(dp::make_punt_record(h->punted[0], 5, 1234, rec));
    EXPECT_EQ(rec.kind, abi::punt_kind::udp_payload);
    EXPECT_EQ(rec.peer, abi::no_peer);
    EXPECT_EQ(rec.worker, 5);
    EXPECT_EQ(rec.rx_ns, 1234u);
    EXPECT_EQ(rec.port_index, relay_harness::port_udp);
    ASSERT_EQ(rec.len, 148);
    EXPECT_EQ(rec.bytes[0], 1);
    EXPECT_TRUE(rec.remote == a->remote);
}

// Transit peers (relay-to-relay tunnels) carry sources that belong to prefixes behind other
// relays: their cryptokey mismatches pass, an ordinary peer's are still dropped.
TEST_F(pipeline, transit_peer_may_carry_foreign_sources)
{
    test_peer& c = h->add_peer(3, "10.0.0.4:51820", relay_harness::port_eth);
    h->allow(3, "192.168.3.0/24");
    h->tables->peers().slot(3)->flags = dp::peer_transit; // as the applier does on add_peer

    auto foreign = h->inner_packet("172.31.9.9", "192.168.2.20", 120); // nobody's source
    auto others = h->inner_packet("fd01::77", "fd02::20", 160);         // A's v6 source
    for (const auto& [ctr, inner] : {std::pair{1ull, foreign}, std::pair{2ull, others}}) {
        h->run({h->seal_from(c, ctr, inner)}, relay_harness::port_eth);
        auto out = h->take_tx(relay_harness::port_udp);
        ASSERT_EQ(out.size(), 1u) << "counter " << ctr;
        auto got = h->open_for(*b, out[0]);
        rte_pktmbuf_free(out[0]);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(0, std::memcmp(got->data(), inner.data(), inner.size()));
    }
    EXPECT_EQ(drops(drop_reason::cryptokey_mismatch), 0u);
    EXPECT_EQ(h->peer_stats[3].rx_packets.load(), 2u);

    // The same packets from A (not transit) are refused.
    EXPECT_FALSE(a_to_b(1, foreign).has_value());
    EXPECT_FALSE(a_to_b(2, h->inner_packet("fd03::1", "fd02::20", 160)).has_value());
    EXPECT_EQ(drops(drop_reason::cryptokey_mismatch), 2u);
    // Transit lifts only the source check: a route back to the sender is still a loop.
    h->route("192.168.3.0/24", 3);
    h->run({h->seal_from(c, 3, h->inner_packet("172.31.9.9", "192.168.3.5", 80))},
           relay_harness::port_eth);
    EXPECT_EQ(drops(drop_reason::route_loop), 1u);
    EXPECT_EQ(h->counters.drops_total, 3u);
}

// Routes to next_hop_control hand the authenticated inner packet (v4 and v6) to the control
// plane, byte for byte, with the peer it came from; no rate limit, but bounded size.
TEST_F(pipeline, control_routes_punt_inner_packets)
{
    h->route("10.255.0.1/32", dp::next_hop_control);
    h->route("fd00:ff::1/128", dp::next_hop_control);
    auto probe4 = h->inner_packet("192.168.1.10", "10.255.0.1", 84, 0x5a);
    auto probe6 = h->inner_packet("fd02::20", "fd00:ff::1", 104, 0xa5);
    h->run({h->seal_from(*a, 1, probe4)}, relay_harness::port_eth);
    h->run({h->seal_from(*b, 1, probe6, relay_harness::port_udp)}, relay_harness::port_udp);
    EXPECT_TRUE(h->take_tx(relay_harness::port_udp).empty());
    EXPECT_TRUE(h->take_tx(relay_harness::port_eth).empty());
    EXPECT_TRUE(h->take_tx(relay_harness::port_access).empty());
    ASSERT_EQ(h->punted.size(), 2u);
    EXPECT_EQ(h->counters.control_punted, 2u);
    EXPECT_EQ(h->counters.punted, 0u) << "handshake punts are counted apart";
    EXPECT_EQ(h->counters.drops_total, 0u);

    struct expect {
        const test_peer* from;
        const std::vector<uint8_t>* bytes;
        uint16_t port;
    };
    const expect want[] = {{a, &probe4, relay_harness::port_eth},
                           {b, &probe6, relay_harness::port_udp}};
    for (size_t i = 0; i < 2; i++) {
        abi::punted_packet rec;
        ASSERT_TRUE(dp::make_punt_record(h->punted[i], 0, 99, rec));
        EXPECT_EQ(abi::validate(rec, abi::limits{}), abi::error::ok);
        EXPECT_EQ(rec.kind, abi::punt_kind::inner_packet);
        EXPECT_EQ(rec.peer, want[i].from->id);
        EXPECT_EQ(rec.port_index, want[i].port);
        EXPECT_TRUE(rec.remote == want[i].from->remote);
        ASSERT_EQ(rec.len, want[i].bytes->size());
        EXPECT_EQ(0, std::memcmp(rec.bytes, want[i].bytes->data(), rec.len));
        EXPECT_EQ(rec.bytes[rec.len], 0) << "bytes past len are zero";
    }

    // Bigger than a punt record: dropped with its own reason, nothing punted.
    h->run({h->seal_from(*a, 2, h->inner_packet("192.168.1.10", "10.255.0.1",
                                                abi::max_packet_bytes + 1))},
           relay_harness::port_eth);
    EXPECT_EQ(drops(drop_reason::control_too_big), 1u);
    // Exactly max_packet_bytes still fits.
    h->run({h->seal_from(*a, 3, h->inner_packet("192.168.1.10", "10.255.0.1",
                                                abi::max_packet_bytes))},
           relay_harness::port_eth);
    EXPECT_EQ(h->punted.size(), 3u);
    // A source outside A's allowed IPs never reaches the control plane.
    h->run({h->seal_from(*a, 4, h->inner_packet("10.1.1.1", "10.255.0.1", 60))},
           relay_harness::port_eth);
    EXPECT_EQ(drops(drop_reason::cryptokey_mismatch), 1u);
    // From the access side (not authenticated): refused.
    auto local = h->inner_packet("10.99.1.1", "10.255.0.1", 60);
    rte_mbuf* m = h->alloc();
    std::memcpy(rte_pktmbuf_append(m, 60), local.data(), 60);
    h->run({m}, relay_harness::port_access);
    EXPECT_EQ(drops(drop_reason::control_from_access), 1u);
    EXPECT_EQ(h->punted.size(), 3u);
    EXPECT_EQ(h->counters.control_punted, 3u);
    EXPECT_EQ(h->counters.drops_total, 3u);
}

// A whole burst of probes: every one punted (none rate-limited), in order.
TEST_F(pipeline, control_punts_a_full_burst)
{
    h->route("10.255.0.1/32", dp::next_hop_control);
    std::vector<rte_mbuf*> burst;
    for (uint64_t i = 0; i < dp::max_burst; i++) {
        auto probe = h->inner_packet("192.168.1.10", "10.255.0.1", 60, static_cast<uint8_t>(i));
        burst.push_back(h->seal_from(*a, i, probe));
    }
    h->run(burst, relay_harness::port_eth);
    ASSERT_EQ(h->punted.size(), dp::max_burst);
    for (uint16_t i = 0; i < dp::max_burst; i++) {
        abi::punted_packet rec;
        ASSERT_TRUE(dp::make_punt_record(h->punted[i], 0, 0, rec));
        EXPECT_EQ(rec.bytes[rec.len - 1], i) << "order kept";
    }
    EXPECT_EQ(h->counters.control_punted, dp::max_burst);
}

// Test local delivery to the access port and access input encrypted toward B.
TEST_F(pipeline, local_delivery_and_access_input)
{
    auto to_local = h->inner_packet("192.168.1.10", "10.99.1.1", 120);
    h->run({h->seal_from(*a, 1, to_local)}, relay_harness::port_eth);
    auto local = h->take_tx(relay_harness::port_access);
    ASSERT_EQ(local.size(), 1u);
    ASSERT_EQ(rte_pktmbuf_data_len(local[0]), 120);
    EXPECT_EQ(0, std::memcmp(rte_pktmbuf_mtod(local[0], uint8_t*), to_local.data(), 120));
    rte_pktmbuf_free(local[0]);

    auto from_local = h->inner_packet("10.99.1.1", "192.168.2.20", 90);
    rte_mbuf* m = h->alloc();
    std::memcpy(rte_pktmbuf_append(m, 90), from_local.data(), 90);
    h->run({m}, relay_harness::port_access);
    auto out = h->take_tx(relay_harness::port_udp);
    ASSERT_EQ(out.size(), 1u);
    auto got = h->open_for(*b, out[0]);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(0, std::memcmp(got->data(), from_local.data(), 90));
    rte_pktmbuf_free(out[0]);
}

// Test REJECT_AFTER_TIME on both sides, with one keypair_expired event per keypair.
TEST_F(pipeline, expired_keypair_refused_once_signalled)
{
    a->kp->reject_tsc = rte_rdtsc() - 1;
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    EXPECT_FALSE(a_to_b(1, inner).has_value());
    EXPECT_FALSE(a_to_b(2, inner).has_value());
    EXPECT_EQ(drops(drop_reason::keypair_expired), 2u);
    int expired = 0;
    for (uint16_t i = 0; i < h->ctx.events.n; i++) {
        expired += h->ctx.events.items[i].type == dp::dp_event::keypair_expired;
    }
    EXPECT_EQ(expired, 1);
}

// Test that a packet for a peer with no current keypair (only a responder's unconfirmed next,
// or nothing) asks the control plane for a handshake, once per REKEY_TIMEOUT for the peer.
TEST_F(pipeline, no_keypair_asks_for_a_handshake_once_per_rekey_timeout)
{
    h->ctx.handshake_wanted_every = rte_get_tsc_hz() * dp::rekey_timeout_s;
    dp::keypair* kp = h->tables->peers().swap_keypair(2, dp::keypair_slot::current, nullptr);
    auto wanted = [&] {
        int n = 0;
        for (uint16_t i = 0; i < h->ctx.events.n; i++) {
            const auto& e = h->ctx.events.items[i];
            if (e.type == dp::dp_event::handshake_wanted) {
                EXPECT_EQ(e.peer, 2u);
                ++n;
            }
        }
        return n;
    };
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    for (uint64_t c = 1; c <= 3; c++) {
        EXPECT_FALSE(a_to_b(c, inner).has_value());
    }
    EXPECT_EQ(drops(drop_reason::no_keypair), 3u);
    EXPECT_EQ(wanted(), 1);
    // REKEY_TIMEOUT later the next packet asks again.
    const dp::peer* pb = h->tables->peers().get(2);
    pb->handshake_wanted_tsc.store(pb->handshake_wanted_tsc.load() - h->ctx.handshake_wanted_every);
    EXPECT_FALSE(a_to_b(4, inner).has_value());
    EXPECT_EQ(wanted(), 2);
    // A responder's next is not for sending until the peer has used it: then a worker has
    // raised keypair_confirmed, and packets go out with it before the applier promotes it.
    h->tables->peers().swap_keypair(2, dp::keypair_slot::next, kp);
    pb->handshake_wanted_tsc.store(0);
    EXPECT_FALSE(a_to_b(5, inner).has_value());
    EXPECT_EQ(wanted(), 3);
    kp->confirmed_signalled.store(1);
    EXPECT_TRUE(a_to_b(6, inner).has_value());
    EXPECT_EQ(wanted(), 3);
    // Once a keypair is current, packets flow and nothing is asked.
    h->tables->peers().swap_keypair(2, dp::keypair_slot::next, nullptr);
    h->tables->peers().swap_keypair(2, dp::keypair_slot::current, kp);
    EXPECT_TRUE(a_to_b(7, inner).has_value());
    EXPECT_EQ(wanted(), 3);
}

// Test REKEY_AFTER_MESSAGES (one event) and REJECT_AFTER_MESSAGES (refused) on send.
TEST_F(pipeline, message_limits_on_send)
{
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    b->kp->send_counter = dp::rekey_after_messages;
    ASSERT_TRUE(a_to_b(1, inner).has_value());
    ASSERT_TRUE(a_to_b(2, inner).has_value());
    int rekey = 0;
    for (uint16_t i = 0; i < h->ctx.events.n; i++) {
        rekey += h->ctx.events.items[i].type == dp::dp_event::rekey_needed;
    }
    EXPECT_EQ(rekey, 1);
    b->kp->send_counter = dp::reject_after_messages;
    EXPECT_FALSE(a_to_b(3, inner).has_value());
    EXPECT_EQ(drops(drop_reason::keypair_exhausted), 1u);
}

// Test that an authenticated packet from a new source raises endpoint_roamed; a forged one does not.
TEST_F(pipeline, roaming_only_on_authenticated_packets)
{
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 80);
    test_peer moved = *a;
    moved.remote = parse_endpoint("10.0.0.77:40000");
    rte_mbuf* forged = h->seal_from(moved, 1, inner);
    rte_pktmbuf_mtod(forged, uint8_t*)[rte_pktmbuf_data_len(forged) - 1] ^= 0x80;
    h->run({forged}, relay_harness::port_eth);
    EXPECT_EQ(h->ctx.events.n, 0);
    h->run({h->seal_from(moved, 2, inner)}, relay_harness::port_eth);
    ASSERT_EQ(h->ctx.events.n, 1);
    EXPECT_EQ(h->ctx.events.items[0].type, dp::dp_event::endpoint_roamed);
    EXPECT_TRUE(h->ctx.events.items[0].remote == moved.remote);
    for (auto* m : h->take_tx(relay_harness::port_udp)) {
        rte_pktmbuf_free(m);
    }
}

// Test that random garbage never crashes and every packet is accounted for exactly once:
// forwarded + punted + dropped (+ keepalives) == injected.
TEST_F(pipeline, garbage_accounted_exactly)
{
    std::mt19937_64 rng(1234);
    auto good = h->inner_packet("192.168.1.10", "192.168.2.20", 64);
    uint64_t injected = 0;
    for (int round = 0; round < 300; round++) {
        std::vector<rte_mbuf*> burst;
        for (int i = 0; i < 32; i++) {
            rte_mbuf* m;
            if (rng() % 4 == 0) {
                m = h->seal_from(*a, 1000 + round * 32 + i, good);
            } else {
                m = h->seal_from(*a, 1000 + round * 32 + i, good);
                // corrupt 1..4 random bytes anywhere in the frame, or truncate it
                uint16_t len = rte_pktmbuf_data_len(m);
                if (rng() % 3 == 0) {
                    rte_pktmbuf_trim(m, static_cast<uint16_t>(rng() % len));
                } else {
                    for (int k = 0, nk = 1 + rng() % 4; k < nk; k++) {
                        rte_pktmbuf_mtod(m, uint8_t*)[rng() % len] ^= static_cast<uint8_t>(1 + rng() % 255);
                    }
                }
            }
            burst.push_back(m);
            injected++;
        }
        h->run(burst, relay_harness::port_eth);
    }
    uint64_t forwarded = 0;
    for (uint16_t p = 0; p < 3; p++) {
        auto out = h->take_tx(p);
        forwarded += out.size();
        for (auto* m : out) {
            rte_pktmbuf_free(m);
        }
    }
    EXPECT_EQ(forwarded + h->punted.size() + h->counters.drops_total + h->counters.keepalives_rx,
              injected);
    EXPECT_GT(forwarded, 0u);
    EXPECT_EQ(h->counters.rx_packets, injected);
    uint64_t sum = 0;
    for (auto d : h->counters.drops) {
        sum += d;
    }
    EXPECT_EQ(sum, h->counters.drops_total);
}

// Test the whole pass through drivers/fake ports: wire → rx_burst → relay → tx_burst → wire.
TEST_F(pipeline, through_fake_ports)
{
    auto link_a = drv::fake_link::create("pl_a", drv::port_kind::underlay_eth, drv::port_kind::underlay_eth);
    auto link_b = drv::fake_link::create("pl_b", drv::port_kind::underlay_udp, drv::port_kind::underlay_udp);
    link_a.a->set_port_index(relay_harness::port_eth);
    auto inner = h->inner_packet("192.168.1.10", "192.168.2.20", 500);
    std::vector<rte_mbuf*> sent;
    for (uint64_t i = 0; i < 64; i++) {
        sent.push_back(h->seal_from(*a, i, inner));
    }
    ASSERT_EQ(link_a.b->tx_burst(0, sent), 64); // the "wire" side of A's link sends to the relay
    rte_mbuf* burst[32];
    uint16_t n;
    while ((n = link_a.a->rx_burst(0, burst)) > 0) {
        h->run(std::vector<rte_mbuf*>(burst, burst + n), relay_harness::port_eth);
        auto out = h->take_tx(relay_harness::port_udp);
        ASSERT_EQ(link_b.a->tx_burst(0, out), out.size());
    }
    int received = 0;
    while ((n = link_b.b->rx_burst(0, burst)) > 0) {
        for (uint16_t i = 0; i < n; i++) {
            drv::meta(burst[i]).port_index = relay_harness::port_udp;
            EXPECT_TRUE(h->open_for(*b, burst[i]).has_value());
            rte_pktmbuf_free(burst[i]);
            received++;
        }
    }
    EXPECT_EQ(received, 64);
    EXPECT_EQ(link_a.a->rx_packets(), 64u);
    EXPECT_EQ(link_b.b->rx_packets(), 64u);
}

} // namespace
} // namespace edgerelay::test
