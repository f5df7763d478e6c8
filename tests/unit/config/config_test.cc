// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The documented example, defaults, round trips and the address helpers of common/config.
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/config/config.hh"
#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

const std::string config_dir = EDGERELAY_CONFIG_DIR;

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

TEST(config, example_loads_with_its_documented_values)
{
    config c = load(config_dir + "/edgerelay.yaml");
    EXPECT_EQ(c.instance, "edge1");
    EXPECT_EQ(c.identity.private_key_file, "/etc/edgerelay/private.key");
    EXPECT_EQ(c.identity.node_key_file, "/etc/edgerelay/node.key");
    EXPECT_EQ(c.listen_port, 51820);
    EXPECT_EQ(c.mtu, 1420);
    EXPECT_EQ(c.region, "eu-west");
    ASSERT_TRUE(c.location);
    EXPECT_DOUBLE_EQ(c.location->latitude, 48.85);
    EXPECT_DOUBLE_EQ(c.location->longitude, 2.35);
    EXPECT_EQ(format_endpoint(c.http_address), "127.0.0.1:4040");
    EXPECT_EQ(c.control_socket, "/run/edgerelay/edge1.sock");

    const dataplane_config& d = c.dataplane;
    EXPECT_EQ(d.driver, driver_kind::auto_select);
    EXPECT_TRUE(d.cores.empty());
    EXPECT_EQ(d.workers, 1u);
    EXPECT_EQ(d.max_peers, 4096u);
    EXPECT_EQ(d.max_routes, 65536u);
    EXPECT_TRUE(d.hugepages);
    EXPECT_EQ(d.eal_args, std::vector<std::string>{"--in-memory"});
    ASSERT_EQ(d.ports.size(), 2u);
    EXPECT_EQ(d.ports[0].name, "net_af_packet0");
    EXPECT_EQ(d.ports[0].devargs, "iface=veth0");
    EXPECT_EQ(d.ports[0].role, port_role::underlay);
    EXPECT_EQ(d.ports[0].address, pfx("10.0.0.1/24"));
    EXPECT_EQ(d.ports[0].gateway_mac, (std::array<uint8_t, 6>{2, 0, 0, 0, 0, 1}));
    EXPECT_EQ(d.ports[1].role, port_role::access);
    EXPECT_FALSE(d.ports[1].address);
    EXPECT_EQ(format_address(d.io_uring.bind), "::");
    EXPECT_EQ(d.io_uring.family, ip_family::dual);
    ASSERT_TRUE(d.io_uring.tun);
    EXPECT_EQ(d.io_uring.tun->name, "er0");
    EXPECT_EQ(d.io_uring.tun->addresses, std::vector<prefix>{pfx("10.99.0.1/16")});

    ASSERT_EQ(c.bootstrap.size(), 1u);
    EXPECT_EQ(c.bootstrap[0], ep("10.0.0.2:4222"));
    EXPECT_EQ(c.dht.port, 4222);
    EXPECT_EQ(c.dht.k_nearest, 2u);
    EXPECT_EQ(c.health.interval_ms, 100u);
    EXPECT_EQ(c.health.misses, 3u);
    EXPECT_EQ(c.announce.endpoints, std::vector<wire::endpoint>{ep("203.0.113.7:51820")});
    EXPECT_EQ(c.announce.prefixes, std::vector<prefix>{pfx("10.50.0.0/16")});

    ASSERT_EQ(c.peers.size(), 2u);
    const peer_config& a = c.peers[0];
    EXPECT_EQ(crypto::key_to_base64(a.public_key.data()),
              "5jheRzvqk0WBJsg/tzBq9IcJH7HXVKrgnyd+fiKZchM=");
    EXPECT_EQ(a.endpoint, ep("10.0.0.2:51820"));
    EXPECT_EQ(a.allowed_ips, (std::vector<prefix>{pfx("10.1.0.0/16"), pfx("fd01::/64")}));
    ASSERT_TRUE(a.preshared_key);
    EXPECT_EQ(crypto::key_to_base64(a.preshared_key->data()),
              "TfCqPc6pgYe+0njcvVw1fOrvbqxnpYEgbqQezkUEjuU=");
    EXPECT_EQ(a.persistent_keepalive, 25);
    EXPECT_EQ(a.name, "site-a");
    EXPECT_EQ(c.peers[1].endpoint.family, 6);
    EXPECT_EQ(c.peers[1].endpoint.port, 51820);
    EXPECT_FALSE(c.peers[1].preshared_key);

    ASSERT_EQ(c.routes.size(), 2u);
    EXPECT_EQ(c.routes[0].dest, pfx("10.2.0.0/16"));
    EXPECT_FALSE(c.routes[0].local);
    EXPECT_EQ(c.routes[0].peer, 1u);
    EXPECT_TRUE(c.routes[1].local);
}

