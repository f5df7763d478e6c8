// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Unit tests of er-program's statement compiler: fields as records.hh defines them, and refusals.
#include <gtest/gtest.h>

#include <cstring>

#include "common/abi/validate.hh"
#include "common/crypto/encoding.hh"
#include "tools/er-program/program_file.hh"

namespace edgerelay::tools::program {
namespace {

// Two fixed keys; their bytes are what matters, not their origin.
constexpr const char* k1 = "YH7fwZ8mHK6kKrYVkOB0Z0xl9bLq3xN8x5zU3Kdf1n4=";
constexpr const char* k2 = "iOmqx1qGqRWBEHa7BvVXCk3Npb3I5gY6gkbLqEpWq1E=";

std::vector<abi::command> compile_ok(const std::string& line)
{
    std::vector<abi::command> out;
    std::string err = compile_line(line, out);
    EXPECT_EQ(err, "") << line;
    return out;
}

std::string compile_err(const std::string& line)
{
    std::vector<abi::command> out;
    std::string err = compile_line(line, out);
    EXPECT_TRUE(out.empty()) << line;
    return err;
}

// Every compiled command must pass the dataplane's own table-free checks once sealed.
void expect_valid(std::vector<abi::command> cmds)
{
    for (auto& c : cmds) {
        c.seq = 42;
        abi::seal(c);
        EXPECT_EQ(abi::validate(c, abi::limits{}), abi::error::ok)
            << "type " << static_cast<int>(c.type);
    }
}

TEST(program_file, peer_with_endpoint_gives_add_then_set)
{
    auto cmds = compile_ok("peer 1 endpoint 10.0.0.2:51820 port 3 local 10.0.0.1:51820");
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[0].type, abi::command_type::add_peer);
    EXPECT_EQ(cmds[0].body.peer.peer, 1u);
    EXPECT_EQ(cmds[1].type, abi::command_type::set_endpoint);
    const auto& e = cmds[1].body.set_endpoint;
    EXPECT_EQ(e.peer, 1u);
    EXPECT_EQ(e.port_index, 3u);
    EXPECT_EQ(e.remote.family, 4);
    EXPECT_EQ(e.remote.port, 51820);
    const uint8_t want[4] = {10, 0, 0, 2};
    EXPECT_EQ(std::memcmp(e.remote.addr, want, 4), 0);
    EXPECT_EQ(e.local.port, 51820);
    expect_valid(cmds);
}

TEST(program_file, bare_peer_is_one_command)
{
    auto cmds = compile_ok("peer 7   # no endpoint yet");
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].body.peer.peer, 7u);
    expect_valid(cmds);
}

TEST(program_file, keypair_fields)
{
    auto cmds = compile_ok(std::string("keypair 2 local-index 100 remote-index 200 send-key ") +
                           k1 + " recv-key " + k2 + " initiator slot next counter 5 age-ms 9");
    ASSERT_EQ(cmds.size(), 1u);
    const auto& kp = cmds[0].body.install_keypair;
    EXPECT_EQ(cmds[0].type, abi::command_type::install_keypair);
    EXPECT_EQ(kp.peer, 2u);
    EXPECT_EQ(kp.local_index, 100u);
    EXPECT_EQ(kp.remote_index, 200u);
    EXPECT_EQ(kp.initiator, 1);
    EXPECT_EQ(kp.slot, abi::key_slot::next);
    EXPECT_EQ(kp.send_counter, 5u);
    EXPECT_EQ(kp.age_ms, 9u);
    EXPECT_EQ(std::memcmp(kp.send_key, crypto::key_from_base64(k1)->data(), 32), 0);
    EXPECT_EQ(std::memcmp(kp.recv_key, crypto::key_from_base64(k2)->data(), 32), 0);
    expect_valid(cmds);
}

TEST(program_file, routes_allowed_retire_splice_limits)
{
    auto r = compile_ok("route 10.2.0.0/24 via 2");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body.route.hop, 2u);
    EXPECT_EQ(r[0].body.route.dst.length, 24);
    auto l = compile_ok("route fd00:99::/32 local");
    EXPECT_EQ(l[0].body.route.hop, abi::next_hop_local);
    EXPECT_EQ(l[0].body.route.dst.family, 6);
    auto a = compile_ok("allowed 1 10.1.0.0/24");
    EXPECT_EQ(a[0].type, abi::command_type::add_allowed_ip);
    auto ret = compile_ok("retire 1 index 100");
    EXPECT_EQ(ret[0].body.retire_keypair.slot, abi::key_slot::by_index);
    EXPECT_EQ(ret[0].body.retire_keypair.local_index, 100u);
    auto s = compile_ok("splice 40000 10.0.0.2:51820 10.0.0.3:51820 port 1");
    EXPECT_EQ(s[0].body.splice.relay_port, 40000);
    EXPECT_EQ(s[0].body.splice.port_index, 1);
    auto lim = compile_ok("limits punt-rate 1000 punt-burst 64 rekey-messages 100 "
                          "reject-messages 200 rekey-time-ms 120000 reject-time-ms 180000");
    EXPECT_EQ(lim[0].body.set_limits.reject_after_time_ms, 180000u);
    for (auto* v : {&r, &l, &a, &ret, &s, &lim}) {
        expect_valid(*v);
    }
    expect_valid(compile_ok("retire 1 slot previous"));
    expect_valid(compile_ok("remove-route 10.2.0.0/24 via 2"));
    expect_valid(compile_ok("keepalive 4"));
}

