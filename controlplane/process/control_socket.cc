// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Unix stream control socket: accept, read lines, write answers, all non-blocking.
#include "controlplane/process/control_socket.hh"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "controlplane/process/protocol.hh"

namespace edgerelay::cp::process {

namespace {

constexpr std::size_t max_clients = 32;

int make_dirs(const std::string& dir)
{
    if (dir.empty()) {
        return 0;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    }
    auto slash = dir.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (int rc = make_dirs(dir.substr(0, slash)); rc < 0) {
            return rc;
        }
    }
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

bool fill_addr(const std::string& path, sockaddr_un& sa)
{
    std::memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) {
        return false;
    }
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    return true;
}

} // namespace

control_socket::~control_socket()
{
    for (auto& c : _clients) {
        ::close(c.fd);
    }
    if (_listen >= 0) {
        ::close(_listen);
        ::unlink(_path.c_str());
    }
}

int control_socket::open(const std::string& path, std::string& error)
{
    sockaddr_un sa{};
    if (!fill_addr(path, sa)) {
        error = "control socket path " + path + " is too long for a unix socket (max " +
                std::to_string(sizeof sa.sun_path - 1) + " bytes); set a shorter control_socket";
        return -ENAMETOOLONG;
    }
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (int rc = make_dirs(path.substr(0, slash)); rc < 0) {
            error = "cannot create the directory of control socket " + path + ": " +
                    std::strerror(-rc) + "; create it or set control_socket elsewhere";
            return rc;
        }
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error = std::string("socket(AF_UNIX): ") + std::strerror(errno);
        return -errno;
    }
    int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    if (bound != 0 && errno == EADDRINUSE) {
        // A socket file exists: in use by a live process, or left by a dead one.
        int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
        if (probe >= 0) {
            ::close(probe);
        }
        if (live) {
            ::close(fd);
            error = "control socket " + path + " is served by another process (another "
                    "edgerelay-controlplane for this instance?); stop it or set another "
                    "control_socket";
            return -EADDRINUSE;
        }
        ::unlink(path.c_str());
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            int e = errno;
            ::close(fd);
            error = "bind " + path + ": " + std::strerror(e);
            return -e;
        }
    } else if (bound != 0) {
        int e = errno;
        ::close(fd);
        error = "bind " + path + ": " + std::strerror(e) + "; check the directory's permissions";
        return -e;
    }
    // Group members may use the socket (the operators' group); others may not.
    if (::chmod(path.c_str(), 0660) != 0 || ::listen(fd, 16) != 0) {
        int e = errno;
        ::close(fd);
        ::unlink(path.c_str());
        error = "control socket " + path + ": " + std::strerror(e);
        return -e;
    }
    _listen = fd;
    _path = path;
    return 0;
}

void control_socket::accept_clients()
{
    for (;;) {
        int fd = ::accept4(_listen, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            return;
        }
        if (_clients.size() >= max_clients) {
            std::string msg = encode_error("too many control socket clients; retry later");
            (void)!::write(fd, msg.data(), msg.size());
            ::close(fd);
            continue;
        }
        _clients.push_back(client{fd, {}, {}, false});
    }
}

void control_socket::read_client(client& c, const handler& h)
{
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n > 0) {
            c.in.append(buf, std::size_t(n));
            if (c.in.size() > 4 * max_request_bytes) {
                break; // answered below as oversized
            }
            continue;
        }
        if (n == 0) {
            // Half-close by the client: answer what is complete, then close.
            c.closing = true;
        }
        break;
    }
    std::size_t nl;
    while ((nl = c.in.find('\n')) != std::string::npos) {
        std::string line = c.in.substr(0, nl);
        c.in.erase(0, nl + 1);
        c.out += h(line);
    }
    if (c.in.size() > max_request_bytes) {
        c.out += encode_error("request longer than " + std::to_string(max_request_bytes) +
                              " bytes");
        c.in.clear();
        c.closing = true;
    }
}

void control_socket::write_client(client& c)
{
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return;
            }
            c.out.clear();
            c.closing = true;
            return;
        }
        c.out.erase(0, std::size_t(n));
    }
}

void control_socket::poll(int timeout_ms, const handler& h)
{
    std::vector<pollfd> fds;
    fds.reserve(_clients.size() + 1);
    fds.push_back(pollfd{_listen, POLLIN, 0});
    for (const auto& c : _clients) {
        fds.push_back(pollfd{c.fd, short(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) {
        return;
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
        client& c = _clients[i - 1];
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            read_client(c, h);
        }
        write_client(c);
    }
    std::erase_if(_clients, [](client& c) {
        bool done = c.closing && c.out.empty();
        if (done) {
            ::close(c.fd);
        }
        return done;
    });
    if (fds[0].revents & POLLIN) {
        accept_clients();
    }
}

} // namespace edgerelay::cp::process
