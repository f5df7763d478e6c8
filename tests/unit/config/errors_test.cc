// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Table of bad configurations: each must fail at the expected line, column and field path.
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include <gtest/gtest.h>

#include "common/config/config.hh"

namespace edgerelay::config {
namespace {

#define K1 "5jheRzvqk0WBJsg/tzBq9IcJH7HXVKrgnyd+fiKZchM="
#define K2 "HWp4MKP/SSZN2BO2z23L/+F+kq83cTuR0FI/zqXBkTE="

struct bad_case {
    const char* name;
    const char* yaml;
    int line;            // 1-based
    int column;          // 1-based; 0 = not checked
    const char* field;   // exact field path
    const char* problem; // substring of the problem
    const char* hint;    // substring of the hint
};

const std::vector<bad_case> cases = {
    // Unknown keys, with and without a close match.
    {"unknown_top_key", "mtuu: 1400\n", 1, 1, "mtuu", "unknown key \"mtuu\"",
     "did you mean \"mtu\"?"},
    {"unknown_nested_key", "dataplane:\n  hugepage: false\n", 2, 3, "dataplane.hugepage",
     "unknown key", "did you mean \"hugepages\"?"},
    {"unknown_peer_key", "peers:\n  - public_key: " K1 "\n    allowed_ip: [10.1.0.0/16]\n", 3, 5,
     "peers[0].allowed_ip", "unknown key", "did you mean \"allowed_ips\"?"},
    {"unknown_key_wg_spelling", "peers:\n  - PublicKey: " K1 "\n", 2, 5, "peers[0].PublicKey",
     "unknown key", "did you mean \"public_key\"?"},
    {"unknown_key_no_match", "zzzzzzzz: 1\n", 1, 1, "zzzzzzzz", "unknown key",
     "known keys here: instance, identity"},
    // Duplicate keys, which yaml-cpp would silently resolve.
    {"duplicate_top_key", "mtu: 1400\nlisten_port: 1\nmtu: 1500\n", 3, 1, "mtu",
     "duplicate key \"mtu\" (first at line 1)", "keep one"},
    {"duplicate_nested_key", "dht:\n  port: 1\n  k_nearest: 3\n  port: 2\n", 4, 3, "dht.port",
     "duplicate key", "keep one"},
    {"duplicate_flow_key", "health: {misses: 3, misses: 4}\n", 1, 21, "health.misses",
     "duplicate key", ""},
    // Keys.
    {"key_too_short", "peers:\n  - public_key: not-a-key\n", 2, 17, "peers[0].public_key",
     "is 9 characters, not 44", "wg pubkey"},
    {"key_bad_base64", "peers:\n  - public_key: \"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=\"\n",
     2, 17, "peers[0].public_key", "is not base64 of 32 bytes", "44-character base64"},
    {"key_all_zero", "peers:\n  - public_key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 2,
     17, "peers[0].public_key", "all zeros", ""},
    {"psk_bad", "peers:\n  - public_key: " K1 "\n    preshared_key: abc\n", 3, 20,
     "peers[0].preshared_key", "not 44", "wg genpsk"},
    {"peer_without_key", "peers:\n  - endpoint: 10.0.0.5:51820\n", 2, 5, "peers[0].public_key",
     "missing key \"public_key\"", "wg pubkey"},
    {"peer_key_empty", "peers:\n  - public_key:\n    name: x\n", 2, 5, "peers[0].public_key",
     "has no value", ""},
    // Endpoints and addresses.
    {"endpoint_without_port",
     "peers:\n  - public_key: " K1 "\n  - public_key: " K2 "\n    endpoint: 10.0.0.5\n", 4, 15,
     "peers[1].endpoint", "\"10.0.0.5\" has no port", "write host:port, e.g. 10.0.0.5:51820"},
    {"endpoint_v6_without_brackets", "peers:\n  - public_key: " K1 "\n    endpoint: fd00::5\n", 3,
     15, "peers[0].endpoint", "needs brackets", "[fd00::5]:51820"},
    {"endpoint_hostname", "peers:\n  - public_key: " K1 "\n    endpoint: relay.example.com:51820\n",
     3, 15, "peers[0].endpoint", "is not an IP address", "hostnames are not resolved"},
    {"endpoint_port_zero", "peers:\n  - public_key: " K1 "\n    endpoint: 10.0.0.5:0\n", 3, 15,
     "peers[0].endpoint", "port 0 is out of range", "1..65535"},
    {"bootstrap_bad_address", "bootstrap: [\"10.0.0.300:4222\"]\n", 1, 13, "bootstrap[0]",
     "not a valid IP address", ""},
    {"bootstrap_duplicate", "bootstrap:\n  - 10.0.0.2:4222\n  - 10.0.0.2:4222\n", 3, 5,
     "bootstrap[1]", "listed twice (first at line 2)", "remove"},
    {"http_without_port", "http: {address: 127.0.0.1}\n", 1, 17, "http.address", "has no port", ""},
    {"announce_wildcard_endpoint", "announce:\n  endpoints: [\"0.0.0.0:51820\"]\n", 2, 15,
     "announce.endpoints[0]", "0.0.0.0:51820 is a wildcard address", "203.0.113.7:51820"},
    {"announce_endpoint_duplicate",
     "announce:\n  endpoints:\n    - 10.0.0.1:51820\n    - 10.0.0.1:51820\n", 4, 7,
     "announce.endpoints[1]", "listed twice (first at line 3)", "remove"},
    {"announce_prefix_host_bits", "announce: {prefixes: [10.50.1.0/16]}\n", 1, 23,
     "announce.prefixes[0]", "host bits set", "write 10.50.0.0/16"},
    {"announce_prefix_duplicate", "announce:\n  prefixes: [10.50.0.0/16, 10.50.0.0/16]\n", 2, 28,
     "announce.prefixes[1]", "listed twice (first at line 2)", "remove"},
    {"announce_unknown_key", "announce: {prefix: [10.50.0.0/16]}\n", 1, 12, "announce.prefix",
     "unknown", "prefixes"},
    // Prefixes.
    {"allowed_ip_host_bits", "peers:\n  - public_key: " K1 "\n    allowed_ips: [10.1.2.0/16]\n", 3,
     19, "peers[0].allowed_ips[0]", "\"10.1.2.0/16\" has host bits set", "write 10.1.0.0/16"},
    {"allowed_ip_v6_host_bits",
     "peers:\n  - public_key: " K1 "\n    allowed_ips: [10.1.0.0/16, 'fd01::1/64']\n", 3, 32,
     "peers[0].allowed_ips[1]", "host bits set", "write fd01::/64"},
    {"route_host_bits", "routes:\n  - {prefix: 10.2.3.0/16, via: local}\n", 2, 14,
     "routes[0].prefix", "host bits set", "write 10.2.0.0/16"},
    {"prefix_too_long", "routes:\n  - {prefix: 10.2.0.0/40, via: local}\n", 2, 14,
     "routes[0].prefix", "longer than 32", "0..32"},
    // Numbers and ranges.
    {"port_zero", "listen_port: 0\n", 1, 14, "listen_port", "0 is out of range", "1..65535"},
    {"port_too_big", "dht: {port: 70000}\n", 1, 13, "dht.port", "out of range", "1..65535"},
    {"port_not_number", "listen_port: abc\n", 1, 14, "listen_port", "is not a whole number",
     "1..65535"},
    {"mtu_too_small", "mtu: 100\n", 1, 6, "mtu", "100 is out of range", "576..9000"},
    {"keepalive_negative", "peers:\n  - public_key: " K1 "\n    persistent_keepalive: -1\n", 3, 27,
     "peers[0].persistent_keepalive", "not a whole number", "0..65535"},
    {"latitude_out_of_range", "location: {latitude: 91, longitude: 0}\n", 1, 22,
     "location.latitude", "out of range", "-90..90"},
    {"longitude_missing", "location: {latitude: 10}\n", 1, 11, "location.longitude", "missing key",
     "longitude:"},
    {"health_interval_zero", "health: {interval_ms: 0}\n", 1, 23, "health.interval_ms",
     "out of range", "10..60000"},
    {"health_timeout_too_long", "health: {timeout_ms: 240001}\n", 1, 22, "health.timeout_ms",
     "out of range", "0..240000"},
    // Types.
    {"string_where_list", "peers:\n  - public_key: " K1 "\n    allowed_ips: 10.1.0.0/16\n", 3, 18,
     "peers[0].allowed_ips", "expected a list, found \"10.1.0.0/16\"", "[10.1.0.0/16]"},
    {"mapping_where_number", "mtu: {a: 1}\n", 1, 6, "mtu", "expected a number, found a mapping",
     ""},
    {"list_where_mapping", "dataplane: [dpdk]\n", 1, 12, "dataplane",
     "expected a mapping, found a list", ""},
    {"root_is_a_list", "- a\n- b\n", 1, 1, "", "expected a mapping", ""},
    {"peers_is_mapping", "peers: {public_key: " K1 "}\n", 1, 8, "peers", "expected a list", ""},
    {"not_a_boolean", "dataplane: {hugepages: maybe}\n", 1, 24, "dataplane.hugepages",
     "is not a boolean", "true or false"},
    // Enumerations and the dataplane section.
    {"bad_driver", "dataplane:\n  driver: xdp\n", 2, 11, "dataplane.driver",
     "\"xdp\" is not one of auto | dpdk | io_uring", "auto | dpdk | io_uring"},
    {"bad_family", "dataplane: {io_uring: {family: ipv5}}\n", 1, 32, "dataplane.io_uring.family",
     "not one of", "ipv4 | ipv6 | dual"},
    {"dual_binds_v4", "dataplane: {io_uring: {bind: 0.0.0.0}}\n", 1, 30, "dataplane.io_uring.bind",
     "dual binds the IPv6 wildcard only", "::"},
    {"bind_family_mismatch", "dataplane: {io_uring: {family: ipv6, bind: 10.0.0.1}}\n", 1, 44,
     "dataplane.io_uring.bind", "not of family ipv6", ""},
    {"cores_duplicate", "dataplane:\n  cores: [1, 2, 1]\n", 2, 17, "dataplane.cores[2]",
     "core 1 is listed twice", ""},
    {"cores_negative", "dataplane:\n  cores: [-1]\n", 2, 11, "dataplane.cores[0]",
     "not a whole number", ""},
    {"cores_word", "dataplane:\n  cores: all\n", 2, 10, "dataplane.cores",
     "expected auto or a list", "[1, 2]"},
    {"cores_empty", "dataplane:\n  cores: []\n", 2, 10, "dataplane.cores", "empty", ""},
    {"workers_disagree", "dataplane:\n  cores: [1, 2]\n  workers: 3\n", 3, 12, "dataplane.workers",
     "disagrees with the 2 cores", ""},
    {"dpdk_without_ports", "dataplane:\n  driver: dpdk\n", 2, 11, "dataplane.ports",
     "needs an underlay port", ""},
    {"underlay_without_address", "dataplane:\n  ports:\n    - {name: p0, role: underlay}\n", 3, 7,
     "dataplane.ports[0].address", "missing key", "address: 10.0.0.1/24"},
    {"port_role_missing", "dataplane:\n  ports:\n    - {name: p0}\n", 3, 7,
     "dataplane.ports[0].role", "missing key", "underlay"},
    {"port_duplicate",
     "dataplane:\n  ports:\n    - {name: p0, role: access}\n"
     "    - {name: p0, role: access}\n",
     4, 7, "dataplane.ports[1]", "listed twice (first at line 3)", ""},
    {"bad_mac", "dataplane:\n  ports:\n    - {name: p0, role: access, gateway_mac: 02:00:00}\n", 3,
     45, "dataplane.ports[0].gateway_mac", "not a MAC address", "02:00:00:00:00:01"},
    {"vlan_too_big", "dataplane:\n  ports:\n    - {name: p0, role: access, vlan: 5000}\n", 3, 38,
     "dataplane.ports[0].vlan", "out of range", "0..4094"},
    {"eal_no_huge", "dataplane:\n  eal_args: [--no-huge]\n", 2, 14, "dataplane.eal_args[0]",
     "--no-huge is set by the dataplane", "hugepages: false"},
    {"eal_lcores", "dataplane:\n  eal_args: [\"-l=1-3\"]\n", 2, 14, "dataplane.eal_args[0]",
     "-l is set by the dataplane", "cores"},
    // Names and paths.
    {"bad_instance", "instance: \"a b\"\n", 1, 11, "instance", "not a valid name", ""},
    {"bad_region", "region: EU West\n", 1, 9, "region", "not a valid region", "eu-west"},
    {"relative_key_path", "identity:\n  private_key_file: key.pem\n", 2, 21,
     "identity.private_key_file", "not an absolute path", "/etc/edgerelay/key.pem"},
    {"socket_path_too_long",
     "control_socket: /run/edgerelay/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
     1, 17, "control_socket", "characters long", "at most 107"},
    {"tun_name_too_long", "dataplane: {io_uring: {tun: {name: abcdefghijklmnopq}}}\n", 1, 36,
     "dataplane.io_uring.tun.name", "not a valid name", "1..15"},
    // Duplicates across entries.
    {"duplicate_peer_key", "peers:\n  - public_key: " K1 "\n    name: a\n  - public_key: " K1 "\n",
     4, 17, "peers[1].public_key", "the same public key as peers[0] (a)", "merge"},
    {"duplicate_peer_name",
     "peers:\n  - {public_key: " K1 ", name: a}\n  - {public_key: " K2 ", name: a}\n", 3, 70,
     "peers[1].name", "already used by peers[0]", ""},
    {"peer_named_local", "peers:\n  - {public_key: " K1 ", name: local}\n", 2, 70, "peers[0].name",
     "reserved", ""},
    {"duplicate_allowed_ip_across_peers",
     "peers:\n  - public_key: " K1 "\n    allowed_ips: [10.1.0.0/16]\n  - public_key: " K2
     "\n    allowed_ips: [10.3.0.0/16, 10.1.0.0/16]\n",
     5, 32, "peers[1].allowed_ips[1]", "10.1.0.0/16 is already an allowed IP of peers[0]",
     "one peer only"},
    {"duplicate_allowed_ip_same_peer",
     "peers:\n  - public_key: " K1 "\n    allowed_ips: [10.1.0.0/16, 10.1.0.0/16]\n", 3, 32,
     "peers[0].allowed_ips[1]", "already an allowed IP of this peer", ""},
    {"duplicate_route",
     "routes:\n  - {prefix: 10.2.0.0/16, via: local}\n  - {prefix: 10.2.0.0/16, via: local}\n", 3,
     14, "routes[1].prefix", "route 10.2.0.0/16 is already defined at line 2", ""},
    {"route_via_unknown_peer",
     "peers: [{public_key: " K1
     ", name: site-a}]\nroutes:\n  - {prefix: 10.2.0.0/16, via: site-x}\n",
     3, 32, "routes[0].via", "\"site-x\" names no peer", "did you mean \"site-a\"?"},
    {"route_via_unknown_key", "routes:\n  - {prefix: 10.2.0.0/16, via: " K2 "}\n", 2, 32,
     "routes[0].via", "names no peer", "a peer's name, its public key, or local"},
    {"route_without_via", "routes:\n  - {prefix: 10.2.0.0/16}\n", 2, 5, "routes[0].via",
     "missing key", "local"},
    // Documents.
    {"empty_file", "", 1, 1, "", "the file is empty", "config/edgerelay.yaml"},
    {"two_documents", "mtu: 1400\n---\nmtu: 1500\n", 3, 1, "", "more than one YAML document", ""},
};

// Parameter names instead of byte dumps in gtest's output.
void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.name;
}

class bad_config : public testing::TestWithParam<bad_case> {};

TEST_P(bad_config, fails_at_the_right_place)
{
    const bad_case& c = GetParam();
    try {
        parse(c.yaml, "bad.yaml");
        FAIL() << "accepted:\n" << c.yaml;
    } catch (const config_error& e) {
        SCOPED_TRACE(e.what());
        EXPECT_EQ(e.file(), "bad.yaml");
        EXPECT_EQ(e.line(), c.line);
        if (c.column) {
            EXPECT_EQ(e.column(), c.column);
        }
        EXPECT_EQ(e.field(), c.field);
        EXPECT_NE(e.problem().find(c.problem), std::string::npos);
        EXPECT_NE(e.hint().find(c.hint), std::string::npos);
        EXPECT_FALSE(e.hint().empty());
        // what() is exactly file:line:col: field: problem; hint: hint.
        std::string where =
            "bad.yaml:" + std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": ";
        std::string expected = where + (e.field().empty() ? "" : e.field() + ": ") + e.problem() +
                               "; hint: " + e.hint();
        EXPECT_EQ(std::string(e.what()), expected);
    }
}

INSTANTIATE_TEST_SUITE_P(config, bad_config, testing::ValuesIn(cases),
                         [](const testing::TestParamInfo<bad_case>& i) {
                             return std::string(i.param.name);
                         });

TEST(bad_config, table_is_large_enough)
{
    EXPECT_GE(cases.size(), 25u);
}

TEST(bad_config, message_matches_the_documented_form)
{
    try {
        parse("peers:\n  - public_key: " K1 "\n  - public_key: " K2 "\n    endpoint: 10.0.0.5\n",
              "edgerelay.yaml");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "edgerelay.yaml:4:15: peers[1].endpoint: \"10.0.0.5\" has no "
                               "port; hint: write host:port, e.g. 10.0.0.5:51820");
    }
}

