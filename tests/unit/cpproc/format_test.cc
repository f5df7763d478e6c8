// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// `show` and friends: wg-show-like text, JSON, durations and byte amounts.
#include <gtest/gtest.h>

#include "common/crypto/encoding.hh"
#include "controlplane/process/format.hh"
#include "controlplane/process/json.hh"

namespace edgerelay::cp::process {
namespace {

crypto::key32 key_of(const char* b64)
{
    return *crypto::key_from_base64(b64);
}

const char* relay_key = "drJW8ESI0Qk/CurfMtDupWGllz47qKUZcHp65hN3RGU=";
const char* peer_key = "5aLHsCNWkQezl/VuXnSNR7wAwPKk8UoQhp9MuKfS2mo=";

TEST(format, durations_like_wg)
{
    EXPECT_EQ(format_duration(0), "Now");
    EXPECT_EQ(format_duration(1), "1 second");
    EXPECT_EQ(format_duration(42), "42 seconds");
    EXPECT_EQ(format_duration(65), "1 minute, 5 seconds");
    EXPECT_EQ(format_duration(7200), "2 hours");
    EXPECT_EQ(format_duration(90061), "1 day, 1 hour, 1 minute, 1 second");
}

TEST(format, bytes_like_wg)
{
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(1536), "1.50 KiB");
    EXPECT_EQ(format_bytes(3ull << 20), "3.00 MiB");
    EXPECT_EQ(format_bytes(5ull << 40), "5.00 TiB");
}

TEST(format, show_text)
{
    interface_view itf;
    itf.instance = "wg0";
    itf.public_key = key_of(relay_key);
    itf.listen_port = 51820;
    itf.attached = true;
    itf.ready = true;
    itf.generation = 3;
    peer_view p;
    p.id = 0;
    p.name = "alpha";
    p.public_key = key_of(peer_key);
    p.endpoint = "192.0.2.7:51820";
    p.allowed_ips = {"10.0.0.2/32", "fd00::2/128"};
    p.latest_handshake = std::chrono::seconds(1000);
    p.rx_bytes = 2048;
    p.tx_bytes = 100;
    p.persistent_keepalive_s = 25;
    peer_view q;
    q.public_key = key_of(relay_key);
    std::string out = format_show(itf, {p, q}, std::chrono::seconds(1065));
    EXPECT_EQ(out, std::string("interface: wg0\n"
                               "  public key: ") + relay_key + "\n"
                   "  private key: (hidden)\n"
                   "  listening port: 51820\n"
                   "  dataplane: ready (generation 3)\n"
                   "\n"
                   "peer: " + peer_key + "\n"
                   "  name: alpha\n"
                   "  endpoint: 192.0.2.7:51820\n"
                   "  allowed ips: 10.0.0.2/32, fd00::2/128\n"
                   "  latest handshake: 1 minute, 5 seconds ago\n"
                   "  transfer: 2.00 KiB received, 100 B sent\n"
                   "  persistent keepalive: every 25 seconds\n"
                   "\n"
                   "peer: " + relay_key + "\n"
                   "  allowed ips: (none)\n");
    itf.attached = false;
    itf.draining = true;
    EXPECT_NE(format_show(itf, {}, std::chrono::seconds(0)).find("not attached, draining"),
              std::string::npos);
}

TEST(format, show_json)
{
    interface_view itf;
    itf.instance = "a\"b";
    itf.public_key = key_of(relay_key);
    itf.listen_port = 1;
    peer_view p;
    p.id = 7;
    p.public_key = key_of(peer_key);
    p.allowed_ips = {"10.0.0.2/32"};
    p.from_config = false;
    std::string j = format_show_json(itf, {p}, std::chrono::seconds(5));
    EXPECT_EQ(j, std::string(R"({"interface":"a\"b","public_key":")") + relay_key +
                     R"(","listen_port":1,"dataplane":{"attached":false,"ready":false,)"
                     R"("generation":0},"draining":false,"peers":[{"id":7,"name":"",)"
                     R"("public_key":")" + peer_key + R"(","endpoint":null,)"
                     R"("allowed_ips":["10.0.0.2/32"],"latest_handshake_seconds_ago":null,)"
                     R"("rx_packets":0,"rx_bytes":0,"tx_packets":0,"tx_bytes":0,"persistent_keepalive":0,)"
                     R"("handshake_state":"","session":false,"source":"runtime"}]})");
    EXPECT_EQ(j.find('\n'), std::string::npos) << "JSON answers are one line";
}

TEST(format, routes_and_stats)
{
    std::vector<route_view> routes = {{"10.0.0.0/24", "alpha", 0},
                                      {"fd01::/64", "local", abi::next_hop_local}};
    std::string t = format_routes(routes);
    EXPECT_NE(t.find("10.0.0.0/24"), std::string::npos);
    EXPECT_NE(t.find("local"), std::string::npos);
    EXPECT_EQ(format_routes_json(routes),
              R"([{"prefix":"10.0.0.0/24","via":"alpha","local":false},)"
              R"({"prefix":"fd01::/64","via":"local","local":true}])");

    worker_view w;
    w.worker = 1;
    w.rx_packets = 10;
    w.drops = {{"replay", 3}, {"no_route", 4}};
    std::string s = format_stats({w});
    EXPECT_NE(s.find("drop replay"), std::string::npos);
    EXPECT_NE(s.find(" 7\n"), std::string::npos) << s; // total drops
    EXPECT_EQ(format_stats_json({w}),
              R"([{"worker":1,"rx_packets":10,"rx_bytes":0,"tx_packets":0,"tx_bytes":0,)"
              R"("drops":{"replay":3,"no_route":4}}])");
}

TEST(json, escapes_control_characters)
{
    EXPECT_EQ(json_escape("a\"\\\n\x01"), "a\\\"\\\\\\n\\u0001");
    json_writer j;
    j.begin_array().value(uint64_t(1)).begin_object().end_object().null().value(false).end_array();
    EXPECT_EQ(j.str(), "[1,{},null,false]");
}

} // namespace
} // namespace edgerelay::cp::process
