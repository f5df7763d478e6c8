// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Tests for command/packet validation: valid commands, single-field violations, random garbage.
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/abi/records.hh"
#include "common/abi/validate.hh"

namespace edgerelay::abi {
namespace {

limits test_limits()
{
    limits l;
    l.max_peers = 1000;
    l.max_ports = 4;
    return l;
}

wire::endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    return wire::endpoint::ipv4(a, b, c, d, port);
}

wire::endpoint ep6(uint8_t first, uint8_t last, uint16_t port)
{
    wire::endpoint e;
    e.family = 6;
    e.port = port;
    e.addr[0] = first;
    e.addr[15] = last;
    return e;
}

command make(command_type t)
{
    command c;
    c.type = t;
    c.seq = 77;
    switch (t) {
    case command_type::add_peer:
    case command_type::remove_peer:
    case command_type::send_keepalive:
        c.body.peer.peer = 999;
        break;
    case command_type::set_endpoint: {
        auto& b = c.body.set_endpoint;
        b.peer = 5;
        b.port_index = 3;
        b.remote = ep4(198, 51, 100, 7, 51820);
        b.local = ep4(192, 0, 2, 1, 51820);
        const uint8_t src[6] = {0x02, 0, 0, 0, 0, 1}, dst[6] = {0x02, 0, 0, 0, 0, 2};
        std::memcpy(b.src_mac, src, 6);
        std::memcpy(b.dst_mac, dst, 6);
        break;
    }
    case command_type::install_keypair: {
        auto& b = c.body.install_keypair;
        b.peer = 5;
        b.slot = key_slot::next;
        b.initiator = 1;
        b.local_index = 0x11223344;
        b.remote_index = 0x55667788;
        std::memset(b.send_key, 0xA5, 32);
        std::memset(b.recv_key, 0x5A, 32);
        b.age_ms = 1000;
        b.send_counter = 12345;
        break;
    }
    case command_type::retire_keypair:
        c.body.retire_keypair.peer = 5;
        c.body.retire_keypair.slot = key_slot::previous;
        break;
    case command_type::add_route:
    case command_type::remove_route: {
        auto& b = c.body.route;
        b.dst.family = 6;
        b.dst.length = 48;
        b.dst.addr[0] = 0x20;
        b.dst.addr[1] = 0x01;
        b.dst.addr[2] = 0x0d;
        b.dst.addr[3] = 0xb8;
        b.dst.addr[5] = 0x01;
        b.hop = next_hop_local;
        break;
    }
    case command_type::add_allowed_ip:
    case command_type::remove_allowed_ip: {
        auto& b = c.body.allowed_ip;
        b.peer = 0;
        b.src.family = 4;
        b.src.length = 24;
        b.src.addr[0] = 10;
        b.src.addr[1] = 1;
        b.src.addr[2] = 2;
        break;
    }
    case command_type::add_splice:
    case command_type::remove_splice: {
        auto& b = c.body.splice;
        b.relay_port = 40000;
        b.port_index = 0;
        b.a = ep4(203, 0, 113, 9, 1234);
        b.b = ep6(0x20, 0x42, 51820);
        break;
    }
    case command_type::set_limits: {
        auto& b = c.body.set_limits;
        b.punt_rate_pps = 1000;
        b.punt_burst = 64;
        b.rekey_after_messages = 1ull << 60;
        b.reject_after_messages = UINT64_MAX - (1ull << 13);
        b.rekey_after_time_ms = 120'000;
        b.reject_after_time_ms = 180'000;
        break;
    }
    case command_type::readback:
    case command_type::none:
    case command_type::count:
        break;
    }
    seal(c);
    return c;
}

std::vector<command_type> all_types()
{
    std::vector<command_type> v;
    for (uint16_t t = 1; t < static_cast<uint16_t>(command_type::count); ++t) {
        v.push_back(static_cast<command_type>(t));
    }
    return v;
}

TEST(validate, every_valid_command_type_accepted)
{
    const limits lim = test_limits();
    for (command_type t : all_types()) {
        command c = make(t);
        EXPECT_EQ(validate(c, lim), error::ok) << "type " << static_cast<int>(t);
    }
    // Variants: IPv6 endpoints with an empty local, retire by index, routes to a peer, /0 and /32.
    command c = make(command_type::set_endpoint);
    c.body.set_endpoint.remote = ep6(0x20, 1, 443);
    c.body.set_endpoint.local = wire::endpoint{};
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
    c = make(command_type::retire_keypair);
    c.body.retire_keypair.slot = key_slot::by_index;
    c.body.retire_keypair.local_index = 0xDEADBEEF;
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
    c = make(command_type::add_route);
    c.body.route.hop = 999;
    c.body.route.dst = prefix{};
    c.body.route.dst.family = 4;
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
    c.body.route.dst.length = 32;
    std::memset(c.body.route.dst.addr, 0xFF, 4);
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
}

struct violation {
    const char* what;
    command_type type;
    std::function<void(command&)> mutate;
    error expected;
    bool reseal = true;
};

TEST(validate, each_single_field_violation_has_its_error)
{
    const limits lim = test_limits();
    const std::vector<violation> cases = {
        {"crc not updated", command_type::add_peer, [](command& c) { c.body.peer.peer = 1; },
            error::bad_crc, false},
        {"crc field flipped", command_type::readback, [](command& c) { c.crc ^= 1; },
            error::bad_crc, false},
        {"type none", command_type::add_peer,
            [](command& c) { c.type = command_type::none; }, error::unknown_type},
        {"type count", command_type::add_peer,
            [](command& c) { c.type = command_type::count; }, error::unknown_type},
        {"type 0xFFFF", command_type::add_peer,
            [](command& c) { c.type = static_cast<command_type>(0xFFFF); }, error::unknown_type},
        {"header reserved", command_type::add_peer, [](command& c) { c.reserved = 1; },
            error::bad_reserved},
        {"peer id = max_peers", command_type::add_peer,
            [](command& c) { c.body.peer.peer = 1000; }, error::bad_peer_id},
        {"peer id no_peer", command_type::send_keepalive,
            [](command& c) { c.body.peer.peer = no_peer; }, error::bad_peer_id},
        {"peer body tail", command_type::remove_peer, [](command& c) { c.body.raw[4] = 1; },
            error::bad_reserved},
        {"add_peer unknown flag", command_type::add_peer,
            [](command& c) { c.body.add_peer.flags = peer_flag_transit | (1u << 1); },
            error::bad_reserved},
        {"add_peer top flag bit", command_type::add_peer,
            [](command& c) { c.body.add_peer.flags = 1u << 31; }, error::bad_reserved},
        {"add_peer body tail", command_type::add_peer, [](command& c) { c.body.raw[8] = 1; },
            error::bad_reserved},
        {"keepalive flags word", command_type::send_keepalive,
            [](command& c) { c.body.raw[4] = 1; }, error::bad_reserved},
        {"last body byte", command_type::add_peer,
            [](command& c) { c.body.raw[command_body_size - 1] = 0x80; }, error::bad_reserved},
        {"readback body", command_type::readback, [](command& c) { c.body.raw[0] = 1; },
            error::bad_reserved},
        {"set_endpoint peer", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.peer = 5000; }, error::bad_peer_id},
        {"set_endpoint port", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.port_index = 4; }, error::bad_port},
        {"set_endpoint reserved", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.reserved = 1; }, error::bad_reserved},
        {"remote family 5", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.remote.family = 5; }, error::bad_endpoint},
        {"remote port 0", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.remote.port = 0; }, error::bad_endpoint},
        {"remote 0.0.0.0", command_type::set_endpoint,
            [](command& c) { std::memset(c.body.set_endpoint.remote.addr, 0, 4); },
            error::bad_endpoint},
        {"remote multicast", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.remote.addr[0] = 239; }, error::bad_endpoint},
        {"remote broadcast", command_type::set_endpoint,
            [](command& c) { std::memset(c.body.set_endpoint.remote.addr, 255, 4); },
            error::bad_endpoint},
        {"remote v4 garbage in addr[4]", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.remote.addr[4] = 1; }, error::bad_endpoint},
        {"remote endpoint reserved", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.remote.reserved = 1; }, error::bad_endpoint},
        {"local family differs", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.local = ep6(0x20, 1, 51820); },
            error::bad_endpoint},
        {"local port 0", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.local.port = 0; }, error::bad_endpoint},
        {"src mac multicast", command_type::set_endpoint,
            [](command& c) { c.body.set_endpoint.src_mac[0] = 0x01; }, error::bad_endpoint},
        {"keypair peer", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.peer = 1000; }, error::bad_peer_id},
        {"keypair slot 3", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.slot = key_slot::count; }, error::bad_slot},
        {"keypair slot by_index", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.slot = key_slot::by_index; },
            error::bad_slot},
        {"keypair initiator 2", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.initiator = 2; }, error::bad_key},
        {"send key zero", command_type::install_keypair,
            [](command& c) { std::memset(c.body.install_keypair.send_key, 0, 32); },
            error::bad_key},
        {"recv key zero", command_type::install_keypair,
            [](command& c) { std::memset(c.body.install_keypair.recv_key, 0, 32); },
            error::bad_key},
        {"keypair reserved", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.reserved = 0x100; }, error::bad_reserved},
        {"keypair too old", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.age_ms = 180'000; }, error::expired},
        {"keypair counter exhausted", command_type::install_keypair,
            [](command& c) { c.body.install_keypair.send_counter = UINT64_MAX - (1ull << 13); },
            error::expired},
        {"keypair tail", command_type::install_keypair,
            [](command& c) { c.body.raw[96] = 1; }, error::bad_reserved},
        {"retire peer", command_type::retire_keypair,
            [](command& c) { c.body.retire_keypair.peer = 1000; }, error::bad_peer_id},
        {"retire slot 7", command_type::retire_keypair,
            [](command& c) { c.body.retire_keypair.slot = static_cast<key_slot>(7); },
            error::bad_slot},
        {"retire slot with index", command_type::retire_keypair,
            [](command& c) { c.body.retire_keypair.local_index = 9; }, error::bad_slot},
        {"retire reserved", command_type::retire_keypair,
            [](command& c) { c.body.retire_keypair.reserved[2] = 1; }, error::bad_reserved},
        {"route family 5", command_type::add_route,
            [](command& c) { c.body.route.dst.family = 5; }, error::bad_family},
        {"route family 0", command_type::remove_route,
            [](command& c) { c.body.route.dst.family = 0; }, error::bad_family},
        {"route v6 length 129", command_type::add_route,
            [](command& c) { c.body.route.dst.length = 129; }, error::bad_prefix},
        {"route host bit", command_type::add_route,
            [](command& c) { c.body.route.dst.addr[6] = 0x01; }, error::bad_prefix},
        {"route host bit in last byte", command_type::add_route,
            [](command& c) { c.body.route.dst.addr[15] = 0x80; }, error::bad_prefix},
        {"route prefix reserved", command_type::add_route,
            [](command& c) { c.body.route.dst.reserved = 1; }, error::bad_reserved},
        {"route next hop out of range", command_type::add_route,
            [](command& c) { c.body.route.hop = 1000; }, error::bad_peer_id},
        {"route next hop none", command_type::add_route,
            [](command& c) { c.body.route.hop = 0x00FFFFFF; }, error::bad_peer_id},
        {"route tail", command_type::add_route, [](command& c) { c.body.raw[24] = 1; },
            error::bad_reserved},
        {"allowed peer", command_type::add_allowed_ip,
            [](command& c) { c.body.allowed_ip.peer = 1000; }, error::bad_peer_id},
        {"allowed v4 length 33", command_type::add_allowed_ip,
            [](command& c) { c.body.allowed_ip.src.length = 33; }, error::bad_prefix},
        {"allowed v4 host bit", command_type::remove_allowed_ip,
            [](command& c) { c.body.allowed_ip.src.addr[3] = 1; }, error::bad_prefix},
        {"allowed v4 byte 4 set", command_type::add_allowed_ip,
            [](command& c) { c.body.allowed_ip.src.addr[4] = 0x80; }, error::bad_prefix},
        {"allowed v4 partial byte host bit", command_type::add_allowed_ip,
            [](command& c) {
                c.body.allowed_ip.src.length = 20;
                c.body.allowed_ip.src.addr[2] = 0x08;
            },
            error::bad_prefix},
        {"splice port index", command_type::add_splice,
            [](command& c) { c.body.splice.port_index = 9; }, error::bad_port},
        {"splice relay port 0", command_type::add_splice,
            [](command& c) { c.body.splice.relay_port = 0; }, error::bad_endpoint},
        {"splice a == b", command_type::remove_splice,
            [](command& c) { c.body.splice.b = c.body.splice.a; }, error::bad_endpoint},
        {"splice b empty", command_type::add_splice,
            [](command& c) { c.body.splice.b = wire::endpoint{}; }, error::bad_endpoint},
        {"splice b v6 multicast", command_type::add_splice,
            [](command& c) { c.body.splice.b.addr[0] = 0xFF; }, error::bad_endpoint},
        {"splice tail", command_type::add_splice, [](command& c) { c.body.raw[44] = 1; },
            error::bad_reserved},
        {"limits rate 0", command_type::set_limits,
            [](command& c) { c.body.set_limits.punt_rate_pps = 0; }, error::bad_limits},
        {"limits burst 0", command_type::set_limits,
            [](command& c) { c.body.set_limits.punt_burst = 0; }, error::bad_limits},
        {"limits reject < rekey messages", command_type::set_limits,
            [](command& c) { c.body.set_limits.reject_after_messages = 1; }, error::bad_limits},
        {"limits reject < rekey time", command_type::set_limits,
            [](command& c) { c.body.set_limits.reject_after_time_ms = 1; }, error::bad_limits},
        {"limits tail", command_type::set_limits, [](command& c) { c.body.raw[32] = 1; },
            error::bad_reserved},
    };
    for (const auto& v : cases) {
        command c = make(v.type);
        ASSERT_EQ(validate(c, lim), error::ok) << v.what << ": base command not valid";
        v.mutate(c);
        if (v.reseal) {
            seal(c);
        }
        EXPECT_EQ(validate(c, lim), v.expected)
            << v.what << ": got " << error_name(validate(c, lim)) << ", want "
            << error_name(v.expected);
    }
}

