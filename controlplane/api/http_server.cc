// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The polled HTTP server: nonblocking accept/recv/send, one request per connection.
#include "controlplane/api/http_server.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace edgerelay::cp::api {
namespace {

// After the answer is sent we stop writing and read until the client closes, for at most
// this long: closing a socket with unread input sends a RST, which can destroy the answer in
// the client's receive buffer before it is read (the classic "lingering close").
constexpr uint64_t linger_ns = 1'000'000'000;
// And discard at most this much while lingering.
constexpr size_t linger_max_bytes = 64 * 1024;

uint64_t monotonic_ns()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

http_response answer_for(parse_status s)
{
    switch (s) {
    case parse_status::too_large:
        return json_error(431, "request head larger than 8 KiB");
    case parse_status::version:
        return json_error(505, "only HTTP/1.0 and HTTP/1.1 are spoken");
    default:
        return json_error(400, "malformed request");
    }
}

} // namespace

http_server::http_server(http_limits limits) : _limits(limits) {}

http_server::~http_server()
{
    close();
}

void http_server::close()
{
    for (auto& c : _clients) {
        ::close(c.fd);
    }
    _clients.clear();
    if (_listen_fd >= 0) {
        ::close(_listen_fd);
        _listen_fd = -1;
    }
    _port = 0;
}

int http_server::open(const wire::endpoint& address, std::string& error)
{
    close();
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (address.family == 4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(address.port);
        std::memcpy(&sin->sin_addr, address.addr, 4);
        len = sizeof(sockaddr_in);
    } else if (address.family == 6) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(address.port);
        std::memcpy(&sin6->sin6_addr, address.addr, 16);
        len = sizeof(sockaddr_in6);
    } else {
        error = "http: no address to listen on";
        return -EINVAL;
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        error = std::string("http: socket: ") + std::strerror(e);
        return -e;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (address.family == 6) {
        // "::" should also accept IPv4 (config `family: dual`), whatever the sysctl default.
        int zero = 0;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0 || ::listen(fd, 64) < 0) {
        int e = errno;
        ::close(fd);
        error = std::string("http: bind/listen: ") + std::strerror(e);
        return -e;
    }
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) {
        _port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    _listen_fd = fd;
    return 0;
}

void http_server::poll(const handler& h)
{
    poll(h, monotonic_ns());
}

void http_server::poll(const handler& h, uint64_t now_ns)
{
    if (_listen_fd < 0) {
        return;
    }
    accept_clients(now_ns);
    for (size_t i = 0; i < _clients.size();) {
        if (service(_clients[i], h, now_ns)) {
            ++i;
            continue;
        }
        ::close(_clients[i].fd);
        _clients[i] = std::move(_clients.back());
        _clients.pop_back();
    }
}

void http_server::accept_clients(uint64_t now_ns)
{
    for (size_t n = 0; n < _limits.max_accepts_per_poll; ++n) {
        int fd = ::accept4(_listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            // EAGAIN: nothing pending. Anything else (ECONNABORTED, EMFILE, ...) is retried on
            // the next poll; one failed accept must not end the loop's other work.
            return;
        }
        if (_clients.size() >= _limits.max_clients) {
            // Best effort, never waited on: a 503 fits in any fresh socket buffer.
            static const std::string busy = serialize_response(json_error(503, "too many clients"), false);
            [[maybe_unused]] ssize_t w = ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(fd);
            continue;
        }
        client c;
        c.fd = fd;
        c.deadline_ns = now_ns + _limits.client_deadline_ns;
        _clients.push_back(std::move(c));
    }
}

bool http_server::service(client& c, const handler& h, uint64_t now_ns)
{
    if (now_ns >= c.deadline_ns) {
        return false;
    }
    if (!c.answered && !read_request(c, h)) {
        return false;
    }
    if (!c.answered) {
        return true; // waiting for more of the head
    }
    if (!c.lingering) {
        if (!write_answer(c)) {
            return false;
        }
        if (c.sent < c.out.size()) {
            return true;
        }
        // Everything is queued in the kernel: half-close, then linger reading (see linger_ns).
        ::shutdown(c.fd, SHUT_WR);
        c.out = std::string();
        c.in = std::string();
        c.lingering = true;
        c.deadline_ns = std::min(c.deadline_ns, now_ns + linger_ns);
    }
    // Lingering: discard input until the client closes.
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            c.discarded += size_t(n);
            if (c.discarded > linger_max_bytes) {
                return false;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return false; // EOF or error: done
    }
}

bool http_server::read_request(client& c, const handler& h)
{
    char buf[4096];
    bool eof = false;
    parse_status st = parse_status::incomplete;
    http_request req;
    for (;;) {
        // Never hold more than one byte past the limit: enough to know the head is too large.
        if (c.in.size() > max_request_head) {
            st = parse_status::too_large; // defensive: parse already says so at the limit
            break;
        }
        size_t room = max_request_head + 1 - c.in.size();
        ssize_t n = ::recv(c.fd, buf, std::min(room, sizeof buf), MSG_DONTWAIT);
        if (n > 0) {
            c.in.append(buf, size_t(n));
            st = parse_request_head(c.in, req);
            if (st != parse_status::incomplete) {
                break;
            }
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return true;
        }
        return false; // ECONNRESET and friends: nobody to answer
    }
    if (st == parse_status::incomplete) {
        if (!eof || c.in.empty()) {
            return false; // connected and closed without a word
        }
        st = parse_status::bad; // closed (or half-closed) in the middle of a head
    }
    http_response resp;
    bool head_only = false;
    if (st != parse_status::ok) {
        resp = answer_for(st);
    } else if (req.method != "GET" && req.method != "HEAD") {
        resp = json_error(405, "only GET and HEAD are served; changes go through edgerelayctl");
        resp.headers.emplace_back("Allow", "GET, HEAD");
    } else {
        head_only = req.method == "HEAD";
        try {
            resp = h ? h(req) : json_error(404, "no handler");
        } catch (const std::exception&) {
            resp = json_error(500, "internal error");
        } catch (...) {
            resp = json_error(500, "internal error");
        }
    }
    c.out = serialize_response(resp, head_only);
    c.sent = 0;
    c.answered = true;
    return true;
}

bool http_server::write_answer(client& c)
{
    while (c.sent < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.sent += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    return true;
}

} // namespace edgerelay::cp::api
