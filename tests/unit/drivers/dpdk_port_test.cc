// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// dpdk_port on two net_ring ports joined back to back in this process (no root, no hugepages).
#include "drivers/dpdk/dpdk_port.hh"

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>
#include <rte_eth_ring.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "drivers/pkt_meta.hh"
#include "tests/lib/eal_env.hh"

namespace edgerelay::drv {
namespace {

// Two ethdev ports wired like a cable: what A transmits on queue q, B receives on queue q,
// and the reverse. rte_eth_from_rings registers each as a net_ring vdev.
struct ring_pair {
    std::string a_name;
    std::string b_name;
    std::vector<rte_ring*> rings;

    explicit ring_pair(unsigned n_queues, unsigned ring_size = 512)
    {
        static unsigned seq = 0;
        const unsigned id = seq++;
        a_name = "net_ring_a" + std::to_string(id);
        b_name = "net_ring_b" + std::to_string(id);
        std::vector<rte_ring*> a_to_b, b_to_a;
        for (unsigned q = 0; q < n_queues; ++q) {
            a_to_b.push_back(make_ring("ab" + std::to_string(id) + "_" + std::to_string(q),
                                       ring_size));
            b_to_a.push_back(make_ring("ba" + std::to_string(id) + "_" + std::to_string(q),
                                       ring_size));
        }
        // rte_eth_from_rings names the device "net_ring_<name>"; use what ethdev reports.
        a_name = device_name(rte_eth_from_rings(a_name.c_str(), b_to_a.data(), n_queues,
                                                a_to_b.data(), n_queues, 0));
        b_name = device_name(rte_eth_from_rings(b_name.c_str(), a_to_b.data(), n_queues,
                                                b_to_a.data(), n_queues, 0));
    }

    static std::string device_name(int port_id)
    {
        char n[RTE_ETH_NAME_MAX_LEN];
        if (port_id < 0 || rte_eth_dev_get_name_by_port(static_cast<uint16_t>(port_id), n) != 0) {
            throw std::runtime_error("rte_eth_from_rings failed");
        }
        return n;
    }

    rte_ring* make_ring(const std::string& name, unsigned size)
    {
        rte_ring* r = rte_ring_create(name.c_str(), size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r == nullptr) {
            throw std::runtime_error("rte_ring_create failed");
        }
        rings.push_back(r);
        return r;
    }

