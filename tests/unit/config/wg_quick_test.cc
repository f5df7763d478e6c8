// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wg-quick import: a realistic file converts to YAML that loads back to the same peers.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/config/config.hh"
#include "common/config/wg_quick.hh"
#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

#define PRIV "uOYbLBsw58cdbUGlfkDmXqqZPutXEpF0o5EMk8PFEUA="
#define K1 "5jheRzvqk0WBJsg/tzBq9IcJH7HXVKrgnyd+fiKZchM="
#define K2 "HWp4MKP/SSZN2BO2z23L/+F+kq83cTuR0FI/zqXBkTE="
#define K3 "TmrMQSWQlAe6F1ioRhu6vCEAz2NPQ6fV8wzaaNLVoy4="
#define PSK "TfCqPc6pgYe+0njcvVw1fOrvbqxnpYEgbqQezkUEjuU="

const char* const realistic = R"(# wg0 on the office router, as wg-quick(8) reads it
[Interface]
PrivateKey = )" PRIV R"(
Address = 10.99.0.1/24, fd99::1/64
ListenPort = 51821
MTU = 1380
DNS = 10.99.0.53
PostUp = iptables -A FORWARD -i %i -j ACCEPT

[Peer]
# site-a: two AllowedIPs lines, a preshared key
PublicKey = )" K1 R"(
PresharedKey = )" PSK R"(
Endpoint = 192.0.2.10:51820
AllowedIPs = 10.1.0.0/16, fd01::/64
AllowedIPs = 10.11.0.0/16
PersistentKeepalive = 25

[Peer]
PublicKey = )" K2 "\t\r"
                              R"(
Endpoint = [2001:db8::2]:51820
AllowedIPs = 10.2.0.0/16,fd02::/48   # trailing comment
PersistentKeepalive = off

[peer]
publickey = )" K3 R"(
allowedips = 10.3.0.5/32
)";

prefix pfx(const std::string& text)
{
    prefix p;
    EXPECT_FALSE(parse_prefix(text, p, true)) << text;
    return p;
}

wire::endpoint ep(const std::string& text)
{
    wire::endpoint e;
    EXPECT_FALSE(parse_endpoint(text, e)) << text;
    return e;
}

peer_config make_peer(const char* key, const char* endpoint, std::vector<const char*> ips,
                      const char* psk, uint16_t keepalive)
{
    peer_config p;
    p.public_key = *crypto::key_from_base64(key);
    if (endpoint) {
        p.endpoint = ep(endpoint);
    }
    for (const char* ip : ips) {
        p.allowed_ips.push_back(pfx(ip));
    }
    if (psk) {
        auto k = *crypto::key_from_base64(psk);
        p.preshared_key.emplace();
        std::copy(k.begin(), k.end(), p.preshared_key->bytes.begin());
    }
    p.persistent_keepalive = keepalive;
    return p;
}

TEST(wg_quick, realistic_file_loads_back_to_the_same_peers)
{
    std::optional<crypto::secret32> priv;
    std::string yaml = import_wg_quick(realistic, "/etc/wireguard/wg0.conf", priv);
    SCOPED_TRACE(yaml);

    ASSERT_TRUE(priv);
    EXPECT_EQ(crypto::key_to_base64(priv->data()), PRIV);
    EXPECT_EQ(yaml.find(PRIV), std::string::npos) << "private key copied into the YAML";
    EXPECT_NE(yaml.find("not copied here"), std::string::npos);
    EXPECT_NE(yaml.find("not imported (wg-quick only), line 7: DNS = 10.99.0.53"),
              std::string::npos);
    EXPECT_NE(yaml.find("line 8: PostUp = iptables"), std::string::npos);

    config c = parse(yaml, "imported.yaml");
    EXPECT_EQ(c.instance, "wg0");
    EXPECT_EQ(c.listen_port, 51821);
    EXPECT_EQ(c.mtu, 1380);
    EXPECT_EQ(c.dataplane.driver, driver_kind::io_uring);
    ASSERT_TRUE(c.dataplane.io_uring.tun);
    EXPECT_EQ(c.dataplane.io_uring.tun->addresses,
              (std::vector<prefix>{pfx("10.99.0.1/24"), pfx("fd99::1/64")}));

    std::vector<peer_config> expected = {
        make_peer(K1, "192.0.2.10:51820", {"10.1.0.0/16", "fd01::/64", "10.11.0.0/16"}, PSK, 25),
        make_peer(K2, "[2001:db8::2]:51820", {"10.2.0.0/16", "fd02::/48"}, nullptr, 0),
        make_peer(K3, nullptr, {"10.3.0.5/32"}, nullptr, 0),
    };
    ASSERT_EQ(c.peers.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_TRUE(c.peers[i] == expected[i]) << "peer " << i;
    }
    ASSERT_EQ(c.routes.size(), 2u);
    EXPECT_EQ(c.routes[0].dest, pfx("10.99.0.0/24"));
    EXPECT_TRUE(c.routes[0].local);
    EXPECT_EQ(c.routes[1].dest, pfx("fd99::/64"));

    // And the YAML survives its own round trip.
    EXPECT_EQ(parse(to_yaml(c), "again.yaml"), c);
}

