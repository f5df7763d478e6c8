// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The mesh manager's configuration rules: when the mesh is on, and what a relay announces.
#include <gtest/gtest.h>

#include "common/config/config.hh"
#include "controlplane/discovery/mesh_manager.hh"

namespace edgerelay::cp::discovery {
namespace {

config::config parse(const std::string& yaml)
{
    return config::parse(yaml, "test.yaml");
}

std::vector<std::string> texts(const std::vector<wire::endpoint>& eps)
{
    std::vector<std::string> out;
    for (const auto& e : eps) {
        out.push_back(config::format_endpoint(e));
    }
    return out;
}

TEST(discovery, static_configurations_stay_static)
{
    EXPECT_FALSE(mesh_enabled(config::config{}));
    EXPECT_FALSE(mesh_enabled(parse("listen_port: 51820\nlocation: {latitude: 1, longitude: 2}\n")));
    EXPECT_TRUE(mesh_enabled(parse("region: eu-west\n")));
    EXPECT_TRUE(mesh_enabled(parse("bootstrap: [\"10.0.0.1:4222\"]\n")));
}

TEST(discovery, announced_endpoints_prefer_the_configured_ones)
{
    auto c = parse("listen_port: 5000\n"
                   "announce: {endpoints: [\"203.0.113.7:51820\", \"[2001:db8::7]:51820\"]}\n"
                   "dataplane: {driver: io_uring, io_uring: {bind: 10.0.0.1, family: ipv4}}\n");
    EXPECT_EQ(texts(announced_endpoints(c)),
              (std::vector<std::string>{"203.0.113.7:51820", "[2001:db8::7]:51820"}));
}

TEST(discovery, announced_endpoints_derive_from_the_bound_address_never_a_wildcard)
{
    auto bound = parse("listen_port: 5000\n"
                       "dataplane: {driver: io_uring, io_uring: {bind: 10.0.0.1, family: ipv4}}\n");
    EXPECT_EQ(texts(announced_endpoints(bound)), std::vector<std::string>{"10.0.0.1:5000"});
    auto wildcard = parse("dataplane: {driver: io_uring, io_uring: {bind: 0.0.0.0, family: ipv4}}\n");
    EXPECT_TRUE(announced_endpoints(wildcard).empty());
    EXPECT_TRUE(announced_endpoints(config::config{}).empty());
}

TEST(discovery, announced_endpoints_derive_from_dpdk_underlay_ports_only)
{
    auto c = parse("listen_port: 51820\n"
                   "dataplane:\n"
                   "  driver: dpdk\n"
                   "  ports:\n"
                   "    - {name: net_a, role: underlay, address: 192.0.2.10/24}\n"
                   "    - {name: net_b, role: access, address: 10.9.0.1/16}\n");
    EXPECT_EQ(texts(announced_endpoints(c)), std::vector<std::string>{"192.0.2.10:51820"});
}

} // namespace
} // namespace edgerelay::cp::discovery
