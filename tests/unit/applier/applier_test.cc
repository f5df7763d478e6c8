// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The applier driven like a control plane would: commands over a real segment, tables checked.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "common/abi/records.hh"
#include "common/abi/segment.hh"
#include "common/abi/validate.hh"
#include "dataplane/applier.hh"
#include "dataplane/tables/table_set.hh"
#include "tests/lib/eal_env.hh"

namespace edgerelay::dp {
namespace {

using abi::command;
using abi::command_type;
using abi::error;
using abi::event;
using abi::event_type;

constexpr uint32_t n_peers = 64;
constexpr uint64_t hz = 1000; // one TSC tick per millisecond: times in the tests read as ms
constexpr uint64_t t0 = 10'000'000;
constexpr uint64_t reject_ms = 180'000;
constexpr uint8_t port0_mac[6] = {0x02, 0, 0, 0, 0, 0x10};
constexpr uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xFE};

uint64_t test_seed()
{
    if (const char* e = std::getenv("SEED")) {
        return std::strtoull(e, nullptr, 10);
    }
    return std::random_device{}();
}

wire::endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    return wire::endpoint::ipv4(a, b, c, d, port);
}

wire::endpoint ep6(uint8_t last, uint16_t port)
{
    wire::endpoint e;
    e.family = 6;
    e.port = port;
    e.addr[0] = 0x20;
    e.addr[1] = 0x01;
    e.addr[2] = 0x0d;
    e.addr[3] = 0xb8;
    e.addr[15] = last;
    return e;
}

abi::prefix pfx4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
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

abi::prefix pfx6(uint16_t second, uint8_t len)
{
    abi::prefix p{};
    p.family = 6;
    p.length = len;
    p.addr[0] = 0x20;
    p.addr[1] = 0x01;
    p.addr[2] = static_cast<uint8_t>(second >> 8);
    p.addr[3] = static_cast<uint8_t>(second);
    return p;
}

// ---- command builders (unsealed: run() seals) ----

command cmd_peer(command_type t, uint32_t peer)
{
    command c;
    c.type = t;
    c.body.peer.peer = peer;
    return c;
}

command cmd_add_peer(uint32_t peer, uint32_t flags)
{
    command c;
    c.type = command_type::add_peer;
    c.body.add_peer = abi::cmd_add_peer{peer, flags};
    return c;
}

command cmd_endpoint(uint32_t peer, uint16_t port, const wire::endpoint& remote,
                     const wire::endpoint& local = {}, const uint8_t* src = nullptr,
                     const uint8_t* dst = nullptr)
{
    command c;
    c.type = command_type::set_endpoint;
    auto& b = c.body.set_endpoint;
    b.peer = peer;
    b.port_index = port;
    b.remote = remote;
    b.local = local;
    if (src != nullptr) {
        std::memcpy(b.src_mac, src, 6);
    }
    if (dst != nullptr) {
        std::memcpy(b.dst_mac, dst, 6);
    }
    return c;
}

command cmd_keypair(uint32_t peer, abi::key_slot slot, bool initiator, uint32_t local_index,
                    uint64_t age_ms = 0, uint64_t counter = 0)
{
    command c;
    c.type = command_type::install_keypair;
    auto& b = c.body.install_keypair;
    b.peer = peer;
    b.slot = slot;
    b.initiator = initiator ? 1 : 0;
    b.local_index = local_index;
    b.remote_index = local_index ^ 0xA5A5A5A5u;
    std::memset(b.send_key, static_cast<int>(0x40 + (local_index & 0x3F)), 32);
    std::memset(b.recv_key, static_cast<int>(0x80 + (local_index & 0x3F)), 32);
    b.age_ms = age_ms;
    b.send_counter = counter;
    return c;
}

command cmd_retire(uint32_t peer, abi::key_slot slot, uint32_t local_index = 0)
{
    command c;
    c.type = command_type::retire_keypair;
    c.body.retire_keypair.peer = peer;
    c.body.retire_keypair.slot = slot;
    c.body.retire_keypair.local_index = local_index;
    return c;
}

command cmd_route(command_type t, const abi::prefix& p, uint32_t hop)
{
    command c;
    c.type = t;
    c.body.route.dst = p;
    c.body.route.hop = hop;
    return c;
}

command cmd_allowed(command_type t, uint32_t peer, const abi::prefix& p)
{
    command c;
    c.type = t;
    c.body.allowed_ip.peer = peer;
    c.body.allowed_ip.src = p;
    return c;
}

command cmd_limits(uint64_t rekey_msgs, uint64_t reject_msgs, uint32_t rekey_ms, uint32_t reject)
{
    command c;
    c.type = command_type::set_limits;
    auto& b = c.body.set_limits;
    b.punt_rate_pps = 100;
    b.punt_burst = 10;
    b.rekey_after_messages = rekey_msgs;
    b.reject_after_messages = reject_msgs;
    b.rekey_after_time_ms = rekey_ms;
    b.reject_after_time_ms = reject;
    return c;
}

command cmd_readback()
{
    command c;
    c.type = command_type::readback;
    return c;
}

// An event with time_ns cleared, for comparing two readbacks.
std::vector<std::array<uint8_t, sizeof(event)>> timeless(const std::vector<event>& evs)
{
    std::vector<std::array<uint8_t, sizeof(event)>> out;
    for (event e : evs) {
        e.time_ns = 0;
        if (e.type == event_type::readback_done) {
            e.body.readback_done.seq = 0;
        }
        std::array<uint8_t, sizeof(event)> raw{};
        std::memcpy(raw.data(), &e, sizeof(e));
        out.push_back(raw);
    }
    return out;
}

std::unique_ptr<table_set> g_tables; // one per binary: the prefix tables take ~384 MiB