TEST(config, example_round_trips)
{
    config c = load(config_dir + "/edgerelay.yaml");
    std::string text = to_yaml(c);
    config again = parse(text, "round-trip.yaml");
    EXPECT_EQ(again, c) << text;
    EXPECT_EQ(to_yaml(again), text); // a fixed point
}

TEST(config, every_example_file_loads_and_round_trips)
{
    DIR* dir = opendir((config_dir + "/examples").c_str());
    ASSERT_NE(dir, nullptr);
    int loaded = 0;
    while (dirent* ent = readdir(dir)) {
        std::string n = ent->d_name;
        if (n.size() < 6 || n.substr(n.size() - 5) != ".yaml") {
            continue;
        }
        SCOPED_TRACE(n);
        config c = load(config_dir + "/examples/" + n);
        EXPECT_EQ(parse(to_yaml(c), n), c);
        ++loaded;
    }
    closedir(dir);
    EXPECT_GE(loaded, 3);
}

TEST(config, defaults_fill_everything_left_out)
{
    config c = parse("instance: lab\n", "min.yaml");
    config d;
    EXPECT_EQ(c.instance, "lab");
    EXPECT_EQ(c.control_socket, "/run/edgerelay/lab.sock"); // follows the instance
    EXPECT_EQ(c.identity, d.identity);
    EXPECT_EQ(c.listen_port, 51820);
    EXPECT_EQ(c.mtu, 1420);
    EXPECT_TRUE(c.region.empty());
    EXPECT_FALSE(c.location);
    EXPECT_EQ(format_endpoint(c.http_address), "127.0.0.1:4040");
    EXPECT_EQ(c.dataplane.driver, driver_kind::auto_select);
    EXPECT_TRUE(c.dataplane.cores.empty());
    EXPECT_EQ(c.dataplane.workers, 1u);
    EXPECT_EQ(c.dataplane.max_peers, 4096u);
    EXPECT_EQ(c.dataplane.max_routes, 65536u);
    EXPECT_TRUE(c.dataplane.hugepages);
    EXPECT_TRUE(c.dataplane.eal_args.empty());
    EXPECT_TRUE(c.dataplane.ports.empty());
    EXPECT_TRUE(c.dataplane.io_uring.bind.empty());
    EXPECT_EQ(c.dataplane.io_uring.family, ip_family::dual);
    EXPECT_FALSE(c.dataplane.io_uring.tun);
    EXPECT_EQ(c.dht.port, 4222);
    EXPECT_EQ(c.dht.state_file, "/var/lib/edgerelay/dht.state");
    EXPECT_EQ(c.dht.k_nearest, 2u);
    EXPECT_EQ(c.health.interval_ms, 100u);
    EXPECT_EQ(c.health.misses, 3u);
    EXPECT_EQ(c.health.timeout_ms, 0u);
    EXPECT_TRUE(c.bootstrap.empty());
    EXPECT_TRUE(c.announce.endpoints.empty());
    EXPECT_TRUE(c.announce.prefixes.empty());
    EXPECT_TRUE(c.peers.empty());
    EXPECT_TRUE(c.routes.empty());

    // Empty values mean "default" as well, and a listed core set decides the worker count.
    config e = parse("region:\ndataplane:\n  cores: [3, 1]\n  io_uring: {tun: {}}\n"
                     "peers:\nroutes: ~\n",
                     "empty.yaml");
    EXPECT_TRUE(e.region.empty());
    EXPECT_EQ(e.dataplane.cores, (std::vector<uint32_t>{3, 1}));
    EXPECT_EQ(e.dataplane.workers, 2u);
    ASSERT_TRUE(e.dataplane.io_uring.tun);
    EXPECT_EQ(e.dataplane.io_uring.tun->name, "er0");
    EXPECT_EQ(parse(to_yaml(e), "e"), e);
    EXPECT_EQ(parse(to_yaml(config{}), "d"), config{});
}

