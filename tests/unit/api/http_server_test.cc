// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The polled HTTP server against real sockets on 127.0.0.1: every poll() must return at once.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <random>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "controlplane/api/http_server.hh"

namespace edgerelay::cp::api {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

int connect_to(uint16_t port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // A loopback connect completes from the listen backlog, before the server accepts.
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
        ADD_FAILURE() << "connect: " << std::strerror(errno);
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

void send_text(int fd, std::string_view s)
{
    while (!s.empty()) {
        ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            std::this_thread::sleep_for(1ms);
            continue;
        }
        ASSERT_GT(n, 0) << std::strerror(errno);
        s.remove_prefix(size_t(n));
    }
}

// Reads from a nonblocking client until EOF, polling the server in between (one thread plays
// both sides, so a poll() that blocked would hang the test: the timeout catches that).
struct read_result {
    std::string data;
    bool eof = false;
    bool reset = false;
};
read_result drain(int fd, http_server& s, const handler& h, std::chrono::milliseconds limit = 3000ms)
{
    read_result r;
    auto end = steady::now() + limit;
    char buf[65536];
    while (steady::now() < end) {
        s.poll(h);
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            r.data.append(buf, size_t(n));
            continue;
        }
        if (n == 0) {
            r.eof = true;
            return r;
        }
        if (errno == ECONNRESET) {
            r.reset = true;
            return r;
        }
        std::this_thread::sleep_for(200us);
    }
    return r;
}

struct parsed {
    int status = 0;
    std::string head;
    std::string body;
};
parsed parse_response(const std::string& raw)
{
    parsed p;
    size_t end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
        return p;
    }
    p.status = std::stoi(raw.substr(9, 3));
    p.head = raw.substr(0, end + 2);
    p.body = raw.substr(end + 4);
    return p;
}

std::string header_value(const parsed& p, const std::string& name)
{
    size_t at = p.head.find("\r\n" + name + ": ");
    if (at == std::string::npos) {
        return {};
    }
    at += name.size() + 4;
    return p.head.substr(at, p.head.find("\r\n", at) - at);
}

class server_test : public ::testing::Test {
  protected:
    void SetUp() override
    {
        std::string error;
        ASSERT_EQ(server.open(wire::endpoint::ipv4(127, 0, 0, 1, 0), error), 0) << error;
        ASSERT_NE(server.port(), 0);
    }

    parsed exchange(std::string_view request)
    {
        int fd = connect_to(server.port());
        send_text(fd, request);
        auto r = drain(fd, server, h);
        ::close(fd);
        EXPECT_TRUE(r.eof) << "no EOF after the answer";
        return parse_response(r.data);
    }

    http_server server;
    int calls = 0;
    std::string big_body;
    handler h = [this](const http_request& req) {
        ++calls;
        if (req.path == "/health") {
            http_response r;
            r.body = "{\"status\":\"ok\"}";
            return r;
        }
        if (req.path == "/big") {
            http_response r;
            r.content_type = "text/plain";
            r.body = big_body;
            return r;
        }
        if (req.path == "/throw") {
            throw std::runtime_error("boom");
        }
        return json_error(404, "no such endpoint");
    };
};

TEST_F(server_test, get_answers_with_length_and_closes)
{
    auto p = exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(p.status, 200);
    EXPECT_EQ(p.body, "{\"status\":\"ok\"}");
    EXPECT_EQ(header_value(p, "Content-Length"), "15");
    EXPECT_EQ(header_value(p, "Content-Type"), "application/json");
    EXPECT_EQ(header_value(p, "Connection"), "close");
    EXPECT_EQ(calls, 1);
}

