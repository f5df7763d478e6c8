// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// uring_udp_port against plain kernel sockets on 127.0.0.1 and ::1, in both I/O modes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "drivers/io_uring/udp_port.hh"
#include "drivers/pkt_meta.hh"
#include "tests/unit/uring/test_util.hh"

namespace edgerelay::drv {
namespace {

using test::collect;
using test::pool;

// How the test talks to the port: port family and the client's family.
struct udp_case {
    udp_family family;
    int client_family; // AF_INET or AF_INET6
    bool fallback;
};

std::string case_name(const testing::TestParamInfo<udp_case>& info)
{
    const udp_case& c = info.param;
    std::string n = c.family == udp_family::ipv4   ? "v4"
                    : c.family == udp_family::ipv6 ? "v6"
                                                   : "dual";
    n += c.client_family == AF_INET ? "_client4" : "_client6";
    n += c.fallback ? "_recvmmsg" : "_uring";
    return n;
}

// A plain UDP socket on the loopback address of `family`, with a receive timeout so a
// missing datagram fails the test instead of hanging it.
struct client {
    int fd = -1;
    int family;
    explicit client(int fam) : family(fam)
    {
        fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw std::runtime_error("socket");
        }
        sockaddr_storage ss = loopback(fam, 0);
        if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len()) < 0) {
            throw std::runtime_error("bind");
        }
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        int big = 4 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)); // capped by rmem_max
        }
    }
    ~client() { close(fd); }
    socklen_t len() const { return family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6); }

    static sockaddr_storage loopback(int fam, uint16_t port)
    {
        sockaddr_storage ss{};
        if (fam == AF_INET) {
            auto* in = reinterpret_cast<sockaddr_in*>(&ss);
            in->sin_family = AF_INET;
            in->sin_port = htons(port);
            in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(port);
            in6->sin6_addr = in6addr_loopback;
        }
        return ss;
    }

    wire::endpoint self() const
    {
        sockaddr_storage ss{};
        socklen_t l = sizeof(ss);
        getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &l);
        wire::endpoint ep;
        endpoint_from_sockaddr(&ss, l, ep);
        return ep;
    }

    void send_to(uint16_t port, const std::vector<uint8_t>& data) const
    {
        sockaddr_storage ss = loopback(family, port);
        ssize_t r = sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                           len());
        ASSERT_EQ(r, static_cast<ssize_t>(data.size())) << std::strerror(errno);
    }

    // Receives one datagram (empty optional on timeout).
    bool recv(std::vector<uint8_t>& out, wire::endpoint* from = nullptr) const
    {
        out.resize(65536);
        sockaddr_storage ss{};
        socklen_t l = sizeof(ss);
        ssize_t r = recvfrom(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&ss), &l);
        if (r < 0) {
            return false;
        }
        out.resize(static_cast<size_t>(r));
        if (from != nullptr) {
            endpoint_from_sockaddr(&ss, l, *from);
        }
        return true;
    }
};

wire::endpoint loopback_ep(int fam, uint16_t port)
{
    sockaddr_storage ss = client::loopback(fam, port);
    wire::endpoint ep;
    endpoint_from_sockaddr(&ss, sizeof(ss), ep);
    return ep;
}

// Datagram i: size cycles over 0..1472 (the IPv4 payload of a 1500-byte MTU), first byte
// pattern depends on i so reordering or mixing up buffers is detected.
std::vector<uint8_t> datagram(unsigned i)
{
    static constexpr unsigned sizes[] = {0, 1, 2, 63, 64, 65, 148, 512, 1000, 1420, 1471, 1472};
    const unsigned n = i < std::size(sizes) ? sizes[i] : (i * 97u) % 1473u;
    std::vector<uint8_t> d(n);
    for (unsigned k = 0; k < n; ++k) {
        d[k] = static_cast<uint8_t>(i * 31u + k * 7u + 1u);
    }
    return d;
}