TEST(config, routes_resolve_peers_by_name_or_key)
{
    const std::string k1 = "5jheRzvqk0WBJsg/tzBq9IcJH7HXVKrgnyd+fiKZchM=";
    const std::string k2 = "HWp4MKP/SSZN2BO2z23L/+F+kq83cTuR0FI/zqXBkTE=";
    config c = parse("peers:\n  - {public_key: " + k1 + ", name: a}\n  - {public_key: " + k2 +
                         "}\nroutes:\n  - {prefix: 10.0.0.0/8, via: " + k2 +
                         "}\n  - {prefix: 'fd00::/8', via: a}\n  - {prefix: 0.0.0.0/0, via: "
                         "local}\n",
                     "r.yaml");
    ASSERT_EQ(c.routes.size(), 3u);
    EXPECT_EQ(c.routes[0].peer, 1u);
    EXPECT_EQ(c.routes[0].via, k2);
    EXPECT_EQ(c.routes[1].peer, 0u);
    EXPECT_EQ(c.routes[1].dest, pfx("fd00::/8"));
    EXPECT_TRUE(c.routes[2].local);
    EXPECT_EQ(c.routes[2].dest.len, 0);
}

TEST(config, equality_sees_every_peer_field)
{
    config a = load(config_dir + "/edgerelay.yaml");
    config b = a;
    EXPECT_EQ(a, b);
    b.peers[0].preshared_key->bytes[5] ^= 1;
    EXPECT_NE(a, b);
    b = a;
    b.peers[0].preshared_key.reset();
    EXPECT_NE(a, b);
    b = a;
    b.peers[1].allowed_ips[0].len = 17;
    EXPECT_NE(a, b);
}

TEST(config, load_reports_a_missing_file)
{
    try {
        load("/nonexistent/edgerelay.yaml");
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_EQ(e.line(), 0);
        EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/edgerelay.yaml: cannot open: ", 0), 0u)
            << e.what();
    }
}

TEST(config, key_file_mode_must_be_private)
{
    char path[] = "/tmp/edgerelay_key_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    ASSERT_EQ(chmod(path, 0600), 0);
    EXPECT_NO_THROW(check_key_file_mode(path));
    ASSERT_EQ(chmod(path, 0400), 0);
    EXPECT_NO_THROW(check_key_file_mode(path));
    ASSERT_EQ(chmod(path, 0644), 0);
    try {
        check_key_file_mode(path);
        ADD_FAILURE() << "0644 accepted";
    } catch (const config_error& e) {
        EXPECT_EQ(e.field(), "identity.private_key_file");
        EXPECT_NE(e.problem().find("0644"), std::string::npos) << e.what();
        EXPECT_EQ(e.hint(), std::string("chmod 600 ") + path);
    }
    ASSERT_EQ(chmod(path, 0640), 0);
    EXPECT_THROW(check_key_file_mode(path), config_error);
    unlink(path);
    EXPECT_THROW(check_key_file_mode(path), config_error);   // gone
    EXPECT_THROW(check_key_file_mode("/tmp"), config_error); // a directory
}

TEST(address, endpoints_parse_and_print)
{
    EXPECT_EQ(format_endpoint(ep("10.0.0.5:51820")), "10.0.0.5:51820");
    EXPECT_EQ(format_endpoint(ep("[fd00::5]:1")), "[fd00::5]:1");
    EXPECT_EQ(format_endpoint(ep("[FD00:0::5]:65535")), "[fd00::5]:65535");
    wire::endpoint e;
    for (const char* bad :
         {"10.0.0.5", "10.0.0.5:", "10.0.0.5:0", "10.0.0.5:65536", "[fd00::5]", "fd00::5",
          "fd00::5:80", "[10.0.0.5]:80", "host.example:80", "10.0.0.256:80", "[fe80::1%eth0]:80",
          ":80", "", "[fd00::5]x80", "10.0.0.5:8o"}) {
        EXPECT_TRUE(parse_endpoint(bad, e)) << bad;
    }
}

