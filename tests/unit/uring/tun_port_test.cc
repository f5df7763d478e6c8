// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// uring_tun_port in a private network namespace: kernel stack <-> TUN <-> port, both I/O modes.
//
//   test thread (own netns)      kernel                         port
//   UDP socket -- to 10.99.0.2 --> route 10.99.0.0/24 --> ertest0 --> rx_burst
//   UDP socket <-- 10.99.0.1:7777 <-- IP input <--------- ertest0 <-- tx_burst
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for unshare); skips otherwise. Each case
// runs on its own thread that unshares its network namespace, so the rest of the binary
// (and the host) never sees the device.
#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "drivers/io_uring/tun_port.hh"
#include "drivers/pkt_meta.hh"
#include "tests/unit/uring/test_util.hh"

namespace edgerelay::drv {
namespace {

using test::pool;

// Runs fn on a new thread inside a fresh network namespace (lo up).
void in_netns(const std::function<void()>& fn)
{
    std::thread t([&] {
        if (unshare(CLONE_NEWNET) != 0) {
            ADD_FAILURE() << "unshare(CLONE_NEWNET): " << std::strerror(errno);
            return;
        }
        // system() forks from this thread, so ip(8) runs in the new namespace.
        if (std::system("ip link set lo up") != 0) {
            ADD_FAILURE() << "ip link set lo up failed";
            return;
        }
        fn();
    });
    t.join();
}

uint16_t ip_checksum(const uint8_t* p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    }
    if (n % 2 != 0) {
        sum += static_cast<uint32_t>(p[n - 1] << 8);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(~sum);
}

// IPv4 header (20 bytes) + `l4` with protocol `proto`, header checksum filled in.
std::vector<uint8_t> ipv4_packet(const char* src, const char* dst, uint8_t proto,
                                 const std::vector<uint8_t>& l4)
{
    std::vector<uint8_t> p(20 + l4.size());
    p[0] = 0x45;
    const auto total = static_cast<uint16_t>(p.size());
    p[2] = static_cast<uint8_t>(total >> 8);
    p[3] = static_cast<uint8_t>(total);
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = proto;
    inet_pton(AF_INET, src, &p[12]);
    inet_pton(AF_INET, dst, &p[16]);
    const uint16_t c = ip_checksum(p.data(), 20);
    p[10] = static_cast<uint8_t>(c >> 8);
    p[11] = static_cast<uint8_t>(c);
    std::memcpy(&p[20], l4.data(), l4.size());
    return p;
}

std::vector<uint8_t> udp_segment(uint16_t sport, uint16_t dport, const std::string& payload)
{
    std::vector<uint8_t> u(8 + payload.size());
    u[0] = static_cast<uint8_t>(sport >> 8);
    u[1] = static_cast<uint8_t>(sport);
    u[2] = static_cast<uint8_t>(dport >> 8);
    u[3] = static_cast<uint8_t>(dport);
    u[4] = static_cast<uint8_t>(u.size() >> 8);
    u[5] = static_cast<uint8_t>(u.size());
    // Checksum 0: "no checksum" is valid for UDP over IPv4 (RFC 768).
    std::memcpy(&u[8], payload.data(), payload.size());
    return u;
}

std::vector<uint8_t> icmp_echo(uint16_t id, uint16_t seq, const std::string& data)
{
    std::vector<uint8_t> m(8 + data.size());
    m[0] = 8; // echo request
    m[4] = static_cast<uint8_t>(id >> 8);
    m[5] = static_cast<uint8_t>(id);
    m[6] = static_cast<uint8_t>(seq >> 8);
    m[7] = static_cast<uint8_t>(seq);
    std::memcpy(&m[8], data.data(), data.size());
    const uint16_t c = ip_checksum(m.data(), m.size());
    m[2] = static_cast<uint8_t>(c >> 8);
    m[3] = static_cast<uint8_t>(c);
    return m;
}

rte_mbuf* mbuf_of(const std::vector<uint8_t>& bytes)
{
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    if (m == nullptr) {
        return nullptr;
    }
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
    std::memcpy(p, bytes.data(), bytes.size());
    meta(m) = pkt_meta{};
    return m;
}

// Polls every queue until `match` accepted `want` packets or 5 s passed; frees the rest
// (the kernel also sends its own traffic, e.g. IPv6 router solicitations).
std::vector<std::vector<uint8_t>> collect_matching(uring_tun_port& port, size_t want,
                                                   const std::function<bool(rte_mbuf*)>& match)
{
    std::vector<std::vector<uint8_t>> out;
    std::array<pkt*, 32> b{};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
        for (uint16_t q = 0; q < port.n_queues(); ++q) {
            const uint16_t n = port.rx_burst(q, b);
            for (uint16_t i = 0; i < n; ++i) {
                EXPECT_EQ(meta(b[i]).port_index, 3);
                if (match(b[i])) {
                    const auto* d = rte_pktmbuf_mtod(b[i], const uint8_t*);
                    out.emplace_back(d, d + rte_pktmbuf_data_len(b[i]));
                }
            }
            rte_pktmbuf_free_bulk(b.data(), n);
        }
        std::this_thread::yield();
    }
    return out;
}

bool is_udp4_to(rte_mbuf* m, uint16_t dport)
{
    const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
    const unsigned len = rte_pktmbuf_data_len(m);
    return len >= 28 && (d[0] >> 4) == 4 && d[9] == 17 && (d[22] << 8 | d[23]) == dport;
}

class tun_port_test : public testing::TestWithParam<bool> {
protected:
    void SetUp() override
    {
        if (geteuid() != 0) {
            GTEST_SKIP() << "TUN tests need root (CAP_NET_ADMIN, unshare)";
        }
        if (!GetParam() && !uring_probe().usable) {
            GTEST_SKIP() << "io_uring unusable here: " << uring_probe().reason;
        }
        _avail_before = rte_mempool_avail_count(pool());
    }
    void TearDown() override
    {
        if (!IsSkipped()) {
            EXPECT_EQ(rte_mempool_avail_count(pool()), _avail_before);
        }
    }
    unsigned _avail_before = 0;
};

// Test that datagrams the kernel routes into the device come out of rx_burst as bare IPv4,
// and that packets given to tx_burst enter the kernel stack (UDP to a socket, ICMP echo).
TEST_P(tun_port_test, kernel_to_port_and_back)
{
    const bool fallback = GetParam();
    in_netns([&] {
        uring_tun_config cfg;
        cfg.ifname = "ertest0";
        cfg.n_queues = 2;
        cfg.pool = pool();
        cfg.port_index = 3;
        cfg.mtu = 1400;
        cfg.force_fallback = fallback;
        auto port = std::make_unique<uring_tun_port>(cfg);
        EXPECT_STREQ(port->mode(), fallback ? "readv" : "io_uring");
        EXPECT_EQ(port->ifname(), "ertest0");
        EXPECT_EQ(port->kind(), port_kind::access_ip);
        EXPECT_GT(port->ifindex(), 0);
        ASSERT_EQ(std::system("ip addr add 10.99.0.1/24 dev ertest0"), 0);

        {   // MTU and up flag as configured.
            int s = socket(AF_INET, SOCK_DGRAM, 0);
            ifreq ifr{};
            std::strcpy(ifr.ifr_name, "ertest0");
            ASSERT_EQ(ioctl(s, SIOCGIFMTU, &ifr), 0);
            EXPECT_EQ(ifr.ifr_mtu, 1400);
            ASSERT_EQ(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
            EXPECT_NE(ifr.ifr_flags & IFF_UP, 0);
            close(s);
        }
        std::array<pkt*, 32> b{};
        for (uint16_t q = 0; q < 2; ++q) {
            rte_pktmbuf_free_bulk(b.data(), port->rx_burst(q, b)); // arm the reads
        }

        // kernel -> port
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(s, 0);
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_port = htons(9999);
        inet_pton(AF_INET, "10.99.0.2", &dst.sin_addr);
        constexpr unsigned n = 20;
        for (unsigned i = 0; i < n; ++i) {
            const std::string msg = "to-tun-" + std::to_string(i) + std::string(i * 50, 'x');
            ASSERT_EQ(sendto(s, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&dst),
                             sizeof(dst)),
                      static_cast<ssize_t>(msg.size()))
                << std::strerror(errno);
        }
        close(s);
        auto got = collect_matching(*port, n, [](rte_mbuf* m) { return is_udp4_to(m, 9999); });
        ASSERT_EQ(got.size(), n);
        std::vector<bool> seen(n, false);
        for (const auto& p : got) {
            char dst_text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &p[16], dst_text, sizeof(dst_text));
            EXPECT_STREQ(dst_text, "10.99.0.2");
            EXPECT_EQ(p.size(), static_cast<size_t>(p[2] << 8 | p[3])); // whole IP packet
            const std::string payload(p.begin() + 28, p.end());
            for (unsigned i = 0; i < n; ++i) {
                if (payload == "to-tun-" + std::to_string(i) + std::string(i * 50, 'x')) {
                    seen[i] = true;
                }
            }
        }
        for (unsigned i = 0; i < n; ++i) {
            EXPECT_TRUE(seen[i]) << "datagram " << i << " not received intact";
        }

        // port -> kernel: UDP to a socket on the device's address.
        int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in me{};
        me.sin_family = AF_INET;
        me.sin_port = htons(7777);
        inet_pton(AF_INET, "10.99.0.1", &me.sin_addr);
        ASSERT_EQ(bind(r, reinterpret_cast<sockaddr*>(&me), sizeof(me)), 0);
        timeval tv{5, 0};
        setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        std::vector<rte_mbuf*> out;
        for (unsigned i = 0; i < n; ++i) {
            out.push_back(mbuf_of(ipv4_packet(
                "10.99.0.2", "10.99.0.1", 17,
                udp_segment(5555, 7777, "from-tun-" + std::to_string(i)))));
            ASSERT_NE(out.back(), nullptr);
        }
        size_t sent = 0;
        for (int tries = 0; sent < out.size() && tries < 100000; ++tries) {
            sent += port->tx_burst(1, std::span<pkt* const>(out.data() + sent, out.size() - sent));
        }
        ASSERT_EQ(sent, out.size());
        for (unsigned i = 0; i < n; ++i) {
            char buf[256];
            sockaddr_in from{};
            socklen_t fl = sizeof(from);
            ssize_t k = recvfrom(r, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
            ASSERT_GT(k, 0) << "datagram " << i << " not delivered: " << std::strerror(errno);
            EXPECT_EQ(std::string(buf, static_cast<size_t>(k)), "from-tun-" + std::to_string(i));
            EXPECT_EQ(ntohs(from.sin_port), 5555);
            EXPECT_EQ(from.sin_addr.s_addr, inet_addr("10.99.0.2"));
        }
        close(r);

        // port -> kernel -> port: ICMP echo request answered by the kernel.
        rte_mbuf* ping = mbuf_of(ipv4_packet("10.99.0.2", "10.99.0.1", 1,
                                             icmp_echo(0x4242, 7, "edgerelay-ping")));
        ASSERT_EQ(port->tx_burst(0, std::span<pkt* const>(&ping, 1)), 1);
        auto replies = collect_matching(*port, 1, [](rte_mbuf* m) {
            const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
            return rte_pktmbuf_data_len(m) >= 28 && (d[0] >> 4) == 4 && d[9] == 1 &&
                   d[20] == 0 && (d[24] << 8 | d[25]) == 0x4242;
        });
        ASSERT_EQ(replies.size(), 1u);
        const auto& rep = replies[0];
        EXPECT_EQ(rep[26] << 8 | rep[27], 7);
        EXPECT_EQ(std::string(rep.begin() + 28, rep.end()), "edgerelay-ping");
        EXPECT_EQ(ip_checksum(rep.data(), 20), 0); // a valid header sums to zero

        EXPECT_GE(port->stats(1).tx_packets + port->stats(0).tx_packets, n);
        port.reset();
        // The device is not persistent: it is gone with the port.
        EXPECT_EQ(if_nametoindex("ertest0"), 0u);
    });
}

INSTANTIATE_TEST_SUITE_P(tun, tun_port_test, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& i) {
                             return i.param ? std::string("readv") : std::string("uring");
                         });