TEST(validate, random_garbage_never_accepted)
{
    const limits lim = test_limits();
    std::mt19937_64 rng(12345);
    uint64_t accepted = 0;
    // Random bytes: the CRC alone refuses them (2^-32 chance each), the structure catches more.
    for (int i = 0; i < 100'000; ++i) {
        command c;
        auto* b = reinterpret_cast<uint8_t*>(&c);
        for (size_t k = 0; k < sizeof(c); k += 8) {
            uint64_t r = rng();
            std::memcpy(b + k, &r, 8);
        }
        accepted += validate(c, lim) == error::ok;
    }
    // Valid commands with one random byte changed (never to its old value): a CRC32 detects
    // every error burst of up to 32 bits, so each one must be refused.
    const auto types = all_types();
    for (int i = 0; i < 100'000; ++i) {
        command c = make(types[rng() % types.size()]);
        auto* b = reinterpret_cast<uint8_t*>(&c);
        size_t pos = rng() % sizeof(c);
        b[pos] = static_cast<uint8_t>(b[pos] ^ (1 + rng() % 255));
        accepted += validate(c, lim) == error::ok;
    }
    EXPECT_EQ(accepted, 0u);
}

// Resealed garbage in the body: the validator must agree with a slow, obviously correct model on
// whether the command is acceptable (the model does not try to pick the same error).
bool model_endpoint_ok(const wire::endpoint& e)
{
    if (e.reserved != 0 || e.port == 0) {
        return false;
    }
    if (e.family == 4) {
        for (int i = 4; i < 16; ++i) {
            if (e.addr[i] != 0) {
                return false;
            }
        }
        uint32_t a = (uint32_t{e.addr[0]} << 24) | (e.addr[1] << 16) | (e.addr[2] << 8) | e.addr[3];
        return a != 0 && a != 0xFFFFFFFF && (a >> 28) != 0xE;
    }
    if (e.family == 6) {
        bool any = false;
        for (int i = 0; i < 16; ++i) {
            any |= e.addr[i] != 0;
        }
        return any && e.addr[0] != 0xFF;
    }
    return false;
}