TEST(address, prefixes_mask_like_a_model)
{
    // masked() against a bit-by-bit model over random prefixes of both families.
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
        prefix p;
        p.family = (i & 1) ? 6 : 4;
        unsigned bits = p.family == 4 ? 32 : 128;
        for (unsigned b = 0; b < bits / 8; ++b) {
            p.addr[b] = static_cast<uint8_t>(rng());
        }
        p.len = static_cast<uint8_t>(rng() % (bits + 1));
        prefix m = masked(p);
        for (unsigned bit = 0; bit < 128; ++bit) {
            bool in = (p.addr[bit / 8] >> (7 - bit % 8)) & 1;
            bool out = (m.addr[bit / 8] >> (7 - bit % 8)) & 1;
            ASSERT_EQ(out, bit < p.len && in) << format_prefix(p) << " bit " << bit;
        }
        prefix back;
        ASSERT_FALSE(parse_prefix(format_prefix(m), back, false)) << format_prefix(m);
        ASSERT_EQ(back, m);
        if (!(m == p)) {
            auto problem = parse_prefix(format_prefix(p), back, false);
            ASSERT_TRUE(problem);
            ASSERT_EQ(problem->hint, "write " + format_prefix(m));
        }
    }
    EXPECT_EQ(format_prefix(pfx("10.0.0.7")), "10.0.0.7/32");
    EXPECT_EQ(format_prefix(pfx("fd00::7")), "fd00::7/128");
    prefix p;
    EXPECT_TRUE(parse_prefix("10.0.0.0/33", p, true));
    EXPECT_TRUE(parse_prefix("fd00::/129", p, true));
    EXPECT_TRUE(parse_prefix("10.0.0.0/", p, true));
    EXPECT_TRUE(parse_prefix("10.0.0.0/x", p, true));
}

TEST(address, edit_distance_counts_edits)
{
    EXPECT_EQ(edit_distance("mtu", "mtu"), 0u);
    EXPECT_EQ(edit_distance("mtuu", "mtu"), 1u);
    EXPECT_EQ(edit_distance("endpiont", "endpoint"), 2u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

} // namespace
} // namespace edgerelay::config