class applier_test : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        ASSERT_TRUE(test::eal_ready());
        table_set_config cfg;
        cfg.name = "apl";
        cfg.max_peers = n_peers;
        cfg.max_keypairs = 512;
        cfg.max_routes4 = cfg.max_allowed4 = 256;
        cfg.max_routes6 = cfg.max_allowed6 = 256;
        cfg.max_readers = 2;
        g_tables = table_set::create(cfg);
        ASSERT_NE(g_tables, nullptr);
    }
    static void TearDownTestSuite() { g_tables.reset(); }

    void SetUp() override
    {
        ASSERT_NE(g_tables, nullptr);
        static int n = 0;
        _name = "/edgerelay-test-applier-" + std::to_string(getpid()) + "-" + std::to_string(++n);
        abi::limits lim;
        lim.max_peers = n_peers;
        lim.max_ports = 4;
        _seg.emplace(abi::segment::create(_name, lim));
        make_applier(nullptr);
    }

    void make_applier(const applier_config* override_cfg)
    {
        applier_config cfg;
        if (override_cfg != nullptr) {
            cfg = *override_cfg;
        } else {
            cfg.max_peers = n_peers;
            cfg.n_workers = 2;
            cfg.n_ports = 2;
            cfg.tsc_hz = hz;
            cfg.ports[0].ethernet = true;
            std::memcpy(cfg.ports[0].mac, port0_mac, 6);
            std::memcpy(cfg.ports[0].gateway_mac, gw_mac, 6);
        }
        _app.reset();
        _app = std::make_unique<applier>(*g_tables, *_seg, cfg);
    }

    void TearDown() override
    {
        if (_app == nullptr) {
            return;
        }
        // Leave the shared tables empty for the next test, through the applier itself.
        drain();
        for (uint32_t id = 0; id < n_peers; ++id) {
            if (g_tables->peers().get(id) != nullptr) {
                EXPECT_EQ(run(cmd_peer(command_type::remove_peer, id)), error::ok);
            }
        }
        auto locals4 = g_tables->routes4().entries();
        for (const auto& [k, hop] : locals4) {
            abi::prefix p =
                pfx4(static_cast<uint8_t>(k.first >> 24), static_cast<uint8_t>(k.first >> 16),
                     static_cast<uint8_t>(k.first >> 8), static_cast<uint8_t>(k.first), k.second);
            EXPECT_EQ(run(cmd_route(command_type::remove_route, p, hop)), error::ok);
        }
        auto locals6 = g_tables->routes6().entries();
        for (const auto& [k, hop] : locals6) {
            abi::prefix p{};
            p.family = 6;
            p.length = k.second;
            std::memcpy(p.addr, k.first.data(), 16);
            EXPECT_EQ(run(cmd_route(command_type::remove_route, p, hop)), error::ok);
        }
        _app->tick(_now);
        EXPECT_EQ(_app->deferred(), 0u);
        EXPECT_EQ(g_tables->peers().active_count(), 0u);
        EXPECT_EQ(g_tables->index().size(), 0u);
        EXPECT_EQ(g_tables->routes4().rules(), 0u);
        EXPECT_EQ(g_tables->routes6().rules(), 0u);
        EXPECT_EQ(g_tables->allowed4().rules(), 0u);
        EXPECT_EQ(g_tables->allowed6().rules(), 0u);
        _app.reset();
        _seg.reset();
    }

    std::vector<event> drain()
    {
        std::vector<event> out;
        event e;
        while (_seg->events().pop(e)) {
            out.push_back(e);
        }
        return out;
    }

    // Sends one command like the control plane, runs the applier until it is answered and
    // returns the reply's code. Events before the reply land in _events.
    error run(command c, bool seal = true)
    {
        c.seq = ++_seq;
        if (seal) {
            abi::seal(c);
        }
        EXPECT_TRUE(_seg->commands().push(c));
        _events.clear();
        for (int round = 0; round < 1000; ++round) {
            _app->poll_commands(16, _now);
            for (const event& e : drain()) {
                if (e.type == event_type::reply) {
                    EXPECT_EQ(e.body.reply.seq, c.seq);
                    EXPECT_EQ(e.body.reply.command, c.type);
                    EXPECT_EQ(e.worker, UINT16_MAX);
                    return e.body.reply.code;
                }
                _events.push_back(e);
            }
        }
        ADD_FAILURE() << "no reply";
        return error::internal;
    }

    std::vector<event> readback()
    {
        EXPECT_EQ(run(cmd_readback()), error::ok);
        return _events;
    }

    keypair* lookup(uint32_t index) const
    {
        keypair* kp = nullptr;
        g_tables->index().lookup_bulk(&index, 1, &kp);
        return kp;
    }

    peer* get(uint32_t id) const { return g_tables->peers().get(id); }

    next_hop route4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) const
    {
        return g_tables->routes4().lookup((uint32_t{a} << 24) | (uint32_t{b} << 16) |
                                          (uint32_t{c} << 8) | d);
    }

    next_hop lookup6(const prefix_table6& t, uint16_t second, uint8_t last) const
    {
        uint8_t a[1][16] = {};
        a[0][0] = 0x20;
        a[0][1] = 0x01;
        a[0][2] = static_cast<uint8_t>(second >> 8);
        a[0][3] = static_cast<uint8_t>(second);
        a[0][15] = last;
        uint32_t out = 0;
        t.lookup_bulk(a, 1, &out);
        return out;
    }

    std::string _name;
    std::optional<abi::segment> _seg;
    std::unique_ptr<applier> _app;
    std::vector<event> _events;
    uint64_t _seq = 0;
    uint64_t _now = t0;
};

// ---------------------------------------------------------------- peers and endpoints

TEST_F(applier_test, add_and_remove_peer)
{
    EXPECT_EQ(run(cmd_peer(command_type::add_peer, 3)), error::ok);
    ASSERT_NE(get(3), nullptr);
    EXPECT_EQ(get(3)->id, 3u);
    EXPECT_EQ(run(cmd_peer(command_type::add_peer, 3)), error::duplicate);
    EXPECT_EQ(run(cmd_peer(command_type::add_peer, n_peers)), error::bad_peer_id);
    EXPECT_EQ(run(cmd_peer(command_type::remove_peer, 4)), error::unknown_peer);
    EXPECT_EQ(run(cmd_peer(command_type::remove_peer, 3)), error::ok);
    EXPECT_EQ(get(3), nullptr);
    EXPECT_EQ(run(cmd_peer(command_type::remove_peer, 3)), error::unknown_peer);
    EXPECT_EQ(_app->stats().commands, 6u);
    EXPECT_EQ(_app->stats().commands_failed, 4u);
}

TEST_F(applier_test, set_endpoint_builds_paths)
{
    EXPECT_EQ(run(cmd_endpoint(1, 0, ep4(192, 0, 2, 1, 51820))), error::unknown_peer);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    EXPECT_EQ(get(1)->route_path.load(), nullptr);
    // port 2 passes the segment's max_ports (4) but this dataplane has two ports.
    EXPECT_EQ(run(cmd_endpoint(1, 2, ep4(192, 0, 2, 1, 51820))), error::bad_port);
    EXPECT_EQ(run(cmd_endpoint(1, 4, ep4(192, 0, 2, 1, 51820))), error::bad_port);
    EXPECT_EQ(run(cmd_endpoint(1, 0, ep4(224, 0, 0, 1, 51820))), error::bad_endpoint);

    // Ethernet port, MACs left zero: the port's own MAC and its gateway.
    ASSERT_EQ(run(cmd_endpoint(1, 0, ep4(192, 0, 2, 1, 51820), ep4(198, 51, 100, 7, 51820))),
              error::ok);
    const path* p = get(1)->route_path.load();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->remote, ep4(192, 0, 2, 1, 51820));
    EXPECT_EQ(p->local, ep4(198, 51, 100, 7, 51820));
    EXPECT_EQ(p->port_index, 0);
    EXPECT_EQ(std::memcmp(p->src_mac, port0_mac, 6), 0);
    EXPECT_EQ(std::memcmp(p->dst_mac, gw_mac, 6), 0);

    // Explicit MACs win; the old path waits for a grace period (none: no reader registered).
    const uint8_t src[6] = {0x02, 1, 2, 3, 4, 5};
    const uint8_t dst[6] = {0x02, 9, 8, 7, 6, 5};
    ASSERT_EQ(run(cmd_endpoint(1, 0, ep6(9, 4500), {}, src, dst)), error::ok);
    p = get(1)->route_path.load();
    EXPECT_EQ(p->remote, ep6(9, 4500));
    EXPECT_TRUE(p->local.empty());
    EXPECT_EQ(std::memcmp(p->src_mac, src, 6), 0);
    EXPECT_EQ(std::memcmp(p->dst_mac, dst, 6), 0);
    EXPECT_EQ(_app->deferred(), 1u);
    _app->tick(_now);
    EXPECT_EQ(_app->deferred(), 0u);

    // A UDP-socket port carries no MACs, whatever the command says.
    ASSERT_EQ(run(cmd_endpoint(1, 1, ep4(203, 0, 113, 5, 1000), {}, src, dst)), error::ok);
    p = get(1)->route_path.load();
    EXPECT_EQ(p->port_index, 1);
    const uint8_t zero[6] = {};
    EXPECT_EQ(std::memcmp(p->src_mac, zero, 6), 0);
    EXPECT_EQ(std::memcmp(p->dst_mac, zero, 6), 0);
}

// ---------------------------------------------------------------- keypairs