bool model_prefix_ok(const prefix& p)
{
    if (p.reserved != 0 || (p.family != 4 && p.family != 6)) {
        return false;
    }
    unsigned bits = p.family == 4 ? 32 : 128;
    if (p.length > bits) {
        return false;
    }
    for (unsigned bit = p.length; bit < 128; ++bit) {
        if (p.addr[bit / 8] & (0x80 >> (bit % 8))) {
            return false;
        }
    }
    return true;
}

bool zero_from(const command& c, size_t from)
{
    for (size_t i = from; i < command_body_size; ++i) {
        if (c.body.raw[i] != 0) {
            return false;
        }
    }
    return true;
}

bool model_ok(const command& c, const limits& lim)
{
    if (c.reserved != 0) {
        return false;
    }
    auto peer_ok = [&](uint32_t p) { return p < lim.max_peers; };
    const auto& body = c.body;
    switch (c.type) {
    case command_type::add_peer:
        return zero_from(c, 8) && peer_ok(body.add_peer.peer) &&
            (body.add_peer.flags & ~peer_flag_transit) == 0;
    case command_type::remove_peer:
    case command_type::send_keepalive:
        return zero_from(c, 4) && peer_ok(body.peer.peer);
    case command_type::set_endpoint: {
        const auto& b = body.set_endpoint;
        wire::endpoint none{};
        bool local_empty = std::memcmp(&b.local, &none, sizeof(none)) == 0;
        return zero_from(c, 60) && b.reserved == 0 && peer_ok(b.peer) && b.port_index < lim.max_ports &&
            model_endpoint_ok(b.remote) &&
            (local_empty || (model_endpoint_ok(b.local) && b.local.family == b.remote.family)) &&
            (b.src_mac[0] & 1) == 0;
    }
    case command_type::install_keypair: {
        const auto& b = body.install_keypair;
        auto nonzero = [](const uint8_t* k) {
            for (int i = 0; i < 32; ++i) {
                if (k[i]) {
                    return true;
                }
            }
            return false;
        };
        return zero_from(c, 96) && b.reserved == 0 && peer_ok(b.peer) &&
            static_cast<unsigned>(b.slot) <= 2 && b.initiator <= 1 && nonzero(b.send_key) &&
            nonzero(b.recv_key) && b.age_ms < lim.reject_after_time_ms &&
            b.send_counter < lim.reject_after_messages;
    }
    case command_type::retire_keypair: {
        const auto& b = body.retire_keypair;
        bool slot_ok = b.slot == key_slot::by_index ||
            (static_cast<unsigned>(b.slot) <= 2 && b.local_index == 0);
        return zero_from(c, 12) && b.reserved[0] == 0 && b.reserved[1] == 0 && b.reserved[2] == 0 &&
            peer_ok(b.peer) && slot_ok;
    }
    case command_type::add_route:
    case command_type::remove_route:
        return zero_from(c, 24) && model_prefix_ok(body.route.dst) &&
            (body.route.hop == next_hop_local || body.route.hop == next_hop_control ||
             peer_ok(body.route.hop));
    case command_type::add_allowed_ip:
    case command_type::remove_allowed_ip:
        return zero_from(c, 24) && peer_ok(body.allowed_ip.peer) &&
            model_prefix_ok(body.allowed_ip.src);
    case command_type::add_splice:
    case command_type::remove_splice: {
        const auto& b = body.splice;
        return zero_from(c, 44) && b.relay_port != 0 && b.port_index < lim.max_ports &&
            model_endpoint_ok(b.a) && model_endpoint_ok(b.b) && !(b.a == b.b);
    }
    case command_type::set_limits: {
        const auto& b = body.set_limits;
        return zero_from(c, 32) && b.punt_rate_pps && b.punt_burst && b.rekey_after_messages &&
            b.rekey_after_time_ms && b.reject_after_messages >= b.rekey_after_messages &&
            b.reject_after_time_ms >= b.rekey_after_time_ms;
    }
    case command_type::readback:
        return zero_from(c, 0);
    default:
        return false;
    }
}