    port_config cfg(const std::string& name, uint16_t n_queues = 1) const
    {
        port_config c;
        c.name = name;
        c.n_queues = n_queues;
        c.rx_ring = 256;
        c.tx_ring = 256;
        return c;
    }
};

std::string error_of(const port_config& c)
{
    try {
        dpdk_port::open(c);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

// A frame whose bytes depend on (seq, offset), so any corruption or reordering shows.
std::vector<uint8_t> frame(unsigned seq, unsigned len)
{
    std::vector<uint8_t> f(len);
    for (unsigned i = 0; i < len; ++i) {
        f[i] = static_cast<uint8_t>(seq * 31 + i * 7 + (i >> 8));
    }
    return f;
}

rte_mbuf* to_mbuf(rte_mempool* mp, const std::vector<uint8_t>& bytes)
{
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    if (m == nullptr) {
        return nullptr;
    }
    char* d = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
    std::memcpy(d, bytes.data(), bytes.size());
    return m;
}

class dpdk_port_test : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(test::eal_ready()); }
};

TEST_F(dpdk_port_test, eal_init_tolerates_running_eal)
{
    EXPECT_FALSE(eal_init({"edgerelay-test", "--no-huge"}));
}

TEST_F(dpdk_port_test, frames_cross_back_to_back_ports)
{
    ring_pair rp(1);
    port_config ca = rp.cfg(rp.a_name);
    port_config cb = rp.cfg(rp.b_name);
    cb.kind = port_kind::access_eth;
    cb.index = 7;
    auto a = dpdk_port::open(ca);
    auto b = dpdk_port::open(cb);
    EXPECT_STREQ(a->name(), ("dpdk:" + rp.a_name).c_str());
    EXPECT_EQ(a->kind(), port_kind::underlay_eth);
    EXPECT_EQ(b->kind(), port_kind::access_eth);
    EXPECT_EQ(a->pool(), b->pool()) << "ports on one socket share the packet pool";
    EXPECT_FALSE(a->tx_cksum_offload()) << "net_ring has no checksum offload";
    EXPECT_FALSE(a->rss());

    constexpr unsigned n = 40;
    std::vector<std::vector<uint8_t>> sent;
    std::array<pkt*, n> out{};
    uint64_t bytes = 0;
    for (unsigned i = 0; i < n; ++i) {
        sent.push_back(frame(i, 60 + (i * 37) % 1455));
        bytes += sent.back().size();
        out[i] = to_mbuf(a->pool(), sent.back());
        ASSERT_NE(out[i], nullptr);
    }
    ASSERT_EQ(a->tx_burst(0, out), n);

    std::array<pkt*, 64> in{};
    uint16_t got = b->rx_burst(0, in);
    ASSERT_EQ(got, n);
    for (unsigned i = 0; i < got; ++i) {
        const auto& want = sent[i];
        ASSERT_EQ(rte_pktmbuf_pkt_len(in[i]), want.size()) << "frame " << i;
        EXPECT_EQ(std::memcmp(rte_pktmbuf_mtod(in[i], const uint8_t*), want.data(), want.size()),
                  0)
            << "frame " << i;
        EXPECT_EQ(meta(in[i]).port_index, 7) << "frame " << i;
    }
    rte_pktmbuf_free_bulk(in.data(), got);
    EXPECT_EQ(a->rx_burst(0, in), 0) << "nothing flows back";

    // And the other way, with the index defaulting to the ethdev port id.
    rte_mbuf* back = to_mbuf(b->pool(), frame(99, 64));
    ASSERT_EQ(b->tx_burst(0, std::span<pkt* const>(&back, 1)), 1);
    ASSERT_EQ(a->rx_burst(0, in), 1);
    EXPECT_EQ(meta(in[0]).port_index, a->port_id());
    rte_pktmbuf_free(in[0]);

    port_stats sa = a->stats();
    port_stats sb = b->stats();
    EXPECT_EQ(sa.tx_packets, n);
    EXPECT_EQ(sa.rx_packets, 1u);
    EXPECT_EQ(sb.rx_packets, n);
    EXPECT_EQ(sb.tx_packets, 1u);
    EXPECT_EQ(sa.tx_errors, 0u);
    EXPECT_EQ(sb.rx_missed, 0u);
    // net_ring counts bytes only in newer DPDK releases; when it does, they must be exact.
    if (sb.rx_bytes != 0) {
        EXPECT_EQ(sb.rx_bytes, bytes);
        EXPECT_EQ(sa.tx_bytes, bytes);
    }
    bool has_rx_good = false;
    for (const auto& [name, value] : b->xstats()) {
        if (name == "rx_good_packets") {
            has_rx_good = true;
            EXPECT_EQ(value, n);
        }
    }
    EXPECT_TRUE(has_rx_good);
}

TEST_F(dpdk_port_test, hot_added_vdev_found_by_its_device_name)
{
    // A net_ring vdev without arguments loops TX back to RX: what --vdev net_ring0 gives.
    ASSERT_EQ(rte_dev_probe("net_ring_lo0"), 0);
    port_config c;
    c.name = "net_ring_lo0";
    c.rx_ring = 128;
    c.tx_ring = 128;
    auto p = dpdk_port::open(c);
    rte_mbuf* m = to_mbuf(p->pool(), frame(3, 200));
    ASSERT_EQ(p->tx_burst(0, std::span<pkt* const>(&m, 1)), 1);
    std::array<pkt*, 4> in{};
    ASSERT_EQ(p->rx_burst(0, in), 1);
    const auto want = frame(3, 200);
    ASSERT_EQ(rte_pktmbuf_pkt_len(in[0]), want.size());
    EXPECT_EQ(std::memcmp(rte_pktmbuf_mtod(in[0], const uint8_t*), want.data(), want.size()), 0);
    EXPECT_EQ(meta(in[0]).port_index, p->port_id());
    rte_pktmbuf_free(in[0]);
}

TEST_F(dpdk_port_test, memif_server_and_client_in_one_process)
{
    // The macro benchmark's wiring: a shared-memory memif pair, hot-added as --vdev would.
    test::eal_skip_cleanup();
    const std::string sock = ::testing::TempDir() + "edgerelay-memif-" +
                             std::to_string(getpid()) + ".sock";
    ASSERT_EQ(rte_dev_probe(("net_memif_srv0,role=server,id=0,socket=" + sock).c_str()), 0);
    ASSERT_EQ(rte_dev_probe(("net_memif_cli0,role=client,id=0,socket=" + sock).c_str()), 0);
    port_config cs;
    cs.name = "net_memif_srv0";
    cs.index = 3;
    cs.rx_ring = 256;
    cs.tx_ring = 256;
    port_config cc = cs;
    cc.name = "net_memif_cli0";
    cc.index = 4;
    auto server = dpdk_port::open(cs);
    auto client = dpdk_port::open(cc);

    // The connection handshake runs on EAL's interrupt thread: poll, bounded, no timing claim.
    for (int i = 0; i < 500 && !(server->link_status().up && client->link_status().up); ++i) {
        usleep(10000);
    }
    ASSERT_TRUE(server->link_status().up);
    ASSERT_TRUE(client->link_status().up);

    constexpr unsigned n = 32;
    std::vector<std::vector<uint8_t>> sent;
    std::array<pkt*, n> out{};
    for (unsigned i = 0; i < n; ++i) {
        sent.push_back(frame(i + 50, 60 + (i * 97) % 1455));
        out[i] = to_mbuf(client->pool(), sent.back());
        ASSERT_NE(out[i], nullptr);
    }
    uint16_t txd = client->tx_burst(0, out);
    rte_pktmbuf_free_bulk(out.data() + txd, n - txd); // memif may accept fewer; count those only
    ASSERT_GT(txd, 0);

    std::array<pkt*, 64> in{};
    unsigned got = 0;
    for (int spin = 0; spin < 1000 && got < txd; ++spin) {
        uint16_t k = server->rx_burst(0, std::span(in.data() + got, in.size() - got));
        got += k;
        if (k == 0) {
            usleep(1000);
        }
    }
    ASSERT_EQ(got, txd);
    for (unsigned i = 0; i < got; ++i) {
        ASSERT_EQ(rte_pktmbuf_pkt_len(in[i]), sent[i].size()) << "frame " << i;
        EXPECT_EQ(std::memcmp(rte_pktmbuf_mtod(in[i], const uint8_t*), sent[i].data(),
                              sent[i].size()),
                  0)
            << "frame " << i;
        EXPECT_EQ(meta(in[i]).port_index, 3) << "frame " << i;
    }
    rte_pktmbuf_free_bulk(in.data(), got);
    EXPECT_EQ(server->stats().rx_packets, got);
    EXPECT_EQ(client->stats().tx_packets, txd);

    client.reset();
    server.reset();
    unlink(sock.c_str());
}

TEST_F(dpdk_port_test, full_tx_ring_leaves_the_rest_to_the_caller)
{
    ring_pair rp(1, 64); // 63 usable slots
    auto a = dpdk_port::open(rp.cfg(rp.a_name));
    auto b = dpdk_port::open(rp.cfg(rp.b_name));
    std::array<pkt*, 100> out{};
    for (auto& m : out) {
        m = to_mbuf(a->pool(), frame(1, 64));
        ASSERT_NE(m, nullptr);
    }
    const uint16_t sent = a->tx_burst(0, out);
    EXPECT_EQ(sent, 63);
    rte_pktmbuf_free_bulk(out.data() + sent, out.size() - sent);

    std::array<pkt*, 32> in{};
    unsigned total = 0;
    for (uint16_t got; (got = b->rx_burst(0, in)) != 0; total += got) {
        rte_pktmbuf_free_bulk(in.data(), got);
    }
    EXPECT_EQ(total, 63u);
}

TEST_F(dpdk_port_test, queues_stay_paired)
{
    ring_pair rp(2);
    auto a = dpdk_port::open(rp.cfg(rp.a_name, 2));
    auto b = dpdk_port::open(rp.cfg(rp.b_name, 2));
    EXPECT_EQ(a->n_queues(), 2);
    EXPECT_FALSE(a->rss());
    ASSERT_FALSE(a->notes().empty()) << "missing RSS is reported";
    EXPECT_NE(a->notes()[0].find("has no RSS"), std::string::npos);

    rte_mbuf* m = to_mbuf(a->pool(), frame(5, 128));
    ASSERT_EQ(a->tx_burst(1, std::span<pkt* const>(&m, 1)), 1);
    std::array<pkt*, 8> in{};
    EXPECT_EQ(b->rx_burst(0, in), 0);
    ASSERT_EQ(b->rx_burst(1, in), 1);
    EXPECT_EQ(rte_pktmbuf_pkt_len(in[0]), 128u);
    rte_pktmbuf_free(in[0]);
}

TEST_F(dpdk_port_test, link_status_and_mac)
{
    ring_pair rp(1);
    auto a = dpdk_port::open(rp.cfg(rp.a_name));
    link_info li = a->link_status();
    EXPECT_TRUE(li.up);
    EXPECT_GT(li.speed_mbps, 0u);

    rte_ether_addr want{};
    ASSERT_EQ(rte_eth_macaddr_get(a->port_id(), &want), 0);
    std::array<uint8_t, 6> mac = a->mac();
    EXPECT_EQ(std::memcmp(mac.data(), want.addr_bytes, 6), 0);

    a->stop();
    EXPECT_FALSE(a->link_status().up);
    a->close();
    a->close(); // idempotent
    EXPECT_EQ(a->stats().rx_packets, 0u);
}

TEST_F(dpdk_port_test, errors_name_the_cause_and_the_fix)
{
    port_config c;
    c.name = "net_nosuch0";
    EXPECT_NE(error_of(c).find("port 'net_nosuch0' not found: check the vdev arguments"),
              std::string::npos)
        << error_of(c);

    ring_pair rp(1);
    c = rp.cfg(rp.a_name, 4);
    EXPECT_NE(error_of(c).find("supports at most 1 queue pairs, 4 requested"),
              std::string::npos)
        << error_of(c);

    c = rp.cfg(rp.a_name);
    c.kind = port_kind::underlay_udp;
    EXPECT_NE(error_of(c).find("kind must be underlay_eth or access_eth"), std::string::npos);

    c = rp.cfg(rp.a_name);
    c.rx_ring = 16000;
    c.tx_ring = 16000;
    EXPECT_NE(error_of(c).find("raise pool_mbufs"), std::string::npos) << error_of(c);

    // The failed attempts did not leave the port unusable, and a second open is refused.
    auto a = dpdk_port::open(rp.cfg(rp.a_name));
    EXPECT_NE(error_of(rp.cfg(rp.a_name)).find("is already open"), std::string::npos);
    EXPECT_TRUE(a->link_status().up) << "the refused open did not touch the open port";
}

} // namespace
} // namespace edgerelay::drv