TEST_F(applier_test, install_keypair_fills_and_indexes)
{
    EXPECT_EQ(run(cmd_keypair(2, abi::key_slot::current, true, 100)), error::unknown_peer);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 2)), error::ok);
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::current, true, 100, 5'000, 77)), error::ok);
    keypair* kp = lookup(100);
    ASSERT_NE(kp, nullptr);
    EXPECT_EQ(get(2)->current.load(), kp);
    EXPECT_EQ(kp->peer, 2u);
    EXPECT_EQ(kp->local_index, 100u);
    EXPECT_EQ(kp->remote_index, 100u ^ 0xA5A5A5A5u);
    EXPECT_EQ(kp->flags & keypair_initiator, keypair_initiator);
    EXPECT_EQ(kp->birth_tsc, t0 - 5'000);
    EXPECT_EQ(kp->reject_tsc, t0 - 5'000 + reject_ms);
    EXPECT_EQ(kp->rekey_tsc, t0 - 5'000 + 120'000);
    EXPECT_EQ(kp->send_counter.load(), 77u);
    EXPECT_EQ(kp->send_key[0], 0x40 + (100 & 0x3F));
    EXPECT_EQ(kp->recv_key[31], 0x80 + (100 & 0x3F));

    EXPECT_EQ(run(cmd_keypair(2, abi::key_slot::next, false, 100)), error::duplicate);
    EXPECT_EQ(run(cmd_keypair(2, abi::key_slot::current, true, 101, reject_ms)),
              error::expired); // validate(): age at the segment's limit
    command zero_key = cmd_keypair(2, abi::key_slot::current, true, 102);
    std::memset(zero_key.body.install_keypair.send_key, 0, 32);
    EXPECT_EQ(run(zero_key), error::bad_key);

    // A responder keypair never rekeys by time.
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::next, false, 103)), error::ok);
    EXPECT_EQ(lookup(103)->rekey_tsc, UINT64_MAX);
    EXPECT_EQ(lookup(103)->flags & keypair_initiator, 0u);

    // set_limits shortens the lifetime of new keypairs.
    ASSERT_EQ(run(cmd_limits(1000, 2000, 5'000, 10'000)), error::ok);
    EXPECT_EQ(_app->limits().reject_after_time_ms, 10'000u);
    EXPECT_EQ(run(cmd_keypair(2, abi::key_slot::previous, false, 104, 20'000)), error::expired);
    EXPECT_EQ(run(cmd_keypair(2, abi::key_slot::previous, false, 104, 0, 2000)), error::expired);
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::previous, true, 104, 1'000)), error::ok);
    EXPECT_EQ(lookup(104)->reject_tsc, t0 - 1'000 + 10'000);
    EXPECT_EQ(lookup(104)->rekey_tsc, t0 - 1'000 + 5'000);
    EXPECT_EQ(run(cmd_limits(1000, 999, 5'000, 10'000)), error::bad_limits);
    EXPECT_EQ(g_tables->index().size(), 3u);
}

TEST_F(applier_test, slots_follow_wireguard)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 5)), error::ok);
    peer* p = get(5);
    // Initiator keypairs rotate: current -> previous, old previous retired.
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::current, true, 1)), error::ok);
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::current, true, 2)), error::ok);
    EXPECT_EQ(p->current.load(), lookup(2));
    EXPECT_EQ(p->previous.load(), lookup(1));
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::current, true, 3)), error::ok);
    EXPECT_EQ(p->current.load(), lookup(3));
    EXPECT_EQ(p->previous.load(), lookup(2));
    EXPECT_EQ(lookup(1), nullptr);
    EXPECT_EQ(_app->deferred(), 1u);

    // A responder keypair goes to next and drops previous.
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::next, false, 4)), error::ok);
    EXPECT_EQ(p->next.load(), lookup(4));
    EXPECT_EQ(p->current.load(), lookup(3));
    EXPECT_EQ(p->previous.load(), nullptr);
    EXPECT_EQ(lookup(2), nullptr);
    // Another responder keypair replaces next.
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::next, false, 5)), error::ok);
    EXPECT_EQ(p->next.load(), lookup(5));
    EXPECT_EQ(lookup(4), nullptr);

    // An initiator keypair while next waits: next becomes previous, current is dropped.
    ASSERT_EQ(run(cmd_keypair(5, abi::key_slot::current, true, 6)), error::ok);
    EXPECT_EQ(p->current.load(), lookup(6));
    EXPECT_EQ(p->previous.load(), lookup(5));
    EXPECT_EQ(p->next.load(), nullptr);
    EXPECT_EQ(lookup(3), nullptr);
    EXPECT_EQ(g_tables->index().size(), 2u);
    _app->tick(_now);
    EXPECT_EQ(_app->deferred(), 0u);

    // Crossing handshakes: a responder's next and no current, then our own initiation's
    // keypair. next becomes previous as above (it must never be confirmed over the newer one).
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 6)), error::ok);
    peer* q = get(6);
    ASSERT_EQ(run(cmd_keypair(6, abi::key_slot::next, false, 7)), error::ok);
    ASSERT_EQ(run(cmd_keypair(6, abi::key_slot::current, true, 8)), error::ok);
    EXPECT_EQ(q->current.load(), lookup(8));
    EXPECT_EQ(q->previous.load(), lookup(7));
    EXPECT_EQ(q->next.load(), nullptr);
}

TEST_F(applier_test, retire_keypair_by_slot_and_index)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 7)), error::ok);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 8)), error::ok);
    ASSERT_EQ(run(cmd_keypair(7, abi::key_slot::current, true, 70)), error::ok);
    ASSERT_EQ(run(cmd_keypair(7, abi::key_slot::current, true, 71)), error::ok);
    ASSERT_EQ(run(cmd_keypair(7, abi::key_slot::next, false, 72)), error::ok);

    EXPECT_EQ(run(cmd_retire(9, abi::key_slot::current)), error::unknown_peer);
    EXPECT_EQ(run(cmd_retire(8, abi::key_slot::current)), error::not_found);
    EXPECT_EQ(run(cmd_retire(7, abi::key_slot::previous)), error::not_found);     // next cleared it
    EXPECT_EQ(run(cmd_retire(8, abi::key_slot::by_index, 71)), error::not_found); // not 8's
    EXPECT_EQ(run(cmd_retire(7, abi::key_slot::by_index, 999)), error::not_found);
    EXPECT_EQ(run(cmd_retire(7, abi::key_slot::current, 71)), error::bad_slot);

    ASSERT_EQ(run(cmd_retire(7, abi::key_slot::by_index, 72)), error::ok);
    EXPECT_EQ(get(7)->next.load(), nullptr);
    EXPECT_EQ(lookup(72), nullptr);
    ASSERT_EQ(run(cmd_retire(7, abi::key_slot::current)), error::ok);
    EXPECT_EQ(get(7)->current.load(), nullptr);
    EXPECT_EQ(lookup(71), nullptr);
    EXPECT_EQ(g_tables->index().size(), 0u);
    _app->tick(_now);
    EXPECT_EQ(_app->deferred(), 0u);
}

// ---------------------------------------------------------------- routes and allowed IPs

// add_peer's flags word: transit is stored in the peer slot (for cryptokey), unknown bits are
// refused before anything changes, and a reused slot starts without the old peer's flag.
TEST_F(applier_test, add_peer_transit_flag)
{
    EXPECT_EQ(run(cmd_add_peer(3, abi::peer_flag_transit)), error::ok);
    EXPECT_EQ(run(cmd_add_peer(4, 0)), error::ok);
    ASSERT_NE(get(3), nullptr);
    ASSERT_NE(get(4), nullptr);
    EXPECT_EQ(get(3)->flags, uint32_t{peer_transit});
    EXPECT_EQ(get(4)->flags, 0u);
    EXPECT_EQ(run(cmd_add_peer(5, abi::peer_flag_transit | 2u)), error::bad_reserved);
    EXPECT_EQ(run(cmd_add_peer(5, 1u << 31)), error::bad_reserved);
    EXPECT_EQ(get(5), nullptr);
    EXPECT_EQ(run(cmd_add_peer(3, 0)), error::duplicate) << "flags cannot change in place";
    EXPECT_EQ(get(3)->flags, uint32_t{peer_transit});

    ASSERT_EQ(run(cmd_peer(command_type::remove_peer, 3)), error::ok);
    ASSERT_EQ(run(cmd_add_peer(3, 0)), error::ok);
    EXPECT_EQ(get(3)->flags, 0u);
    ASSERT_EQ(run(cmd_peer(command_type::remove_peer, 4)), error::ok);
    ASSERT_EQ(run(cmd_add_peer(4, abi::peer_flag_transit)), error::ok);
    EXPECT_EQ(get(4)->flags, uint32_t{peer_transit});

    std::vector<event> rb = readback();
    ASSERT_EQ(rb.size(), 3u);
    EXPECT_EQ(rb[0].body.rb_peer.peer, 3u);
    EXPECT_EQ(rb[0].body.rb_peer.flags, 0u);
    EXPECT_EQ(rb[1].body.rb_peer.peer, 4u);
    EXPECT_EQ(rb[1].body.rb_peer.flags, abi::peer_flag_transit);
}