TEST(validate, resealed_mutations_agree_with_model)
{
    const limits lim = test_limits();
    std::mt19937_64 rng(99);
    const auto types = all_types();
    uint64_t ok = 0, refused = 0;
    for (int i = 0; i < 100'000; ++i) {
        command c = make(types[rng() % types.size()]);
        auto* b = reinterpret_cast<uint8_t*>(&c);
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            // Mostly the header's type/reserved and the body; sometimes a small value, so that
            // boundaries (0, 1, limits) are hit and not only large random bytes.
            size_t pos = rng() % 4 == 0 ? rng() % 4 : 16 + rng() % command_body_size;
            b[pos] = rng() % 2 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(rng() % 4);
        }
        seal(c);
        bool got = validate(c, lim) == error::ok;
        ASSERT_EQ(got, model_ok(c, lim)) << "iteration " << i << " type "
                                         << static_cast<int>(c.type) << " error "
                                         << error_name(validate(c, lim));
        (got ? ok : refused)++;
    }
    // Both outcomes must be exercised, or the test proves nothing.
    EXPECT_GT(ok, 1000u);
    EXPECT_GT(refused, 1000u);
}

TEST(validate, injected_packets)
{
    const limits lim = test_limits();
    injected_packet p;
    p.kind = inject_kind::udp_payload;
    p.port_index = 1;
    p.remote = ep4(198, 51, 100, 1, 51820);
    p.len = 148;
    EXPECT_EQ(validate(p, lim), error::ok);
    auto bad = p;
    bad.len = 0;
    EXPECT_EQ(validate(bad, lim), error::bad_length);
    bad = p;
    bad.len = max_packet_bytes + 1;
    EXPECT_EQ(validate(bad, lim), error::bad_length);
    bad = p;
    bad.port_index = 4;
    EXPECT_EQ(validate(bad, lim), error::bad_port);
    bad = p;
    bad.peer = 1;
    EXPECT_EQ(validate(bad, lim), error::bad_peer_id);
    bad = p;
    bad.remote.port = 0;
    EXPECT_EQ(validate(bad, lim), error::bad_endpoint);
    bad = p;
    bad.reserved4[7] = 1;
    EXPECT_EQ(validate(bad, lim), error::bad_reserved);
    bad = p;
    bad.kind = static_cast<inject_kind>(9);
    EXPECT_EQ(validate(bad, lim), error::unknown_type);

    injected_packet q;
    q.kind = inject_kind::inner_packet;
    q.peer = 7;
    q.len = 20;
    q.bytes[0] = 0x45;
    EXPECT_EQ(validate(q, lim), error::ok);
    bad = q;
    bad.bytes[0] = 0x55;
    EXPECT_EQ(validate(bad, lim), error::bad_family);
    bad = q;
    bad.peer = no_peer;
    EXPECT_EQ(validate(bad, lim), error::bad_peer_id);
    bad = q;
    bad.remote = p.remote;
    EXPECT_EQ(validate(bad, lim), error::bad_endpoint);
    bad = q;
    bad.port_index = 1;
    EXPECT_EQ(validate(bad, lim), error::bad_port);
}