TEST(wg_quick, shipped_example_imports)
{
    std::ifstream in(std::string(EDGERELAY_CONFIG_DIR) + "/examples/wg0.conf");
    ASSERT_TRUE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::optional<crypto::secret32> priv;
    config c = parse(import_wg_quick(text.str(), "examples/wg0.conf", priv), "wg0.yaml");
    EXPECT_TRUE(priv);
    EXPECT_EQ(c.instance, "wg0");
    ASSERT_EQ(c.peers.size(), 1u);
    EXPECT_EQ(c.peers[0].allowed_ips.size(), 2u);
    EXPECT_EQ(c.peers[0].persistent_keepalive, 25);
}

TEST(wg_quick, minimal_file_without_private_key)
{
    std::optional<crypto::secret32> priv;
    std::string yaml = import_wg_quick("[Interface]\n", "odd name.conf", priv);
    EXPECT_FALSE(priv);
    config c = parse(yaml, "min.yaml");
    EXPECT_EQ(c.instance, "edgerelay"); // the file name is not a valid instance name
    EXPECT_TRUE(c.peers.empty());
    EXPECT_EQ(import_wg_quick("[Interface]\nListenPort=1\n", "x.conf").find("listen_port: 1\n") ==
                  std::string::npos,
              false);
}

struct bad_ini {
    const char* name;
    const char* ini;
    int line;
    const char* field;   // exact field path
    const char* problem; // substring
};

