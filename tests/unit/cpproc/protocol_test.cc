// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Control socket requests (text and JSON), add-peer arguments and response framing.
#include <gtest/gtest.h>

#include "common/crypto/encoding.hh"
#include "controlplane/process/protocol.hh"

namespace edgerelay::cp::process {
namespace {

const std::string key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

TEST(protocol, text_request_with_json_flag_anywhere)
{
    std::string err;
    auto r = parse_request("  peers --json  ", err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->command, "peers");
    EXPECT_TRUE(r->args.empty());
    EXPECT_TRUE(r->json);

    r = parse_request("add-peer " + key + " --json endpoint 192.0.2.1:51820\r", err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->args, (std::vector<std::string>{key, "endpoint", "192.0.2.1:51820"}));
    EXPECT_TRUE(r->json);
}

TEST(protocol, json_request)
{
    std::string err;
    auto r = parse_request(R"({"command":"remove-peer","args":[")" + key + R"("],"json":true})",
                           err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->command, "remove-peer");
    EXPECT_EQ(r->args, std::vector<std::string>{key});
    EXPECT_TRUE(r->json);

    r = parse_request(R"({"command": "show"})", err);
    ASSERT_TRUE(r) << err;
    EXPECT_FALSE(r->json);
}

TEST(protocol, refusals_name_the_problem)
{
    std::string err;
    EXPECT_FALSE(parse_request("", err));
    EXPECT_NE(err.find("empty"), std::string::npos);
    EXPECT_FALSE(parse_request("shwo", err));
    EXPECT_NE(err.find("unknown command \"shwo\""), std::string::npos);
    EXPECT_NE(err.find("show"), std::string::npos);
    EXPECT_FALSE(parse_request(R"({"command": "show", "extra": 1})", err));
    EXPECT_NE(err.find("extra"), std::string::npos);
    EXPECT_FALSE(parse_request(R"({"command": ["show"]})", err));
    EXPECT_FALSE(parse_request(R"({"args": []})", err));
    EXPECT_FALSE(parse_request(R"({"command": "show", "args": [[1]]})", err));
    EXPECT_FALSE(parse_request("{not json", err));
    EXPECT_FALSE(parse_request(R"(["show"])", err));
    EXPECT_FALSE(parse_request(std::string(max_request_bytes + 1, 'a'), err));
    EXPECT_NE(err.find("longer"), std::string::npos);
}

TEST(protocol, format_request_round_trips)
{
    request r{"add-peer", {key, "keepalive", "25"}, true};
    std::string err;
    auto back = parse_request(format_request(r), err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(*back, r);
}

TEST(protocol, add_peer_arguments)
{
    std::string err;
    auto a = parse_add_peer({key, "endpoint", "[fd00::7]:51820", "allowed-ips",
                             "10.0.0.2/32,fd00::2/128", "keepalive", "25", "psk", "/etc/psk",
                             "name", "alpha"},
                            err);
    ASSERT_TRUE(a) << err;
    EXPECT_EQ(crypto::key_to_base64(a->public_key.data()), key);
    EXPECT_EQ(a->endpoint.family, 6);
    EXPECT_EQ(a->endpoint.port, 51820);
    ASSERT_EQ(a->allowed_ips.size(), 2u);
    EXPECT_EQ(config::format_prefix(a->allowed_ips[1]), "fd00::2/128");
    EXPECT_EQ(a->persistent_keepalive, 25);
    EXPECT_EQ(a->psk_file, "/etc/psk");
    EXPECT_EQ(a->name, "alpha");

    auto back = parse_add_peer(format_add_peer(*a), err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(format_add_peer(*back), format_add_peer(*a));
}

TEST(protocol, add_peer_refusals)
{
    std::string err;
    EXPECT_FALSE(parse_add_peer({}, err));
    EXPECT_NE(err.find("public key"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({"nokey"}, err));
    EXPECT_NE(err.find("wg pubkey"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({key, "endpoint"}, err));
    EXPECT_NE(err.find("needs a value"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({key, "endpoint", "10.0.0.1"}, err));
    EXPECT_NE(err.find("endpoint"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({key, "allowed-ips", "10.0.0.1/24"}, err));
    EXPECT_FALSE(parse_add_peer({key, "keepalive", "70000"}, err));
    EXPECT_FALSE(parse_add_peer({key, "psk", "relative/file"}, err));
    EXPECT_NE(err.find("absolute"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({key, "keepalive", "1", "keepalive", "2"}, err));
    EXPECT_NE(err.find("twice"), std::string::npos);
    EXPECT_FALSE(parse_add_peer({key, "colour", "red"}, err));
    EXPECT_NE(err.find("unknown add-peer option"), std::string::npos);
}

std::string decode(const std::string& wire, bool& ok)
{
    response_reader r;
    size_t start = 0;
    size_t nl;
    while ((nl = wire.find('\n', start)) != std::string::npos) {
        bool done = r.feed(std::string_view(wire).substr(start, nl - start));
        start = nl + 1;
        if (done) {
            EXPECT_EQ(start, wire.size()) << "bytes after the terminator";
            break;
        }
    }
    EXPECT_TRUE(r.complete());
    ok = r.ok();
    return r.body();
}

TEST(protocol, responses_are_dot_stuffed_and_round_trip)
{
    bool ok = false;
    std::string body = "line one\n.hidden\n\n..two dots\nlast";
    std::string wire = encode_response(true, body);
    EXPECT_EQ(wire, "ok\nline one\n..hidden\n\n...two dots\nlast\n.\n");
    EXPECT_EQ(decode(wire, ok), body);
    EXPECT_TRUE(ok);

    EXPECT_EQ(encode_response(true, ""), "ok\n.\n");
    EXPECT_EQ(decode(encode_response(true, ""), ok), "");

    std::string e = encode_error("no peer X\ndetail");
    EXPECT_EQ(e, "error: no peer X\ndetail\n.\n");
    EXPECT_EQ(decode(e, ok), "no peer X\ndetail");
    EXPECT_FALSE(ok);
}

} // namespace
} // namespace edgerelay::cp::process