// Routes to next_hop_control (v4 and v6, host routes and wider) are installed, looked up,
// read back and removed like local ones, and belong to no peer.
TEST_F(applier_test, routes_to_the_control_plane)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    const auto add = command_type::add_route;
    const auto del = command_type::remove_route;
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 255, 0, 1, 32), abi::next_hop_control)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), 1)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx6(0x00ff, 128), abi::next_hop_control)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx6(0x00fe, 32), abi::next_hop_local)), error::ok);
    EXPECT_EQ(run(cmd_route(add, pfx4(10, 255, 0, 1, 32), abi::next_hop_control)),
              error::duplicate);
    EXPECT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), abi::next_hop_control - 1)),
              error::bad_peer_id);
    EXPECT_EQ(route4(10, 255, 0, 1), next_hop_control);
    EXPECT_EQ(route4(10, 255, 0, 2), 1u);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x00ff, 0), next_hop_control);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x00ff, 1), next_hop_none) << "a /128 only";
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x00fe, 1), next_hop_local);

    std::vector<event> rb = readback();
    std::vector<std::pair<uint8_t, uint32_t>> routes;
    for (const event& e : rb) {
        if (e.type == event_type::rb_route) {
            routes.emplace_back(e.body.rb_route.dst.family, e.body.rb_route.hop);
        }
    }
    const std::vector<std::pair<uint8_t, uint32_t>> want = {
        {4, 1}, {4, abi::next_hop_control}, {6, abi::next_hop_local}, {6, abi::next_hop_control}};
    EXPECT_EQ(routes, want);

    // Removing the peer keeps the control routes; a failover onto a peer and back works.
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 255, 0, 1, 32), 1)), error::ok);
    EXPECT_EQ(route4(10, 255, 0, 1), 1u);
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 255, 0, 1, 32), abi::next_hop_control)), error::ok);
    ASSERT_EQ(run(cmd_peer(command_type::remove_peer, 1)), error::ok);
    EXPECT_EQ(route4(10, 255, 0, 1), next_hop_control);
    EXPECT_EQ(route4(10, 255, 0, 2), next_hop_none);
    EXPECT_EQ(run(cmd_route(del, pfx6(0x00ff, 128), abi::next_hop_local)), error::not_found);
    ASSERT_EQ(run(cmd_route(del, pfx6(0x00ff, 128), abi::next_hop_control)), error::ok);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x00ff, 0), next_hop_none);
    EXPECT_EQ(g_tables->routes4().rules(), 1u);
}

TEST_F(applier_test, routes_v4_v6_and_local)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 2)), error::ok);
    const auto add = command_type::add_route;
    const auto del = command_type::remove_route;
    EXPECT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), 9)), error::unknown_peer);
    EXPECT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 1, 8), 1)), error::bad_prefix);
    EXPECT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), n_peers)), error::bad_peer_id);
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), 1)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 1, 0, 0, 16), abi::next_hop_local)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx4(0, 0, 0, 0, 0), 2)), error::ok);
    ASSERT_EQ(run(cmd_route(add, pfx6(0x0db8, 32), 2)), error::ok);
    EXPECT_EQ(route4(10, 9, 9, 9), 1u);
    EXPECT_EQ(route4(10, 1, 9, 9), next_hop_local);
    EXPECT_EQ(route4(192, 0, 2, 1), 2u);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x0db8, 1), 2u);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x0db9, 1), next_hop_none);

    EXPECT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), 1)), error::duplicate);
    // Another hop replaces the route in place (failover).
    ASSERT_EQ(run(cmd_route(add, pfx4(10, 0, 0, 0, 8), 2)), error::ok);
    EXPECT_EQ(route4(10, 9, 9, 9), 2u);
    EXPECT_EQ(run(cmd_route(del, pfx4(10, 0, 0, 0, 8), 1)), error::not_found); // stale hop
    EXPECT_EQ(run(cmd_route(del, pfx4(11, 0, 0, 0, 8), 1)), error::not_found);
    ASSERT_EQ(run(cmd_route(del, pfx4(10, 0, 0, 0, 8), 2)), error::ok);
    EXPECT_EQ(route4(10, 9, 9, 9), 2u); // now the default
    EXPECT_EQ(g_tables->routes4().rules(), 2u);

    // Removing peer 2 takes its routes along (the /0 and the IPv6 one), not the local one.
    ASSERT_EQ(run(cmd_peer(command_type::remove_peer, 2)), error::ok);
    EXPECT_EQ(route4(192, 0, 2, 1), next_hop_none);
    EXPECT_EQ(lookup6(g_tables->routes6(), 0x0db8, 1), next_hop_none);
    EXPECT_EQ(route4(10, 1, 9, 9), next_hop_local);
    EXPECT_EQ(g_tables->routes4().rules(), 1u);
    EXPECT_EQ(g_tables->routes6().rules(), 0u);
}

TEST_F(applier_test, allowed_ips)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 2)), error::ok);
    const auto add = command_type::add_allowed_ip;
    const auto del = command_type::remove_allowed_ip;
    EXPECT_EQ(run(cmd_allowed(add, 3, pfx4(10, 0, 1, 0, 24))), error::unknown_peer);
    EXPECT_EQ(run(cmd_allowed(add, 1, pfx4(10, 0, 1, 0, 33))), error::bad_prefix);
    ASSERT_EQ(run(cmd_allowed(add, 1, pfx4(10, 0, 1, 0, 24))), error::ok);
    ASSERT_EQ(run(cmd_allowed(add, 1, pfx6(0x0001, 48))), error::ok);
    ASSERT_EQ(run(cmd_allowed(add, 2, pfx4(10, 0, 2, 7, 32))), error::ok);
    EXPECT_EQ(run(cmd_allowed(add, 1, pfx4(10, 0, 1, 0, 24))), error::duplicate);
    EXPECT_EQ(run(cmd_allowed(add, 2, pfx4(10, 0, 1, 0, 24))), error::duplicate);
    EXPECT_EQ(g_tables->allowed4().lookup(0x0A000105), 1u);
    EXPECT_EQ(g_tables->allowed4().lookup(0x0A000207), 2u);
    EXPECT_EQ(g_tables->allowed4().lookup(0x0A000208), next_hop_none);
    EXPECT_EQ(lookup6(g_tables->allowed6(), 0x0001, 9), 1u);

    EXPECT_EQ(run(cmd_allowed(del, 2, pfx4(10, 0, 1, 0, 24))), error::not_found);
    ASSERT_EQ(run(cmd_allowed(del, 2, pfx4(10, 0, 2, 7, 32))), error::ok);
    EXPECT_EQ(g_tables->allowed4().lookup(0x0A000207), next_hop_none);
    ASSERT_EQ(run(cmd_peer(command_type::remove_peer, 1)), error::ok);
    EXPECT_EQ(g_tables->allowed4().rules(), 0u);
    EXPECT_EQ(g_tables->allowed6().rules(), 0u);
}

// ---------------------------------------------------------------- misc commands

TEST_F(applier_test, keepalive_splice_and_limits)
{
    peer_id id = no_peer;
    EXPECT_FALSE(_app->pop_keepalive(id));
    EXPECT_EQ(run(cmd_peer(command_type::send_keepalive, 4)), error::unknown_peer);
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 4)), error::ok);
    ASSERT_EQ(run(cmd_peer(command_type::send_keepalive, 4)), error::ok);
    ASSERT_TRUE(_app->pop_keepalive(id));
    EXPECT_EQ(id, 4u);
    EXPECT_FALSE(_app->pop_keepalive(id));

    command s;
    s.type = command_type::add_splice;
    s.body.splice.relay_port = 40000;
    s.body.splice.a = ep4(192, 0, 2, 1, 1);
    s.body.splice.b = ep4(192, 0, 2, 2, 2);
    EXPECT_EQ(run(s), error::unsupported);
    EXPECT_STREQ(abi::error_name(error::unsupported), "unsupported");

    ASSERT_EQ(run(cmd_limits(10, 20, 30, 40)), error::ok);
    EXPECT_EQ(_app->limits().rekey_after_messages, 10u);
    EXPECT_EQ(_app->limits().reject_after_time_ms, 40u);
}

