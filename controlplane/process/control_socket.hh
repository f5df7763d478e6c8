// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The control socket server: a unix stream socket with file permissions as its access control.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace edgerelay::cp::process {

/// Serves line requests on a unix stream socket from the control plane's one thread: poll()
/// with a timeout doubles as the main loop's sleep. Non-blocking throughout; a slow client
/// only delays its own answers.
class control_socket {
  public:
    /// Answers one request line (without newline) with an encoded response.
    using handler = std::function<std::string(std::string_view line)>;

    control_socket() = default;
    control_socket(const control_socket&) = delete;
    control_socket& operator=(const control_socket&) = delete;
    ~control_socket();

    /// Creates the directory (mode 0750) if missing, replaces a stale socket left by a dead
    /// control plane, binds with mode 0660 and listens.
    /// @param error receives the reason and fix on failure.
    /// @return 0, or a negative errno (-EADDRINUSE when another live process serves path).
    int open(const std::string& path, std::string& error);

    /// Waits up to timeout_ms for socket activity, accepts clients, answers complete lines.
    void poll(int timeout_ms, const handler& h);

    const std::string& path() const noexcept { return _path; }

  private:
    struct client {
        int fd = -1;
        std::string in;
        std::string out;
        bool closing = false; // close once `out` is written
    };
    void accept_clients();
    void read_client(client& c, const handler& h);
    void write_client(client& c);

    std::string _path;
    int _listen = -1;
    std::vector<client> _clients;
};

} // namespace edgerelay::cp::process