TEST(validate, add_peer_flags_and_control_routes)
{
    const limits lim = test_limits();
    command c = make(command_type::add_peer);
    c.body.add_peer.flags = peer_flag_transit;
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
    EXPECT_EQ(c.body.peer.peer, 999u) << "add_peer's id must sit where cmd_peer's does";
    c.body.add_peer.flags = 0;
    seal(c);
    EXPECT_EQ(validate(c, lim), error::ok);
    for (unsigned bit = 1; bit < 32; ++bit) {
        c.body.add_peer.flags = 1u << bit;
        seal(c);
        EXPECT_EQ(validate(c, lim), error::bad_reserved) << "bit " << bit;
    }
    // The flags word belongs to add_peer only: remove_peer and send_keepalive keep cmd_peer.
    command r = make(command_type::remove_peer);
    r.body.add_peer.flags = peer_flag_transit;
    seal(r);
    EXPECT_EQ(validate(r, lim), error::bad_reserved);

    for (uint8_t family : {uint8_t{4}, uint8_t{6}}) {
        command rt = make(command_type::add_route);
        rt.body.route.dst = prefix{family, static_cast<uint8_t>(family == 4 ? 32 : 128), 0, {}};
        rt.body.route.dst.addr[0] = family == 4 ? 10 : 0xfd;
        rt.body.route.hop = next_hop_control;
        seal(rt);
        EXPECT_EQ(validate(rt, lim), error::ok) << int(family);
        rt.body.route.hop = next_hop_control - 1; // not a special value, far beyond max_peers
        seal(rt);
        EXPECT_EQ(validate(rt, lim), error::bad_peer_id) << int(family);
        rt.body.route.hop = next_hop_control + 2; // next_hop_none is not a valid route target
        seal(rt);
        EXPECT_EQ(validate(rt, lim), error::bad_peer_id) << int(family);
    }
    // Peer ids stop below the special next hops even with the largest max_peers.
    limits big = lim;
    big.max_peers = next_hop_control;
    command a = make(command_type::add_peer);
    a.body.add_peer.peer = next_hop_control;
    seal(a);
    EXPECT_EQ(validate(a, big), error::bad_peer_id);
    a.body.add_peer.peer = next_hop_control - 1;
    seal(a);
    EXPECT_EQ(validate(a, big), error::ok);
}