// ---------------------------------------------------------------- readback

std::vector<command> sample_state()
{
    return {
        cmd_peer(command_type::add_peer, 1),
        cmd_add_peer(6, abi::peer_flag_transit),
        cmd_peer(command_type::add_peer, 40),
        cmd_endpoint(1, 0, ep4(192, 0, 2, 1, 51820), ep4(198, 51, 100, 7, 51820)),
        cmd_endpoint(6, 1, ep6(6, 4000)),
        cmd_keypair(1, abi::key_slot::current, true, 11, 1'000, 5),
        cmd_keypair(1, abi::key_slot::current, true, 12, 500, 9),
        cmd_keypair(6, abi::key_slot::current, false, 61, 2'000, 0),
        cmd_keypair(6, abi::key_slot::next, false, 62, 0, 0),
        cmd_route(command_type::add_route, pfx4(10, 1, 0, 0, 16), 1),
        cmd_route(command_type::add_route, pfx4(10, 6, 0, 0, 16), 6),
        cmd_route(command_type::add_route, pfx4(0, 0, 0, 0, 0), abi::next_hop_local),
        cmd_route(command_type::add_route, pfx6(0x0006, 32), 6),
        cmd_allowed(command_type::add_allowed_ip, 1, pfx4(10, 1, 0, 0, 16)),
        cmd_allowed(command_type::add_allowed_ip, 6, pfx6(0x0006, 48)),
        cmd_allowed(command_type::add_allowed_ip, 40, pfx4(172, 16, 0, 0, 12)),
    };
}

TEST_F(applier_test, readback_matches_installed_state)
{
    const std::vector<command> cmds = sample_state();
    for (const command& c : cmds) {
        ASSERT_EQ(run(c), error::ok);
    }
    _now += 250; // ages grow by 250 ms
    lookup(12)->send_counter.fetch_add(3);
    std::vector<event> rb = readback();
    ASSERT_FALSE(rb.empty());

    std::vector<event_type> types;
    for (const event& e : rb) {
        types.push_back(e.type);
    }
    // clang-format off
    const std::vector<event_type> want = {
        event_type::rb_peer, event_type::rb_keypair, event_type::rb_keypair, // peer 1
        event_type::rb_peer, event_type::rb_keypair, event_type::rb_keypair, // peer 6
        event_type::rb_peer,                                                 // peer 40
        event_type::rb_route, event_type::rb_route, event_type::rb_route,    // v4
        event_type::rb_route,                                                // v6
        event_type::rb_allowed_ip, event_type::rb_allowed_ip,                // v4
        event_type::rb_allowed_ip,                                           // v6
        event_type::readback_done,
    };
    // clang-format on
    ASSERT_EQ(types, want);

    const auto& p1 = rb[0].body.rb_peer;
    EXPECT_EQ(p1.peer, 1u);
    EXPECT_EQ(p1.port_index, 0);
    EXPECT_EQ(p1.remote, ep4(192, 0, 2, 1, 51820));
    EXPECT_EQ(p1.local, ep4(198, 51, 100, 7, 51820));
    EXPECT_EQ(std::memcmp(p1.src_mac, port0_mac, 6), 0);
    EXPECT_EQ(std::memcmp(p1.dst_mac, gw_mac, 6), 0);
    const auto& k12 = rb[1].body.rb_keypair; // current first
    EXPECT_EQ(k12.peer, 1u);
    EXPECT_EQ(k12.slot, abi::key_slot::current);
    EXPECT_EQ(k12.initiator, 1);
    EXPECT_EQ(k12.local_index, 12u);
    EXPECT_EQ(k12.remote_index, 12u ^ 0xA5A5A5A5u);
    EXPECT_EQ(k12.age_ms, 750u);
    EXPECT_EQ(k12.send_counter, 12u);
    // The keys come back as installed (cmd_keypair fills them from the index), so a restarted
    // control plane can replay them later.
    const std::vector<uint8_t> send12(32, 0x40 + 12), recv12(32, 0x80 + 12);
    EXPECT_EQ(std::vector<uint8_t>(k12.send_key, k12.send_key + 32), send12);
    EXPECT_EQ(std::vector<uint8_t>(k12.recv_key, k12.recv_key + 32), recv12);
    const auto& k11 = rb[2].body.rb_keypair;
    EXPECT_EQ(k11.slot, abi::key_slot::previous);
    EXPECT_EQ(k11.local_index, 11u);
    EXPECT_EQ(k11.age_ms, 1'250u);
    EXPECT_EQ(k11.send_counter, 5u);
    EXPECT_EQ(k11.send_key[0], 0x40 + 11);
    EXPECT_EQ(k11.recv_key[31], 0x80 + 11);
    EXPECT_EQ(p1.flags, 0u);
    EXPECT_EQ(rb[3].body.rb_peer.flags, abi::peer_flag_transit);
    EXPECT_EQ(rb[3].body.rb_peer.remote, ep6(6, 4000));
    EXPECT_EQ(rb[3].body.rb_peer.port_index, 1);
    EXPECT_EQ(rb[4].body.rb_keypair.slot, abi::key_slot::current);
    EXPECT_EQ(rb[4].body.rb_keypair.initiator, 0);
    EXPECT_EQ(rb[5].body.rb_keypair.slot, abi::key_slot::next);
    EXPECT_EQ(rb[5].body.rb_keypair.local_index, 62u);
    EXPECT_EQ(rb[6].body.rb_peer.peer, 40u);
    EXPECT_TRUE(rb[6].body.rb_peer.remote.empty());

    // Routes in (address, length) order: 0/0 local, 10.1/16 -> 1, 10.6/16 -> 6.
    EXPECT_EQ(rb[7].body.rb_route.hop, abi::next_hop_local);
    EXPECT_EQ(rb[7].body.rb_route.dst.length, 0);
    EXPECT_EQ(std::memcmp(&rb[8].body.rb_route.dst, &cmds[9].body.route.dst, sizeof(abi::prefix)),
              0);
    EXPECT_EQ(rb[8].body.rb_route.hop, 1u);
    EXPECT_EQ(rb[9].body.rb_route.hop, 6u);
    EXPECT_EQ(std::memcmp(&rb[10].body.rb_route.dst, &cmds[12].body.route.dst, sizeof(abi::prefix)),
              0);
    EXPECT_EQ(rb[11].body.rb_allowed_ip.peer, 1u);
    EXPECT_EQ(rb[12].body.rb_allowed_ip.peer, 40u);
    EXPECT_EQ(std::memcmp(&rb[12].body.rb_allowed_ip.src, &cmds[15].body.allowed_ip.src,
                          sizeof(abi::prefix)),
              0);
    EXPECT_EQ(rb[13].body.rb_allowed_ip.peer, 6u);
    const auto& done = rb[14].body.readback_done;
    EXPECT_EQ(done.seq, _seq);
    EXPECT_EQ(done.items, 14u);
    EXPECT_EQ(done.generation, _seg->header().generation.load());

    // Key bytes only where rb_keypair carries them: every key byte in the sample is 0x40.. or
    // 0x80.. repeated 32 times.
    const std::size_t keys_from = offsetof(event, body) + offsetof(abi::ev_rb_keypair, send_key);
    const std::size_t keys_to = offsetof(event, body) + sizeof(abi::ev_rb_keypair);
    for (const event& e : rb) {
        const auto* raw = reinterpret_cast<const uint8_t*>(&e);
        for (std::size_t i = 0; i + 4 <= sizeof(e); ++i) {
            if (e.type == event_type::rb_keypair && i >= keys_from && i + 4 <= keys_to) {
                continue;
            }
            bool run_of_key = raw[i] >= 0x40 && raw[i] == raw[i + 1] && raw[i] == raw[i + 2] &&
                              raw[i] == raw[i + 3];
            EXPECT_FALSE(run_of_key)
                << "key-like bytes in event type " << static_cast<int>(e.type) << " at " << i;
        }
    }
    // Bytes past the member named by type are zero.
    for (const event& e : rb) {
        std::size_t used = e.type == event_type::rb_peer         ? sizeof(abi::ev_rb_peer)
                           : e.type == event_type::rb_keypair    ? sizeof(abi::ev_rb_keypair)
                           : e.type == event_type::rb_route      ? sizeof(abi::ev_rb_route)
                           : e.type == event_type::rb_allowed_ip ? sizeof(abi::cmd_allowed_ip)
                                                                 : sizeof(abi::ev_readback_done);
        for (std::size_t i = used; i < abi::event_body_size; ++i) {
            ASSERT_EQ(e.body.raw[i], 0) << "type " << static_cast<int>(e.type);
        }
    }
}

// A control plane that replays a readback (dataplane restart) rebuilds the same state.
TEST_F(applier_test, replaying_a_readback_rebuilds_the_state)
{
    const std::vector<command> cmds = sample_state();
    for (const command& c : cmds) {
        ASSERT_EQ(run(c), error::ok);
    }
    std::vector<event> before = readback();

    // "Restart": empty the tables, then replay in readback order.
    for (uint32_t id : {1u, 6u, 40u}) {
        ASSERT_EQ(run(cmd_peer(command_type::remove_peer, id)), error::ok);
    }
    ASSERT_EQ(run(cmd_route(command_type::remove_route, pfx4(0, 0, 0, 0, 0), abi::next_hop_local)),
              error::ok);
    ASSERT_EQ(g_tables->index().size(), 0u);
    for (const event& e : before) {
        command c;
        switch (e.type) {
        case event_type::rb_peer: {
            const auto& p = e.body.rb_peer;
            ASSERT_EQ(run(cmd_add_peer(p.peer, p.flags)), error::ok);
            if (!p.remote.empty()) {
                c = cmd_endpoint(p.peer, p.port_index, p.remote, p.local, p.src_mac, p.dst_mac);
                ASSERT_EQ(run(c), error::ok);
            }
            break;
        }
        case event_type::rb_keypair: {
            const auto& k = e.body.rb_keypair;
            c = cmd_keypair(k.peer, k.slot, k.initiator != 0, k.local_index, k.age_ms,
                            k.send_counter);
            ASSERT_EQ(run(c), error::ok);
            break;
        }
        case event_type::rb_route:
            c = cmd_route(command_type::add_route, e.body.rb_route.dst, e.body.rb_route.hop);
            ASSERT_EQ(run(c), error::ok);
            break;
        case event_type::rb_allowed_ip:
            c = cmd_allowed(command_type::add_allowed_ip, e.body.rb_allowed_ip.peer,
                            e.body.rb_allowed_ip.src);
            ASSERT_EQ(run(c), error::ok);
            break;
        default:
            break;
        }
    }
    EXPECT_EQ(timeless(readback()), timeless(before));
}

// ---------------------------------------------------------------- garbage

// Mutates 1..8 random bytes of c, each to a different value; with keep_seq, never the seq (so
// that replies can still be matched to commands).
void corrupt(command& c, std::mt19937_64& rng, bool keep_seq)
{
    const command original = c;
    auto* raw = reinterpret_cast<uint8_t*>(&c);
    // Two flips of one byte may cancel out: repeat until something did change.
    // Bytes are the point here, padding-free or not.
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
    while (std::memcmp(&c, &original, sizeof(c)) == 0) {
        int n = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < n; ++i) {
            std::size_t at = rng() % sizeof(c);
            if (keep_seq && at >= offsetof(command, seq) && at < offsetof(command, body)) {
                at += 8;
            }
            raw[at] ^= static_cast<uint8_t>(1 + rng() % 255);
        }
    }
}

// A change validate() must refuse, whatever the command: the command is re-sealed after it.
void corrupt_refusably(command& c, std::mt19937_64& rng)
{
    std::size_t member = 0;
    switch (c.type) {
    case command_type::add_peer:
        member = sizeof(abi::cmd_add_peer);
        break;
    case command_type::remove_peer:
    case command_type::send_keepalive:
        member = sizeof(abi::cmd_peer);
        break;
    case command_type::set_endpoint:
        member = sizeof(abi::cmd_set_endpoint);
        break;
    case command_type::install_keypair:
        member = sizeof(abi::cmd_install_keypair);
        break;
    case command_type::retire_keypair:
        member = sizeof(abi::cmd_retire_keypair);
        break;
    case command_type::add_route:
    case command_type::remove_route:
        member = sizeof(abi::cmd_route);
        break;
    case command_type::add_allowed_ip:
    case command_type::remove_allowed_ip:
        member = sizeof(abi::cmd_allowed_ip);
        break;
    case command_type::set_limits:
        member = sizeof(abi::cmd_set_limits);
        break;
    default:
        member = 0;
        break;
    }
    switch (rng() % 4) {
    case 0:
        c.reserved = static_cast<uint16_t>(1 + rng() % 0xFFFF);
        break;
    case 1:
        c.type = rng() % 2 ? command_type::none
                           : static_cast<command_type>(static_cast<uint16_t>(command_type::count) +
                                                       rng() % 1000);
        break;
    case 2:
        c.body.raw[member + rng() % (abi::command_body_size - member)] =
            static_cast<uint8_t>(1 + rng() % 255);
        break;
    default:
        // A peer id out of range, in the field every peer-carrying member starts with (the
        // route's hop sits elsewhere: a route gets a bad family instead).
        if (c.type == command_type::add_route || c.type == command_type::remove_route) {
            c.body.route.dst.family = static_cast<uint8_t>(7 + rng() % 200);
        } else if (c.type == command_type::set_limits) {
            c.body.set_limits.punt_burst = 0;
        } else if (member == 0) {
            c.body.raw[rng() % abi::command_body_size] = static_cast<uint8_t>(1 + rng() % 255);
        } else {
            uint32_t bad = n_peers + static_cast<uint32_t>(rng() % 1'000'000);
            std::memcpy(c.body.raw, &bad, sizeof(bad));
        }
        break;
    }
}

TEST_F(applier_test, garbage_never_changes_the_tables)
{
    const std::vector<command> cmds = sample_state();
    for (const command& c : cmds) {
        ASSERT_EQ(run(c), error::ok);
    }
    const auto before = timeless(readback());
    const uint32_t idx_before = g_tables->index().size();

    // Valid commands that would all change something if they got through.
    const std::vector<command> bases = {
        cmd_peer(command_type::add_peer, 20),
        cmd_peer(command_type::remove_peer, 1),
        cmd_endpoint(6, 0, ep4(203, 0, 113, 9, 9)),
        cmd_keypair(40, abi::key_slot::current, true, 400),
        cmd_keypair(6, abi::key_slot::next, false, 401),
        cmd_retire(1, abi::key_slot::current),
        cmd_retire(6, abi::key_slot::by_index, 61),
        cmd_route(command_type::add_route, pfx4(10, 9, 0, 0, 16), 40),
        cmd_route(command_type::remove_route, pfx4(10, 1, 0, 0, 16), 1),
        cmd_route(command_type::add_route, pfx6(0x0009, 32), abi::next_hop_local),
        cmd_allowed(command_type::add_allowed_ip, 40, pfx4(10, 40, 0, 0, 16)),
        cmd_allowed(command_type::remove_allowed_ip, 6, pfx6(0x0006, 48)),
        cmd_peer(command_type::send_keepalive, 40),
        cmd_limits(1, 2, 3, 4),
    };

    uint64_t seed = test_seed();
    SCOPED_TRACE("SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    constexpr int total = 120'000;
    int sent = 0;
    uint64_t answered = 0;
    uint64_t first_seq = _seq + 1;
    std::vector<int> per_class(4, 0);
    while (sent < total) {
        int batch = std::min(total - sent, 256);
        for (int i = 0; i < batch; ++i) {
            command c;
            int kind = static_cast<int>(rng() % 4);
            ++per_class[kind];
            if (kind <= 1) { // random bytes, sealed or not
                auto* raw = reinterpret_cast<uint8_t*>(&c);
                for (std::size_t j = 0; j < sizeof(c); ++j) {
                    raw[j] = static_cast<uint8_t>(rng());
                }
                c.seq = ++_seq;
                if (kind == 1) {
                    abi::seal(c);
                }
            } else if (kind == 2) { // a valid command corrupted after sealing
                c = bases[rng() % bases.size()];
                c.seq = ++_seq;
                abi::seal(c);
                corrupt(c, rng, true);
            } else { // a valid command with a refusable change, sealed again
                c = bases[rng() % bases.size()];
                corrupt_refusably(c, rng);
                c.seq = ++_seq;
                abi::seal(c);
            }
            ASSERT_TRUE(_seg->commands().push(c));
        }
        sent += batch;
        while (_app->poll_commands(64, _now) > 0 || !_seg->commands().empty()) {
            for (const event& e : drain()) {
                ASSERT_EQ(e.type, event_type::reply);
                ASSERT_NE(e.body.reply.code, error::ok)
                    << "command " << static_cast<int>(e.body.reply.command) << " accepted";
                ASSERT_EQ(e.body.reply.seq, first_seq + answered) << "replies out of order";
                ++answered;
            }
        }
        for (const event& e : drain()) {
            ASSERT_EQ(e.type, event_type::reply);
            ASSERT_NE(e.body.reply.code, error::ok);
            ASSERT_EQ(e.body.reply.seq, first_seq + answered);
            ++answered;
        }
    }
    EXPECT_EQ(answered, static_cast<uint64_t>(total));
    for (int k = 0; k < 4; ++k) {
        EXPECT_GT(per_class[k], total / 5) << "class " << k;
    }
    EXPECT_EQ(g_tables->index().size(), idx_before);
    peer_id id;
    EXPECT_FALSE(_app->pop_keepalive(id));
    EXPECT_EQ(timeless(readback()), before);
}

// Re-sealed random mutations may be valid commands: no crash, every one answered, and the
// tables stay consistent with what readback reports.
TEST_F(applier_test, resealed_mutations_keep_tables_consistent)
{
    const std::vector<command> cmds = sample_state();
    for (const command& c : cmds) {
        ASSERT_EQ(run(c), error::ok);
    }
    uint64_t seed = test_seed();
    SCOPED_TRACE("SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    uint64_t accepted = 0;
    for (int round = 0; round < 40; ++round) {
        for (int i = 0; i < 500; ++i) {
            command c = cmds[rng() % cmds.size()];
            if (rng() % 3 == 0) {
                c.type = static_cast<command_type>(1 + rng() % 13);
            }
            corrupt(c, rng, false);
            c.seq = ++_seq;
            abi::seal(c);
            ASSERT_TRUE(_seg->commands().push(c));
        }
        uint64_t answered = 0;
        while (answered < 500) {
            _app->poll_commands(64, _now);
            _now += 7;
            for (const event& e : drain()) {
                if (e.type == event_type::reply) {
                    ++answered;
                    accepted += e.body.reply.code == error::ok ? 1 : 0;
                }
            }
        }
        _app->tick(_now);
        peer_id id;
        while (_app->pop_keepalive(id)) {
            ASSERT_NE(get(id), nullptr);
        }
        // Consistency: every slot's keypair is indexed and owned by its peer, and readback
        // counts match the tables.
        uint32_t keypairs = 0;
        uint32_t peers = 0;
        for (uint32_t p = 0; p < n_peers; ++p) {
            const peer* pp = get(p);
            if (pp == nullptr) {
                continue;
            }
            ++peers;
            for (keypair* kp : {pp->current.load(), pp->previous.load(), pp->next.load()}) {
                if (kp != nullptr) {
                    ++keypairs;
                    ASSERT_EQ(kp->peer, p);
                    ASSERT_EQ(lookup(kp->local_index), kp);
                }
            }
        }
        ASSERT_EQ(peers, g_tables->peers().active_count());
        ASSERT_EQ(keypairs, g_tables->index().size());
        std::vector<event> rb = readback();
        uint32_t n_rb = 0;
        for (const event& e : rb) {
            n_rb += e.type == event_type::rb_route || e.type == event_type::rb_allowed_ip;
            if (e.type == event_type::rb_route && e.body.rb_route.hop != abi::next_hop_local) {
                ASSERT_NE(get(e.body.rb_route.hop), nullptr) << "route to a removed peer";
            }
            if (e.type == event_type::rb_allowed_ip) {
                ASSERT_NE(get(e.body.rb_allowed_ip.peer), nullptr) << "allowed IP, no peer";
            }
        }
        ASSERT_EQ(n_rb, g_tables->routes4().rules() + g_tables->routes6().rules() +
                            g_tables->allowed4().rules() + g_tables->allowed6().rules());
    }
    EXPECT_GT(accepted, 0u);
    RecordProperty("accepted", static_cast<int>(accepted));
}

// ---------------------------------------------------------------- worker events

TEST_F(applier_test, roaming_updates_the_path)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 3)), error::ok);
    const uint8_t src[6] = {0x02, 1, 1, 1, 1, 1};
    const uint8_t dst[6] = {0x02, 2, 2, 2, 2, 2};
    ASSERT_EQ(
        run(cmd_endpoint(3, 0, ep4(192, 0, 2, 1, 51820), ep4(198, 51, 100, 7, 51820), src, dst)),
        error::ok);
    const path* old = get(3)->route_path.load();

    dp_event e{};
    e.type = dp_event::endpoint_roamed;
    e.peer = 3;
    e.port_index = 0;
    e.remote = ep4(192, 0, 2, 99, 40000);
    _app->on_worker_event(1, e);
    const path* p = get(3)->route_path.load();
    ASSERT_NE(p, old);
    EXPECT_EQ(p->remote, ep4(192, 0, 2, 99, 40000));
    EXPECT_EQ(p->local, ep4(198, 51, 100, 7, 51820)); // same port: source kept
    EXPECT_EQ(std::memcmp(p->src_mac, src, 6), 0);
    EXPECT_EQ(std::memcmp(p->dst_mac, dst, 6), 0);
    std::vector<event> evs = drain();
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].type, event_type::endpoint_roamed);
    EXPECT_EQ(evs[0].worker, 1);
    EXPECT_EQ(evs[0].body.endpoint_roamed.peer, 3u);
    EXPECT_EQ(evs[0].body.endpoint_roamed.remote, e.remote);
    EXPECT_GT(evs[0].time_ns, 0u);

    // Workers repeat the event until they see the new path: repeats change and forward nothing.
    _app->on_worker_event(2, e);
    EXPECT_EQ(get(3)->route_path.load(), p);
    EXPECT_TRUE(drain().empty());

    // Roaming to IPv6 drops the IPv4 source address.
    e.remote = ep6(3, 40000);
    _app->on_worker_event(1, e);
    EXPECT_TRUE(get(3)->route_path.load()->local.empty());

    // A peer with no endpoint learns it from its first packet, with the port's MACs.
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 4)), error::ok);
    e.peer = 4;
    _app->on_worker_event(0, e);
    p = get(4)->route_path.load();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->remote, ep6(3, 40000));
    EXPECT_EQ(std::memcmp(p->src_mac, port0_mac, 6), 0);
    EXPECT_EQ(std::memcmp(p->dst_mac, gw_mac, 6), 0);

    // Nonsense from a worker is refused: bad port, bad endpoint, unknown peer.
    drain();
    e.port_index = 2;
    _app->on_worker_event(0, e);
    e.port_index = 0;
    e.remote = ep4(0, 0, 0, 0, 1);
    _app->on_worker_event(0, e);
    e.remote = ep4(192, 0, 2, 5, 1);
    e.peer = 9;
    _app->on_worker_event(0, e);
    EXPECT_EQ(_app->stats().worker_events_bad, 3u);
    EXPECT_TRUE(drain().empty());
    EXPECT_EQ(get(4)->route_path.load(), p);
}