namespace edgerelay::config {
namespace {

// Builds a random but valid config: what to_yaml writes, parse must read back identically.
config random_config(std::mt19937& rng)
{
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    auto word = [&](size_t len) {
        std::string s;
        for (size_t i = 0; i < len; ++i) {
            s += static_cast<char>('a' + pick(26));
        }
        return s;
    };
    auto endpoint = [&](bool v6) {
        wire::endpoint e;
        e.family = v6 ? 6 : 4;
        for (int i = 0; i < (v6 ? 16 : 4); ++i) {
            e.addr[i] = static_cast<uint8_t>(rng());
        }
        e.addr[0] = v6 ? 0xfd : static_cast<uint8_t>(1 + pick(223));
        e.port = static_cast<uint16_t>(1 + pick(65535));
        return e;
    };
    config c;
    c.instance = word(1 + pick(10));
    c.control_socket = "/run/" + word(5) + ".sock";
    c.listen_port = static_cast<uint16_t>(1 + pick(65535));
    c.mtu = static_cast<uint16_t>(576 + pick(9000 - 576 + 1));
    if (pick(2)) {
        c.region = word(1 + pick(8)) + "-" + std::to_string(pick(9));
    }
    if (pick(2)) {
        std::uniform_real_distribution<double> lat(-90, 90);
        std::uniform_real_distribution<double> lon(-180, 180);
        c.location = location_config{lat(rng), lon(rng)};
    }
    c.http_address = endpoint(pick(2));
    c.identity.private_key_file = "/k/" + word(6);
    c.dht.k_nearest = 1 + pick(20);
    c.health.interval_ms = 10 + pick(1000);
    c.health.timeout_ms = pick(2) ? 0 : 1 + pick(4000);
    dataplane_config& d = c.dataplane;
    d.driver = static_cast<driver_kind>(pick(3));
    if (pick(2)) {
        for (uint32_t core = pick(4); d.cores.size() < 1 + pick(8); core += 1 + pick(3)) {
            d.cores.push_back(core);
        }
        d.workers = static_cast<uint32_t>(d.cores.size());
    } else {
        d.workers = 1 + pick(16);
    }
    d.hugepages = pick(2);
    d.max_peers = 1 + pick(1 << 20);
    for (uint32_t i = pick(3); i > 0; --i) {
        d.eal_args.push_back("--" + word(4) + (pick(2) ? "=x y" : ""));
    }
    for (uint32_t i = (d.driver == driver_kind::dpdk ? 1 : 0) + pick(3); i > 0; --i) {
        port_config p;
        p.name = "net_" + word(4) + std::to_string(i);
        p.role = d.ports.empty() ? port_role::underlay : static_cast<port_role>(pick(2));
        if (p.role == port_role::underlay || pick(2)) {
            prefix a;
            a.family = 4;
            a.addr[0] = 10;
            a.addr[3] = static_cast<uint8_t>(rng());
            a.len = static_cast<uint8_t>(8 + pick(25));
            p.address = a;
        }
        if (pick(2)) {
            p.devargs = "iface=" + word(5) + ",x=1";
            p.gateway_mac = std::array<uint8_t, 6>{2, 0, 0, 0, static_cast<uint8_t>(rng()), 0xab};
        }
        p.vlan = static_cast<uint16_t>(pick(4095));
        d.ports.push_back(p);
    }
    d.io_uring.family = static_cast<ip_family>(pick(3));
    if (pick(2)) {
        d.io_uring.bind.family = d.io_uring.family == ip_family::ipv4 ? 4 : 6;
        if (d.io_uring.family != ip_family::dual) {
            d.io_uring.bind.addr[0] = d.io_uring.bind.family == 4 ? 10 : 0xfd;
        }
    }
    if (pick(2)) {
        d.io_uring.tun = tun_config{"tun" + std::to_string(pick(100)), {}};
        if (pick(2)) {
            d.io_uring.tun->addresses.push_back(
                prefix{6, {0xfd, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 64});
        }
    }
    for (uint32_t i = pick(4); i > 0; --i) {
        c.bootstrap.push_back(endpoint(pick(2)));
    }
    for (uint32_t i = pick(3); i > 0; --i) {
        wire::endpoint e = endpoint(pick(2));
        e.addr[e.family == 4 ? 3 : 15] = static_cast<uint8_t>(i); // not a wildcard, unique
        c.announce.endpoints.push_back(e);
    }
    for (uint32_t i = pick(3); i > 0; --i) {
        prefix a;
        a.family = 4;
        a.addr[0] = 100;
        a.addr[1] = static_cast<uint8_t>(i);
        a.len = 16;
        c.announce.prefixes.push_back(a);
    }
    uint32_t next_net = 0;
    for (uint32_t i = pick(6); i > 0; --i) {
        peer_config p;
        crypto::random_bytes(p.public_key.data(), 32);
        if (pick(2)) {
            p.endpoint = endpoint(pick(2));
        }
        for (uint32_t k = pick(4); k > 0; --k, ++next_net) {
            prefix a;
            a.family = pick(2) ? 4 : 6;
            a.addr[0] = a.family == 4 ? 10 : 0xfd;
            a.addr[1] = static_cast<uint8_t>(next_net);
            a.len = 16;
            p.allowed_ips.push_back(a);
        }
        if (pick(2)) {
            p.preshared_key.emplace();
            crypto::random_bytes(p.preshared_key->data(), 32);
        }
        p.persistent_keepalive = static_cast<uint16_t>(pick(2) ? pick(65536) : 0);
        if (pick(2)) {
            p.name = "peer-" + std::to_string(c.peers.size());
        }
        c.peers.push_back(p);
    }
    for (uint32_t i = pick(6); i > 0; --i) {
        route_config r;
        r.dest.family = 4;
        r.dest.addr[0] = 172;
        r.dest.addr[1] = static_cast<uint8_t>(i);
        r.dest.len = 16;
        if (c.peers.empty() || pick(3) == 0) {
            r.via = "local";
            r.local = true;
        } else {
            r.peer = pick(static_cast<uint32_t>(c.peers.size()));
            const peer_config& p = c.peers[r.peer];
            r.via = p.name.empty() || pick(2) ? crypto::key_to_base64(p.public_key.data()) : p.name;
        }
        c.routes.push_back(r);
    }
    return c;
}

TEST(config, random_configs_round_trip)
{
    std::mt19937 rng(2026);
    for (int i = 0; i < 300; ++i) {
        config c = random_config(rng);
        std::string text = to_yaml(c);
        config back;
        ASSERT_NO_THROW(back = parse(text, "random.yaml")) << text;
        ASSERT_EQ(back, c) << text;
    }
}

} // namespace
} // namespace edgerelay::config