TEST(bad_config, syntax_errors_are_located)
{
    try {
        parse("peers:\n  - public_key: x\n   bad: [\n", "syntax.yaml");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_EQ(e.file(), "syntax.yaml");
        EXPECT_GE(e.line(), 2);
        EXPECT_EQ(std::string(e.what()).rfind("syntax.yaml:", 0), 0u) << e.what();
        EXPECT_NE(e.hint().find("indentation"), std::string::npos);
    }
}

} // namespace
} // namespace edgerelay::config

namespace edgerelay::config {
namespace {

// Mutated copies of the documented example either load or fail with a located config_error;
// nothing else (a yaml-cpp exception, a crash) may escape parse().
TEST(bad_config, mutations_only_raise_config_error)
{
    std::ifstream in(std::string(EDGERELAY_CONFIG_DIR) + "/edgerelay.yaml");
    ASSERT_TRUE(in);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string example = buf.str();
    const std::string alphabet = " \n\t:-[]{},#\"'&*!|>%@`?0123456789abcdefz./=+";
    std::mt19937 rng(44);
    int located = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string text = example;
        for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) {
            size_t at = rng() % text.size();
            switch (rng() % 3) {
            case 0:
                text[at] = alphabet[rng() % alphabet.size()];
                break;
            case 1:
                text.erase(at, 1 + rng() % 8);
                break;
            default:
                text.insert(at, 1, alphabet[rng() % alphabet.size()]);
                break;
            }
            if (text.empty()) {
                text = " ";
            }
        }
        try {
            parse(text, "m.yaml");
        } catch (const config_error& e) {
            ASSERT_EQ(std::string(e.what()).rfind("m.yaml:", 0), 0u) << e.what();
            ASSERT_FALSE(e.problem().empty()) << e.what();
            located += e.line() > 0;
        } catch (const std::exception& e) {
            FAIL() << "unexpected " << typeid(e).name() << ": " << e.what() << "\n" << text;
        }
    }
    EXPECT_GT(located, 700); // most mutations are errors, and they are located
}

} // namespace
} // namespace edgerelay::config