TEST_F(applier_test, confirm_promotes_next)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 2)), error::ok);
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::current, true, 20)), error::ok);
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::previous, true, 19)), error::ok);
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::next, false, 21)), error::ok);
    peer* p = get(2);
    // WireGuard dropped previous when the responder keypair arrived; put one back to see it go.
    ASSERT_EQ(run(cmd_keypair(2, abi::key_slot::previous, true, 18)), error::ok);
    keypair* k20 = lookup(20);
    keypair* k21 = lookup(21);
    drain();

    dp_event e{};
    e.type = dp_event::keypair_confirmed;
    e.peer = 2;
    e.local_index = 999; // not the one in next: stale, ignored
    _app->on_worker_event(0, e);
    EXPECT_EQ(p->next.load(), k21);
    EXPECT_TRUE(drain().empty());

    e.local_index = 21;
    _app->on_worker_event(1, e);
    EXPECT_EQ(p->current.load(), k21);
    EXPECT_EQ(p->previous.load(), k20);
    EXPECT_EQ(p->next.load(), nullptr);
    EXPECT_EQ(lookup(18), nullptr); // the old previous is retired
    std::vector<event> evs = drain();
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].type, event_type::keypair_confirmed);
    EXPECT_EQ(evs[0].worker, 1);
    EXPECT_EQ(evs[0].body.keypair_ref.peer, 2u);
    EXPECT_EQ(evs[0].body.keypair_ref.local_index, 21u);

    // A second confirm of the same keypair changes nothing.
    _app->on_worker_event(1, e);
    EXPECT_EQ(p->current.load(), k21);
    EXPECT_EQ(p->previous.load(), k20);
    EXPECT_TRUE(drain().empty());

    // rekey_needed is forwarded; keypair_expired retires and is forwarded.
    e.type = dp_event::rekey_needed;
    _app->on_worker_event(0, e);
    e.type = dp_event::keypair_expired;
    e.local_index = 20;
    _app->on_worker_event(0, e); // the flag is not set: not the keypair the worker saw
    EXPECT_EQ(p->previous.load(), k20);
    drain();
    e.type = dp_event::rekey_needed;
    _app->on_worker_event(0, e);
    e.type = dp_event::keypair_expired;
    k20->expired_signalled.store(1); // as the worker does before raising
    _app->on_worker_event(0, e);
    EXPECT_EQ(p->previous.load(), nullptr);
    EXPECT_EQ(lookup(20), nullptr);
    evs = drain();
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_EQ(evs[0].type, event_type::rekey_needed);
    EXPECT_EQ(evs[1].type, event_type::keypair_expired);
    EXPECT_EQ(evs[1].body.keypair_ref.local_index, 20u);
}