std::vector<uint8_t> bytes_of(rte_mbuf* m)
{
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    return std::vector<uint8_t>(p, p + rte_pktmbuf_data_len(m));
}

uring_udp_config base_config(const udp_case& c)
{
    uring_udp_config cfg;
    cfg.family = c.family;
    cfg.listen_port = 0;
    cfg.pool = pool();
    cfg.port_index = 7;
    cfg.force_fallback = c.fallback;
    if (c.family == udp_family::ipv4) {
        cfg.bind_address = "127.0.0.1";
    } else if (c.family == udp_family::ipv6) {
        cfg.bind_address = "::1";
    }
    return cfg;
}

class udp_port_test : public testing::TestWithParam<udp_case> {
protected:
    void SetUp() override
    {
        if (!GetParam().fallback && !uring_probe().usable) {
            GTEST_SKIP() << "io_uring unusable here: " << uring_probe().reason;
        }
        _avail_before = rte_mempool_avail_count(pool());
    }
    void TearDown() override
    {
        // Every mbuf the port took (rx spares, tx in flight) is back once it is destroyed.
        if (!IsSkipped()) {
            EXPECT_EQ(rte_mempool_avail_count(pool()), _avail_before);
        }
    }
    unsigned _avail_before = 0;
};

// Test that datagrams of 0..1472 bytes arrive intact, in order, with remote, local and
// port_index set, and that echoing the same mbufs back reaches the sender from our port.
TEST_P(udp_port_test, receives_various_sizes_and_echoes)
{
    const udp_case c = GetParam();
    auto port = std::make_unique<uring_udp_port>(base_config(c));
    EXPECT_STREQ(port->mode(), c.fallback ? "recvmmsg" : "io_uring");
    EXPECT_EQ(port->kind(), port_kind::underlay_udp);
    EXPECT_NE(port->local_port(), 0);
    client cl(c.client_family);

    std::array<pkt*, 32> burst{};
    EXPECT_EQ(port->rx_burst(0, burst), 0); // arms the receive; nothing there yet

    // Rounds of 16 keep the backlog under the smallest default socket buffer (an
    // unprivileged run cannot raise SO_RCVBUF past net.core.rmem_max).
    constexpr unsigned n = 96;
    constexpr unsigned round = 16;
    const wire::endpoint me = cl.self();
    const wire::endpoint local = loopback_ep(c.client_family, port->local_port());
    for (unsigned base = 0; base < n; base += round) {
        for (unsigned i = base; i < base + round; ++i) {
            cl.send_to(port->local_port(), datagram(i));
        }
        std::vector<rte_mbuf*> got = collect(*port, 0, round);
        ASSERT_EQ(got.size(), round);
        for (unsigned j = 0; j < round; ++j) {
            const unsigned i = base + j;
            EXPECT_EQ(bytes_of(got[j]), datagram(i)) << "datagram " << i;
            const pkt_meta& pm = meta(got[j]);
            EXPECT_TRUE(pm.remote == me) << "datagram " << i;
            EXPECT_TRUE(pm.local == local) << "datagram " << i << " local family "
                                           << int(pm.local.family);
            EXPECT_EQ(pm.port_index, 7);
            EXPECT_EQ(pm.payload_len, rte_pktmbuf_data_len(got[j]));
        }
        // Echo: remote (and local, as the source) are already right.
        size_t sent = 0;
        for (int tries = 0; sent < got.size() && tries < 100000; ++tries) {
            sent += port->tx_burst(0, std::span<pkt* const>(got.data() + sent,
                                                            got.size() - sent));
        }
        ASSERT_EQ(sent, got.size());
        for (unsigned j = 0; j < round; ++j) {
            std::vector<uint8_t> d;
            wire::endpoint from;
            ASSERT_TRUE(cl.recv(d, &from)) << "echo " << base + j << " not received";
            EXPECT_EQ(d, datagram(base + j)) << "echo " << base + j;
            EXPECT_TRUE(from == local) << "echo " << base + j << " came from the wrong address";
        }
    }
    EXPECT_EQ(port->stats(0).rx_packets, n);
    port.reset();
}