TEST(program_file, transit_peers_and_control_routes)
{
    auto t = compile_ok("peer 9 transit endpoint 10.0.0.9:51820");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].body.add_peer.peer, 9u);
    EXPECT_EQ(t[0].body.add_peer.flags, abi::peer_flag_transit);
    EXPECT_EQ(t[1].body.set_endpoint.peer, 9u);
    EXPECT_EQ(compile_ok("peer 8")[0].body.add_peer.flags, 0u);
    auto c4 = compile_ok("route 10.255.0.1/32 control");
    EXPECT_EQ(c4[0].body.route.hop, abi::next_hop_control);
    auto c6 = compile_ok("remove-route fd00:ff::1/128 control");
    EXPECT_EQ(c6[0].type, abi::command_type::remove_route);
    EXPECT_EQ(c6[0].body.route.hop, abi::next_hop_control);
    for (auto* v : {&t, &c4, &c6}) {
        expect_valid(*v);
    }
    EXPECT_NE(compile_err("endpoint 9 10.0.0.9:51820 transit").find("unknown option"),
              std::string::npos) << "transit belongs to the peer statement";
    EXPECT_NE(compile_err("peer 9 transit transit").find("twice"), std::string::npos);
    EXPECT_NE(compile_err("route 10.0.0.0/8 control 1").find("control"), std::string::npos);
}

TEST(program_file, refusals_say_why)
{
    EXPECT_NE(compile_err("route 10.2.0.1/24 via 2").find("host bits"), std::string::npos);
    EXPECT_NE(compile_err("route 10.2.0.0/24").find("usage"), std::string::npos);
    EXPECT_NE(compile_err("peer x").find("peer id"), std::string::npos);
    EXPECT_NE(compile_err("peer 1 port 2").find("endpoint"), std::string::npos);
    EXPECT_NE(compile_err("keypair 1 local-index 1 remote-index 2").find("send-key"),
              std::string::npos);
    EXPECT_NE(compile_err("keypair 1 send-key nope").find("base64"), std::string::npos);
    EXPECT_NE(compile_err("bogus 1").find("unknown statement"), std::string::npos);
    EXPECT_NE(compile_err("peer 1 endpoint 10.0.0.2").find("endpoint"), std::string::npos);
    EXPECT_NE(compile_err("peer 1 endpoint 1.2.3.4:1 endpoint 1.2.3.4:2").find("twice"),
              std::string::npos);
}

TEST(program_file, program_reports_every_bad_line_with_its_number)
{
    std::vector<parse_error> errors;
    auto cmds = compile_program("# lab\npeer 1 endpoint 10.0.0.2:51820\n\nroute 1.2.3.4/8 via 1\n"
                                "route 10.0.0.0/8 via 1\nfrobnicate\n",
                                errors);
    ASSERT_EQ(cmds.size(), 3u);
    EXPECT_EQ(cmds[0].line, 2u);
    EXPECT_EQ(cmds[1].line, 2u);
    EXPECT_EQ(cmds[2].line, 5u);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].line, 4u);
    EXPECT_EQ(errors[1].line, 6u);
}

TEST(program_file, format_round_trips)
{
    for (const char* p : {"10.1.0.0/24", "0.0.0.0/0", "fd00:1::/64", "::/0"}) {
        auto parsed = parse_prefix(p);
        ASSERT_TRUE(parsed) << p;
        EXPECT_EQ(format_prefix(*parsed), p);
    }
    for (const char* e : {"10.0.0.2:51820", "[fd00::2]:1"}) {
        auto parsed = parse_endpoint(e);
        ASSERT_TRUE(parsed) << e;
        EXPECT_EQ(format_endpoint(*parsed), e);
    }
    EXPECT_FALSE(parse_endpoint("10.0.0.2:70000"));
    EXPECT_FALSE(parse_prefix("10.0.0.0/33"));
}

} // namespace
} // namespace edgerelay::tools::program
