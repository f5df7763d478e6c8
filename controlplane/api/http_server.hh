// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A polled, nonblocking HTTP/1.1 server for the control plane's single-threaded loop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/wire/endpoint.hh"
#include "controlplane/api/http_message.hh"

namespace edgerelay::cp::api {

/// Answers one request. Called from poll(), on the caller's thread; must not block.
using handler = std::function<http_response(const http_request&)>;

/// Limits of the server; the defaults suit a local monitoring endpoint.
struct http_limits {
    size_t max_clients = 64;           ///< connections beyond this are closed at once
    uint64_t client_deadline_ns = 5'000'000'000; ///< whole exchange, accept to last byte sent
    size_t max_accepts_per_poll = 16;  ///< so a connection storm cannot hog one loop turn
};

/// Accepts, reads one request, answers and closes (Connection: close) — all without ever
/// blocking, so the control loop can call poll() every millisecond. Only GET and HEAD are
/// served (405 with Allow otherwise); the API is read-only by design. Not thread-safe.
class http_server {
  public:
    explicit http_server(http_limits limits = {});
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds and listens on `address` (IPv4 or IPv6; port 0 picks an ephemeral port),
    /// nonblocking, SO_REUSEADDR. Returns 0, or a negative errno with `error` set.
    /// Calling it again closes the previous socket and every client first.
    int open(const wire::endpoint& address, std::string& error);
    /// Closes the listening socket and every client connection.
    void close();
    bool is_open() const noexcept { return _listen_fd >= 0; }
    /// The port actually bound (useful after binding port 0), 0 when closed.
    uint16_t port() const noexcept { return _port; }
    /// The listening socket, for callers that want to include it in their own poll set.
    int fd() const noexcept { return _listen_fd; }

    /// Does all the work that is possible right now: accepts, reads, answers, writes, and
    /// drops clients past their deadline. `now_ns` is a monotonic time; the overload
    /// without it reads CLOCK_MONOTONIC. Never blocks.
    void poll(const handler& h, uint64_t now_ns);
    void poll(const handler& h);

    /// Connections currently open (accepted and not yet closed).
    size_t clients() const noexcept { return _clients.size(); }

  private:
    struct client {
        int fd = -1;
        uint64_t deadline_ns = 0;
        std::string in;     // bytes received so far (the head only)
        std::string out;    // the answer, once known
        size_t sent = 0;    // bytes of `out` written
        bool answered = false;
        bool lingering = false; // answer sent and write side shut: reading until EOF
        size_t discarded = 0;   // bytes read and thrown away while lingering
    };

    void accept_clients(uint64_t now_ns);
    // Returns false when the client is finished (answered completely, failed, or timed out).
    bool service(client& c, const handler& h, uint64_t now_ns);
    bool read_request(client& c, const handler& h);
    bool write_answer(client& c);

    http_limits _limits;
    int _listen_fd = -1;
    uint16_t _port = 0;
    std::vector<client> _clients;
};

} // namespace edgerelay::cp::api