// Test that fresh mbufs addressed through pkt_meta.remote reach a plain socket intact.
TEST_P(udp_port_test, transmits_to_plain_socket)
{
    const udp_case c = GetParam();
    auto port = std::make_unique<uring_udp_port>(base_config(c));
    client cl(c.client_family);
    const wire::endpoint dst = cl.self();

    constexpr unsigned n = 200;
    unsigned sent = 0;
    for (int tries = 0; sent < n && tries < 100000; ++tries) {
        std::array<rte_mbuf*, 16> b{};
        const unsigned k = std::min(16u, n - sent);
        ASSERT_EQ(rte_pktmbuf_alloc_bulk(pool(), b.data(), k), 0);
        for (unsigned j = 0; j < k; ++j) {
            std::vector<uint8_t> d = datagram(sent + j);
            char* p = rte_pktmbuf_append(b[j], static_cast<uint16_t>(d.size()));
            ASSERT_TRUE(d.empty() || p != nullptr);
            if (!d.empty()) {
                std::memcpy(p, d.data(), d.size());
            }
            meta(b[j]) = pkt_meta{};
            meta(b[j]).remote = dst;
        }
        const unsigned acc = port->tx_burst(0, std::span<pkt* const>(b.data(), k));
        rte_pktmbuf_free_bulk(b.data() + acc, k - acc); // the caller owns the rest
        // Receive as we go: the client's socket buffer bounds what may be outstanding.
        for (unsigned j = 0; j < acc; ++j) {
            std::vector<uint8_t> d;
            ASSERT_TRUE(cl.recv(d)) << "datagram " << sent + j << " not received";
            EXPECT_EQ(d, datagram(sent + j)) << "datagram " << sent + j;
        }
        sent += acc;
    }
    ASSERT_EQ(sent, n);
    EXPECT_EQ(port->stats(0).tx_errors, 0u);
    port.reset();
}

// Test that more datagrams than the provided-buffer ring holds all arrive: the kernel ends
// the multishot receive when the ring runs dry, and the port recycles and re-arms.
TEST_P(udp_port_test, more_datagrams_than_buffers)
{
    const udp_case c = GetParam();
    uring_udp_config cfg = base_config(c);
    cfg.rx_buffers = 8;
    auto port = std::make_unique<uring_udp_port>(cfg);
    client cl(c.client_family);
    std::array<pkt*, 4> burst{};
    EXPECT_EQ(port->rx_burst(0, burst), 0);

    // 64 datagrams of 0..512 bytes: eight times the buffers, yet well inside the smallest
    // default socket buffer, so none is dropped before the port reads.
    constexpr unsigned n = 64;
    for (unsigned i = 0; i < n; ++i) {
        cl.send_to(port->local_port(), datagram(i % 8));
    }
    std::vector<rte_mbuf*> got = collect(*port, 0, n, 4);
    ASSERT_EQ(got.size(), n);
    for (unsigned i = 0; i < n; ++i) {
        EXPECT_EQ(bytes_of(got[i]), datagram(i % 8)) << "datagram " << i;
    }
    rte_pktmbuf_free_bulk(got.data(), static_cast<unsigned>(got.size()));
    if (!c.fallback) {
        // The kernel ends the multishot when the ring runs dry, either with -ENOBUFS or by
        // leaving IORING_CQE_F_MORE off the last data completion (newer kernels): both
        // show up as re-arms.
        EXPECT_GT(port->stats(0).rx_rearms, 0u);
    }
    EXPECT_EQ(port->stats(0).rx_packets, n);
    port.reset();
}