// ---------------------------------------------------------------- housekeeping

TEST_F(applier_test, tick_retires_expired_keypairs)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    ASSERT_EQ(run(cmd_keypair(1, abi::key_slot::current, true, 10, 100'000)), error::ok);
    ASSERT_EQ(run(cmd_keypair(1, abi::key_slot::next, false, 11, 0)), error::ok);
    drain();
    uint64_t hb = _seg->header().dp_heartbeat_ns.load();
    _app->tick(t0 + 80'000 - 1); // keypair 10 was born at t0 - 100 s
    EXPECT_NE(lookup(10), nullptr);
    EXPECT_GT(_seg->header().dp_heartbeat_ns.load(), hb);
    EXPECT_TRUE(drain().empty());

    _app->tick(t0 + 80'000);
    EXPECT_EQ(lookup(10), nullptr);
    EXPECT_EQ(get(1)->current.load(), nullptr);
    EXPECT_NE(lookup(11), nullptr);
    std::vector<event> evs = drain();
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].type, event_type::keypair_expired);
    EXPECT_EQ(evs[0].worker, UINT16_MAX);
    EXPECT_EQ(evs[0].body.keypair_ref.local_index, 10u);
    EXPECT_EQ(_app->stats().keypairs_expired, 1u);
    EXPECT_EQ(_app->deferred(), 0u);

    // A worker that already raised the expiry is not doubled by the applier.
    lookup(11)->expired_signalled.store(1);
    _app->tick(t0 + reject_ms);
    EXPECT_EQ(lookup(11), nullptr);
    EXPECT_TRUE(drain().empty());
    EXPECT_EQ(_app->stats().keypairs_expired, 2u);
}

TEST_F(applier_test, stuck_reader_delays_frees_and_keys_are_wiped)
{
    ASSERT_EQ(g_tables->register_reader(0), 0); // online, never quiescent
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    ASSERT_EQ(run(cmd_endpoint(1, 1, ep4(192, 0, 2, 1, 1))), error::ok);
    ASSERT_EQ(run(cmd_keypair(1, abi::key_slot::current, true, 10)), error::ok);
    keypair* kp = lookup(10);
    ASSERT_EQ(run(cmd_endpoint(1, 1, ep4(192, 0, 2, 2, 1))), error::ok);
    _app->tick(t0 + reject_ms); // retires the keypair, but the reader may still hold it
    EXPECT_EQ(lookup(10), nullptr);
    EXPECT_EQ(_app->deferred(), 2u);
    EXPECT_EQ(kp->send_key[0], 0x40 + 10); // still readable: not freed
    _app->tick(t0 + 3 * reject_ms - 1);
    EXPECT_EQ(_app->stats().keypairs_wiped, 0u);
    _app->tick(t0 + 3 * reject_ms);
    EXPECT_EQ(_app->stats().keypairs_wiped, 1u);
    const uint8_t zero[32] = {};
    EXPECT_EQ(std::memcmp(kp->send_key, zero, 32), 0);
    EXPECT_EQ(std::memcmp(kp->recv_key, zero, 32), 0);
    EXPECT_EQ(_app->deferred(), 2u);

    g_tables->quiescent(0);
    _app->tick(t0 + 3 * reject_ms);
    EXPECT_EQ(_app->deferred(), 0u);
    ASSERT_EQ(g_tables->unregister_reader(0), 0);
    _now = t0 + 3 * reject_ms;
}

TEST_F(applier_test, full_event_ring_holds_commands_back)
{
    ASSERT_EQ(run(cmd_peer(command_type::add_peer, 1)), error::ok);
    dp_event e{};
    e.type = dp_event::rekey_needed;
    e.peer = 1;
    const int n = static_cast<int>(abi::event_ring_capacity) + 100;
    for (int i = 0; i < n; ++i) {
        e.local_index = static_cast<uint32_t>(i);
        _app->on_worker_event(0, e);
    }
    EXPECT_EQ(_app->backlog(), 100u);
    command c = cmd_peer(command_type::add_peer, 2);
    c.seq = ++_seq;
    abi::seal(c);
    ASSERT_TRUE(_seg->commands().push(c));
    EXPECT_EQ(_app->poll_commands(16, _now), 0u); // no room for its reply: it waits
    EXPECT_EQ(get(2), nullptr);

    // The control plane reads: events come out in order, then the reply.
    std::vector<event> all;
    for (int round = 0; round < 10 && (all.empty() || all.back().type != event_type::reply);
         ++round) {
        auto evs = drain();
        all.insert(all.end(), evs.begin(), evs.end());
        _app->poll_commands(16, _now);
    }
    auto evs = drain();
    all.insert(all.end(), evs.begin(), evs.end());
    ASSERT_EQ(all.size(), static_cast<std::size_t>(n + 1));
    for (int i = 0; i < n; ++i) {
        ASSERT_EQ(all[i].type, event_type::rekey_needed);
        ASSERT_EQ(all[i].body.keypair_ref.local_index, static_cast<uint32_t>(i));
    }
    EXPECT_EQ(all[n].type, event_type::reply);
    EXPECT_EQ(all[n].body.reply.code, error::ok);
    EXPECT_NE(get(2), nullptr);
    EXPECT_EQ(_app->backlog(), 0u);

    // With nobody reading, asynchronous events beyond the backlog are dropped and counted.
    applier_config cfg;
    cfg.max_peers = n_peers;
    cfg.n_ports = 2;
    cfg.tsc_hz = hz;
    cfg.async_backlog = 10;
    make_applier(&cfg);
    for (int i = 0; i < n; ++i) {
        _app->on_worker_event(0, e);
    }
    EXPECT_EQ(_app->backlog(), 10u);
    EXPECT_EQ(_app->stats().events_dropped, 90u);
    drain();
    _app->tick(_now);
    EXPECT_EQ(_app->backlog(), 0u);
}

} // namespace
} // namespace edgerelay::dp
