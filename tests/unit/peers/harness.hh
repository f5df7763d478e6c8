// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Two peer managers wired back to back through recording sinks, on one virtual clock.
#pragma once

#include <chrono>
#include <cstring>
#include <deque>
#include <vector>

#include <gtest/gtest.h>

#include "common/abi/validate.hh"
#include "common/crypto/x25519.hh"
#include "controlplane/peers/peer_manager.hh"

namespace edgerelay::cp::test {

using namespace std::chrono_literals;

inline wire::endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    return wire::endpoint::ipv4(a, b, c, d, port);
}

inline abi::prefix pfx4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
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

/// Records every command (checking its seal) and queues injected packets for delivery.
struct recorder final : sink {
    std::vector<abi::command> commands;
    std::deque<abi::injected_packet> outbox;

    void command(const abi::command& c) override
    {
        EXPECT_TRUE(abi::crc_ok(c)) << "command not sealed";
        commands.push_back(c);
    }
    void inject(const abi::injected_packet& p) override
    {
        EXPECT_EQ(p.kind, abi::inject_kind::udp_payload);
        outbox.push_back(p);
    }

    std::vector<abi::command> of(abi::command_type t) const
    {
        std::vector<abi::command> out;
        for (const auto& c : commands) {
            if (c.type == t) {
                out.push_back(c);
            }
        }
        return out;
    }
    size_t count(abi::command_type t) const { return of(t).size(); }
};

/// One node: identity, deterministic randomness, sink and manager.
struct node {
    static_identity id{crypto::x25519_generate()};
    seeded_random rng;
    recorder out;
    peer_manager pm;
    wire::endpoint addr;

    node(clock& clk, uint64_t seed, const wire::endpoint& a)
        : rng(seed), pm(id, clk, out, &rng), addr(a)
    {
    }
};

inline crypto::secret32 test_psk()
{
    crypto::secret32 p;
    p.bytes.fill(0x5A);
    return p;
}

/// A knows B (peer id b_at_a, with B's endpoint); B knows A (peer id a_at_b, endpoint
/// unknown until A calls). Packets A injects toward B's address arrive at B as punts whose
/// source is A's address (or `a_source` when set, to play a roaming A), and vice versa.
struct back_to_back {
    static constexpr abi::peer_id b_at_a = 3;
    static constexpr abi::peer_id a_at_b = 7;

    virtual_clock clk;
    node a{clk, 1, ep4(192, 0, 2, 1, 51820)};
    node b{clk, 2, ep4(198, 51, 100, 2, 51820)};
    wire::endpoint a_source = a.addr;
    bool drop_a_to_b = false;
    bool drop_b_to_a = false;
    bool b_under_load = false;
    std::vector<abi::punted_packet> delivered_to_b; // for replays
    std::vector<nanos> a_sent_at;                   // when A injected each packet

    explicit back_to_back(uint16_t a_keepalive_s = 0)
    {
        peer_config to_b;
        to_b.id = b_at_a;
        to_b.public_key = b.id.pub;
        to_b.psk = test_psk();
        to_b.endpoint.remote = b.addr;
        to_b.allowed_ips = {pfx4(10, 0, 2, 0, 24)};
        to_b.persistent_keepalive_s = a_keepalive_s;
        EXPECT_EQ(a.pm.add_peer(to_b), 0);

        peer_config to_a;
        to_a.id = a_at_b;
        to_a.public_key = a.id.pub;
        to_a.psk = test_psk();
        to_a.allowed_ips = {pfx4(10, 0, 1, 0, 24), pfx4(10, 0, 11, 0, 24)};
        EXPECT_EQ(b.pm.add_peer(to_a), 0);
    }

    static abi::punted_packet punt(const abi::injected_packet& p, const wire::endpoint& src)
    {
        abi::punted_packet pkt;
        pkt.port_index = p.port_index;
        pkt.len = p.len;
        pkt.remote = src;
        pkt.local = p.remote;
        std::memcpy(pkt.bytes, p.bytes, p.len);
        return pkt;
    }

    /// Delivers queued packets both ways until both outboxes are empty.
    void pump()
    {
        while (!a.out.outbox.empty() || !b.out.outbox.empty()) {
            while (!a.out.outbox.empty()) {
                abi::injected_packet p = a.out.outbox.front();
                a.out.outbox.pop_front();
                a_sent_at.push_back(clk.now());
                if (!drop_a_to_b && p.remote == b.addr) {
                    delivered_to_b.push_back(punt(p, a_source));
                    b.pm.on_punted(delivered_to_b.back(), b_under_load);
                }
            }
            while (!b.out.outbox.empty()) {
                abi::injected_packet p = b.out.outbox.front();
                b.out.outbox.pop_front();
                if (!drop_b_to_a && p.remote == a_source) {
                    a.pm.on_punted(punt(p, b.addr), false);
                }
            }
        }
    }

    /// Advances virtual time by d in steps, ticking both managers and delivering packets.
    void run_for(nanos d, nanos step = 10ms)
    {
        const nanos end = clk.now() + d;
        while (clk.now() < end) {
            clk.advance(step);
            a.pm.tick();
            b.pm.tick();
            pump();
        }
    }

    /// A initiates and the exchange completes at once.
    void handshake()
    {
        ASSERT_EQ(a.pm.initiate(b_at_a), 0);
        pump();
    }
};

} // namespace edgerelay::cp::test