// Test that two queues share the port through SO_REUSEPORT and that flows from many
// source ports are spread over both and all delivered.
TEST_P(udp_port_test, two_queues_share_the_port)
{
    const udp_case c = GetParam();
    uring_udp_config cfg = base_config(c);
    cfg.n_queues = 2;
    auto port = std::make_unique<uring_udp_port>(cfg);
    ASSERT_EQ(port->n_queues(), 2);
    for (uint16_t q = 0; q < 2; ++q) {
        sockaddr_storage ss{};
        socklen_t l = sizeof(ss);
        ASSERT_EQ(getsockname(port->fd(q), reinterpret_cast<sockaddr*>(&ss), &l), 0);
        EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port), port->local_port());
    }
    std::array<pkt*, 32> burst{};
    port->rx_burst(0, burst);
    port->rx_burst(1, burst);

    constexpr unsigned flows = 48;
    std::vector<std::unique_ptr<client>> clients;
    for (unsigned i = 0; i < flows; ++i) {
        clients.push_back(std::make_unique<client>(c.client_family));
        clients.back()->send_to(port->local_port(), datagram(i));
    }
    unsigned per_queue[2] = {0, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (per_queue[0] + per_queue[1] < flows && std::chrono::steady_clock::now() < deadline) {
        for (uint16_t q = 0; q < 2; ++q) {
            uint16_t k = port->rx_burst(q, burst);
            per_queue[q] += k;
            rte_pktmbuf_free_bulk(burst.data(), k);
        }
        std::this_thread::yield();
    }
    EXPECT_EQ(per_queue[0] + per_queue[1], flows);
    // 48 flows hashed over 2 sockets all land on one with probability 2^-47.
    EXPECT_GT(per_queue[0], 0u);
    EXPECT_GT(per_queue[1], 0u);
    port.reset();
}

// Test that a queue driven from a worker thread (not the one that built the port) works,
// and that destroying the port after that thread exited releases everything.
TEST_P(udp_port_test, queue_used_from_worker_thread)
{
    const udp_case c = GetParam();
    auto port = std::make_unique<uring_udp_port>(base_config(c));
    client cl(c.client_family);
    std::thread worker([&] {
        std::array<pkt*, 32> burst{};
        port->rx_burst(0, burst); // arms from this thread
        for (unsigned i = 0; i < 8; ++i) {
            cl.send_to(port->local_port(), datagram(i));
        }
        std::vector<rte_mbuf*> got = collect(*port, 0, 8);
        ASSERT_EQ(got.size(), 8u);
        size_t sent = 0;
        for (int tries = 0; sent < got.size() && tries < 100000; ++tries) {
            sent += port->tx_burst(0, std::span<pkt* const>(got.data() + sent,
                                                            got.size() - sent));
        }
        ASSERT_EQ(sent, got.size());
    });
    worker.join();
    for (unsigned i = 0; i < 8; ++i) {
        std::vector<uint8_t> d;
        ASSERT_TRUE(cl.recv(d)) << "echo " << i << " not received";
        EXPECT_EQ(d, datagram(i));
    }
    port.reset(); // TearDown checks that every mbuf came back
}

INSTANTIATE_TEST_SUITE_P(
    udp, udp_port_test,
    testing::Values(udp_case{udp_family::ipv4, AF_INET, false},
                    udp_case{udp_family::ipv6, AF_INET6, false},
                    udp_case{udp_family::dual, AF_INET, false},
                    udp_case{udp_family::dual, AF_INET6, false},
                    udp_case{udp_family::ipv4, AF_INET, true},
                    udp_case{udp_family::ipv6, AF_INET6, true},
                    udp_case{udp_family::dual, AF_INET, true},
                    udp_case{udp_family::dual, AF_INET6, true}),
    case_name);