// Test that creating a device without CAP_NET_ADMIN fails with a message naming the fix.
TEST(tun_port_errors, missing_cap_net_admin_is_named)
{
    if (geteuid() != 0) {
        GTEST_SKIP() << "needs root to create the namespace";
    }
    in_netns([] {
        // Capabilities are per thread: dropping CAP_NET_ADMIN here leaves the others alone.
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2]{};
        ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
        data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
        ASSERT_EQ(syscall(SYS_capset, &hdr, data), 0);
        uring_tun_config cfg;
        cfg.ifname = "ertest1";
        cfg.pool = pool();
        try {
            uring_tun_port p(cfg);
            ADD_FAILURE() << "created a TUN device without CAP_NET_ADMIN";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("CAP_NET_ADMIN"), std::string::npos) << e.what();
        }
    });
}

// Test that bad configuration is refused before any device is touched.
TEST(tun_port_errors, bad_config_is_refused)
{
    uring_tun_config cfg;
    cfg.pool = pool();
    cfg.ifname = "a-name-that-is-too-long-for-linux";
    EXPECT_THROW(uring_tun_port{cfg}, std::runtime_error);
    cfg.ifname = "ertest2";
    cfg.mtu = 9000; // larger than the pool's 2048-byte mbufs
    EXPECT_THROW(uring_tun_port{cfg}, std::runtime_error);
    cfg.mtu = 1420;
    cfg.pool = nullptr;
    EXPECT_THROW(uring_tun_port{cfg}, std::runtime_error);
}

} // namespace
} // namespace edgerelay::drv