TEST(validate, punted_inner_packets)
{
    const limits lim = test_limits();
    punted_packet p;
    p.kind = punt_kind::inner_packet;
    p.port_index = 1;
    p.peer = 12;
    p.len = 40;
    p.bytes[0] = 0x60;
    p.remote = ep4(198, 51, 100, 3, 51820);
    EXPECT_EQ(validate(p, lim), error::ok);
    auto bad = p;
    bad.peer = no_peer;
    EXPECT_EQ(validate(bad, lim), error::bad_peer_id);
    bad = p;
    bad.peer = 1000;
    EXPECT_EQ(validate(bad, lim), error::bad_peer_id);
    bad = p;
    bad.len = 0;
    EXPECT_EQ(validate(bad, lim), error::bad_length);
    bad = p;
    bad.bytes[0] = 0x00;
    EXPECT_EQ(validate(bad, lim), error::bad_family);
    bad = p;
    bad.kind = static_cast<punt_kind>(2);
    EXPECT_EQ(validate(bad, lim), error::unknown_type);
    bad = p;
    bad.reserved = 1;
    EXPECT_EQ(validate(bad, lim), error::bad_reserved);
    bad = p;
    bad.reserved3 = 1;
    EXPECT_EQ(validate(bad, lim), error::bad_reserved);
}

TEST(validate, punted_packets)
{
    const limits lim = test_limits();
    punted_packet p;
    p.port_index = 0;
    p.len = 148;
    p.remote = ep6(0x20, 9, 51820);
    EXPECT_EQ(p.kind, punt_kind::udp_payload);
    EXPECT_EQ(p.peer, no_peer);
    EXPECT_EQ(validate(p, lim), error::ok);
    auto odd = p;
    odd.peer = 3; // a handshake punt names no peer: the control plane finds it by the message
    EXPECT_EQ(validate(odd, lim), error::bad_peer_id);
    auto bad = p;
    bad.len = 257;
    EXPECT_EQ(validate(bad, lim), error::bad_length);
    bad = p;
    bad.port_index = 4;
    EXPECT_EQ(validate(bad, lim), error::bad_port);
    bad = p;
    bad.remote.family = 0;
    EXPECT_EQ(validate(bad, lim), error::bad_endpoint);
}

} // namespace
} // namespace edgerelay::abi