// Test that the fallback says why it was chosen, and io_uring is chosen where it works.
TEST(udp_port_mode, reports_mode_and_reason)
{
    uring_udp_config cfg = base_config({udp_family::ipv4, AF_INET, true});
    uring_udp_port forced(cfg);
    EXPECT_STREQ(forced.mode(), "recvmmsg");
    EXPECT_NE(forced.fallback_reason().find("force_fallback"), std::string::npos);

    cfg.force_fallback = false;
    uring_udp_port chosen(cfg);
    const uring_probe_result pr = uring_probe();
    EXPECT_STREQ(chosen.mode(), pr.usable ? "io_uring" : "recvmmsg");
    EXPECT_EQ(chosen.fallback_reason(), pr.reason);
    EXPECT_EQ(pr.usable, pr.reason.empty());
    EXPECT_EQ(std::string(chosen.name()).rfind("uring:udp4:", 0), 0u) << chosen.name();
}

// Test that a port already bound by someone else is refused with a message that names it.
TEST(udp_port_errors, port_in_use_is_named)
{
    client other(AF_INET);
    const uint16_t taken = other.self().port;
    uring_udp_config cfg = base_config({udp_family::ipv4, AF_INET, false});
    cfg.listen_port = taken;
    try {
        uring_udp_port p(cfg);
        FAIL() << "binding a taken port succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("UDP port " + std::to_string(taken) +
                                             " is already bound by another process"),
                  std::string::npos)
            << e.what();
    }
}

// Test that configuration mistakes are refused at start-up, not at the first packet.
TEST(udp_port_errors, bad_config_is_refused)
{
    uring_udp_config cfg = base_config({udp_family::ipv4, AF_INET, false});
    cfg.rx_buffers = 100; // not a power of two
    EXPECT_THROW(uring_udp_port{cfg}, std::runtime_error);
    cfg = base_config({udp_family::ipv4, AF_INET, false});
    cfg.bind_address = "not-an-address";
    EXPECT_THROW(uring_udp_port{cfg}, std::runtime_error);
    cfg = base_config({udp_family::ipv4, AF_INET, false});
    cfg.pool = nullptr;
    EXPECT_THROW(uring_udp_port{cfg}, std::runtime_error);
    cfg = base_config({udp_family::dual, AF_INET, false});
    cfg.bind_address = "::1";
    EXPECT_THROW(uring_udp_port{cfg}, std::runtime_error);
}

// Test the address conversions the port relies on, against hand-written addresses.
TEST(udp_port_sockaddr, endpoint_round_trip)
{
    wire::endpoint v4;
    v4.family = 4;
    v4.port = 51820;
    const uint8_t a4[4] = {192, 0, 2, 7};
    std::memcpy(v4.addr, a4, 4);
    sockaddr_storage ss{};
    ASSERT_EQ(endpoint_to_sockaddr(v4, AF_INET, ss), sizeof(sockaddr_in));
    EXPECT_EQ(reinterpret_cast<sockaddr_in*>(&ss)->sin_addr.s_addr, inet_addr("192.0.2.7"));
    ASSERT_EQ(endpoint_to_sockaddr(v4, AF_INET6, ss), sizeof(sockaddr_in6));
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof(text));
    EXPECT_STREQ(text, "::ffff:192.0.2.7");
    wire::endpoint back;
    ASSERT_TRUE(endpoint_from_sockaddr(&ss, sizeof(sockaddr_in6), back));
    EXPECT_TRUE(back == v4); // mapped addresses come back as IPv4

    wire::endpoint v6;
    v6.family = 6;
    v6.port = 1;
    inet_pton(AF_INET6, "2001:db8::1", v6.addr);
    EXPECT_EQ(endpoint_to_sockaddr(v6, AF_INET, ss), 0); // no IPv6 through an IPv4 socket
    ASSERT_EQ(endpoint_to_sockaddr(v6, AF_INET6, ss), sizeof(sockaddr_in6));
    ASSERT_TRUE(endpoint_from_sockaddr(&ss, sizeof(sockaddr_in6), back));
    EXPECT_TRUE(back == v6);
    EXPECT_FALSE(endpoint_from_sockaddr(&ss, 4, back));
}

} // namespace
} // namespace edgerelay::drv