const std::vector<bad_ini> bad_inis = {
    {"unknown_interface_key", "[Interface]\nListenPrt = 1\n", 2, "[Interface].ListenPrt",
     "unknown key"},
    {"unknown_peer_key", "[Interface]\n[Peer]\nPublicKey = " K1 "\nEndpiont = 10.0.0.1:1\n", 4,
     "[Peer 1].Endpiont", "unknown key"},
    {"bad_private_key", "[Interface]\nPrivateKey = abc\n", 2, "[Interface].PrivateKey",
     "not a WireGuard key"},
    {"bad_public_key", "[Interface]\n\n[Peer]\nPublicKey = " K1 "x\n", 4, "[Peer 1].PublicKey",
     "not a WireGuard key"},
    {"bad_psk", "[Interface]\n[Peer]\nPublicKey = " K1 "\nPresharedKey = zz\n", 4,
     "[Peer 1].PresharedKey", "not a WireGuard key"},
    {"endpoint_without_port", "[Interface]\n[Peer]\nPublicKey = " K1 "\nEndpoint = 10.0.0.5\n", 4,
     "[Peer 1].Endpoint", "has no port"},
    {"endpoint_hostname",
     "[Interface]\n[Peer]\nPublicKey = " K1 "\nEndpoint = vpn.example.com:51820\n", 4,
     "[Peer 1].Endpoint", "not an IP address"},
    {"allowed_ip_host_bits",
     "[Interface]\n[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.0/8, 10.1.2.3/16\n", 4,
     "[Peer 1].AllowedIPs", "host bits set"},
    {"allowed_ip_shared",
     "[Interface]\n[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.0/8\n[Peer]\n"
     "PublicKey = " K2 "\nAllowedIPs = 10.0.0.0/8\n",
     7, "[Peer 2].AllowedIPs", "already an allowed IP (line 4)"},
    {"duplicate_peer_key", "[Interface]\n[Peer]\nPublicKey = " K1 "\n[Peer]\nPublicKey = " K1 "\n",
     5, "[Peer 2].PublicKey", "same PublicKey"},
    {"listen_port_zero", "[Interface]\nListenPort = 0\n", 2, "[Interface].ListenPort",
     "out of range"},
    {"mtu_word", "[Interface]\nMTU = big\n", 2, "[Interface].MTU", "not a whole number"},
    {"bad_address", "[Interface]\nAddress = 10.0.0.1/24, 10.0.0.300/24\n", 2, "[Interface].Address",
     "not a valid IP address"},
    {"keepalive_word", "[Interface]\n[Peer]\nPublicKey = " K1 "\nPersistentKeepalive = always\n", 4,
     "[Peer 1].PersistentKeepalive", "not a whole number"},
    {"key_outside_section", "ListenPort = 1\n[Interface]\n", 1, "ListenPort",
     "outside any section"},
    {"unknown_section", "[Interface]\n[Peers]\n", 2, "", "unknown section [Peers]"},
    {"no_equals", "[Interface]\nListenPort 51820\n", 2, "", "expected Key = Value"},
    {"empty_value", "[Interface]\n[Peer]\nPublicKey = " K1 "\nEndpoint =\n", 4, "[Peer 1].Endpoint",
     "has no value"},
    {"repeated_key", "[Interface]\nListenPort = 1\nMTU = 1400\nListenPort = 2\n", 4,
     "[Interface].ListenPort", "set twice (first at line 2)"},
    {"peer_without_public_key", "[Interface]\n\n[Peer]\nAllowedIPs = 10.0.0.0/8\n", 3,
     "[Peer 1].PublicKey", "has no PublicKey"},
    {"second_interface", "[Interface]\n[Interface]\n", 2, "[Interface]", "second [Interface]"},
    {"no_interface", "[Peer]\nPublicKey = " K1 "\n", 1, "[Interface]", "no [Interface]"},
};

void PrintTo(const bad_ini& c, std::ostream* os)
{
    *os << c.name;
}

class bad_wg_quick : public testing::TestWithParam<bad_ini> {};

TEST_P(bad_wg_quick, names_the_line)
{
    const bad_ini& c = GetParam();
    try {
        import_wg_quick(c.ini, "wg0.conf");
        FAIL() << "accepted:\n" << c.ini;
    } catch (const config_error& e) {
        SCOPED_TRACE(e.what());
        EXPECT_EQ(e.file(), "wg0.conf");
        EXPECT_EQ(e.line(), c.line);
        EXPECT_GE(e.column(), 1);
        EXPECT_EQ(e.field(), c.field);
        EXPECT_NE(e.problem().find(c.problem), std::string::npos);
        EXPECT_FALSE(e.hint().empty());
        EXPECT_EQ(std::string(e.what()).rfind("wg0.conf:" + std::to_string(c.line) + ":", 0), 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(config, bad_wg_quick, testing::ValuesIn(bad_inis),
                         [](const testing::TestParamInfo<bad_ini>& i) {
                             return std::string(i.param.name);
                         });

TEST(wg_quick, unknown_key_suggests_the_wg_spelling)
{
    try {
        import_wg_quick("[Interface]\n[Peer]\nAllowedIP = 10.0.0.0/8\n", "wg0.conf");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_EQ(e.hint(), "did you mean \"AllowedIPs\"?");
        EXPECT_EQ(e.column(), 1);
    }
    try {
        import_wg_quick("[Interface]\n  ListenPort = x1\n", "wg0.conf");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_EQ(e.column(), 16); // points at the value
    }
}

} // namespace
} // namespace edgerelay::config