TEST_F(server_test, head_has_the_headers_of_get_and_no_body)
{
    auto p = exchange("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(p.status, 200);
    EXPECT_EQ(p.body, "");
    EXPECT_EQ(header_value(p, "Content-Length"), "15");
}

TEST_F(server_test, unknown_path_is_a_json_404)
{
    auto p = exchange("GET /nope HTTP/1.0\r\n\r\n");
    EXPECT_EQ(p.status, 404);
    EXPECT_NE(p.body.find("\"status\":404"), std::string::npos);
}

TEST_F(server_test, other_methods_get_405_with_allow_and_never_reach_the_handler)
{
    for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"}) {
        auto p = exchange(std::string(m) + " /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        EXPECT_EQ(p.status, 405) << m;
        EXPECT_EQ(header_value(p, "Allow"), "GET, HEAD") << m;
    }
    EXPECT_EQ(calls, 0);
}

TEST_F(server_test, oversized_head_gets_431)
{
    std::string req = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
    auto p = exchange(req);
    EXPECT_EQ(p.status, 431);
    EXPECT_EQ(calls, 0);
}

TEST_F(server_test, garbage_gets_400_and_the_server_carries_on)
{
    EXPECT_EQ(exchange(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00", 8)).status, 400);
    EXPECT_EQ(exchange("GET /health\r\n\r\n").status, 400);
    EXPECT_EQ(exchange("GET /health HTTP/1.1\r\n\r\n").status, 400); // no Host
    EXPECT_EQ(exchange("GET /health HTTP/2.0\r\n\r\n").status, 505);
    EXPECT_EQ(exchange(std::string(100, '\0')).status, 400);
    // A head cut short by the client's half-close is a 400, not a hang.
    int fd = connect_to(server.port());
    send_text(fd, "GET /health HTTP/1.1\r\nHo");
    ::shutdown(fd, SHUT_WR);
    auto r = drain(fd, server, h);
    ::close(fd);
    EXPECT_EQ(parse_response(r.data).status, 400);
    EXPECT_EQ(exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
}

TEST_F(server_test, random_bytes_from_many_clients)
{
    std::mt19937 rng(4040);
    static constexpr char chars[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n\0\xff%:";
    for (int i = 0; i < 100; ++i) {
        std::string junk(rng() % 300, '\0');
        for (auto& c : junk) {
            c = rng() % 3 == 0 ? char(rng()) : chars[rng() % (sizeof chars - 1)];
        }
        int fd = connect_to(server.port());
        send_text(fd, junk);
        ::shutdown(fd, SHUT_WR);
        auto r = drain(fd, server, h);
        ::close(fd);
        // Either closed without a word (nothing was sent) or a well-formed answer.
        EXPECT_TRUE(r.eof || r.reset);
        if (!r.data.empty()) {
            int status = parse_response(r.data).status;
            EXPECT_TRUE(status == 200 || status == 400 || status == 404 || status == 405 ||
                        status == 431 || status == 505)
                << status;
        } else {
            EXPECT_TRUE(junk.empty());
        }
    }
    EXPECT_EQ(exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
}

TEST_F(server_test, a_throwing_handler_gives_500)
{
    EXPECT_EQ(exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n").status, 500);
    EXPECT_EQ(exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
}

TEST_F(server_test, request_arriving_byte_by_byte)
{
    int fd = connect_to(server.port());
    std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    for (char c : req) {
        send_text(fd, std::string_view(&c, 1));
        server.poll(h);
        std::this_thread::sleep_for(100us);
    }
    auto r = drain(fd, server, h);
    ::close(fd);
    EXPECT_EQ(parse_response(r.data).status, 200);
}

TEST_F(server_test, silent_client_does_not_block_others_and_is_dropped_at_its_deadline)
{
    int silent = connect_to(server.port());
    server.poll(h);
    EXPECT_EQ(server.clients(), 1u);
    auto t0 = steady::now();
    EXPECT_EQ(exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
    EXPECT_LT(steady::now() - t0, 1s);
    for (int i = 0; i < 20 && server.clients() > 1; ++i) {
        server.poll(h); // the answered client lingers until its close is seen
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(server.clients(), 1u); // the silent one is still waiting
    // Five seconds later (monotonic time given explicitly) it is closed.
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
    server.poll(h, now + 4'000'000'000u);
    EXPECT_EQ(server.clients(), 1u);
    server.poll(h, now + 5'100'000'000u);
    EXPECT_EQ(server.clients(), 0u);
    char c;
    EXPECT_EQ(::recv(silent, &c, 1, MSG_DONTWAIT), 0); // EOF: the server closed it
    ::close(silent);
}

TEST_F(server_test, many_concurrent_clients)
{
    constexpr int n = 60;
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
        fds.push_back(connect_to(server.port()));
        // Half of them send their request in two pieces, interleaved with the others.
        send_text(fds.back(), i % 2 ? "GET /health HTTP/1.1\r\n" : "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    server.poll(h);
    for (int i = 1; i < n; i += 2) {
        send_text(fds[size_t(i)], "Host: x\r\n\r\n");
    }
    int ok = 0;
    for (int fd : fds) {
        auto r = drain(fd, server, h);
        ok += parse_response(r.data).status == 200;
        ::close(fd);
    }
    EXPECT_EQ(ok, n);
    EXPECT_EQ(calls, n);
    for (int i = 0; i < 20; ++i) {
        server.poll(h);
    }
}

TEST_F(server_test, too_many_clients_get_503)
{
    http_server small(http_limits{.max_clients = 2});
    std::string error;
    ASSERT_EQ(small.open(wire::endpoint::ipv4(127, 0, 0, 1, 0), error), 0) << error;
    int a = connect_to(small.port());
    int b = connect_to(small.port());
    small.poll(h);
    int c = connect_to(small.port());
    auto r = drain(c, small, h);
    EXPECT_EQ(parse_response(r.data).status, 503);
    EXPECT_EQ(small.clients(), 2u);
    ::close(a);
    ::close(b);
    ::close(c);
}

TEST_F(server_test, large_body_through_a_slow_reader)
{
    // Larger than what loopback socket buffers hold (tcp_wmem + tcp_rmem maxima), so the
    // server meets EAGAIN and must resume where it stopped.
    big_body.resize(32 << 20);
    for (size_t i = 0; i < big_body.size(); ++i) {
        big_body[i] = char('a' + i % 26);
    }
    int fd = connect_to(server.port());
    send_text(fd, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    // Without reading, the answer cannot fit the socket buffers: poll must return anyway.
    auto t0 = steady::now();
    for (int i = 0; i < 50; ++i) {
        server.poll(h);
    }
    EXPECT_LT(steady::now() - t0, 500ms);
    EXPECT_EQ(server.clients(), 1u); // still sending
    auto r = drain(fd, server, h, 10000ms);
    ::close(fd);
    auto p = parse_response(r.data);
    EXPECT_EQ(p.status, 200);
    EXPECT_EQ(header_value(p, "Content-Length"), std::to_string(big_body.size()));
    EXPECT_TRUE(p.body == big_body) << "body of " << p.body.size() << " bytes differs";
}

TEST(http_server, reports_bind_errors_and_supports_ipv6)
{
    http_server a;
    http_server b;
    std::string error;
    ASSERT_EQ(a.open(wire::endpoint::ipv4(127, 0, 0, 1, 0), error), 0) << error;
    EXPECT_EQ(b.open(wire::endpoint::ipv4(127, 0, 0, 1, a.port()), error), -EADDRINUSE);
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(b.is_open());
    EXPECT_EQ(b.open(wire::endpoint{}, error), -EINVAL);

    wire::endpoint v6;
    v6.family = 6;
    v6.addr[15] = 1; // ::1
    http_server c;
    int rc = c.open(v6, error);
    if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    ASSERT_EQ(rc, 0) << error;
    EXPECT_NE(c.port(), 0);
    c.close();
    EXPECT_FALSE(c.is_open());
    EXPECT_EQ(c.port(), 0);
}

} // namespace
} // namespace edgerelay::cp::api
