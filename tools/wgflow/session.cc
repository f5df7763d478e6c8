// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The static-key transport session: socket set-up, sealing, opening and the replay check.
#include "tools/wgflow/session.hh"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "common/crypto/aead.hh"
#include "common/wire/wireguard.hh"

namespace edgerelay::tools::wgflow {

uint64_t now_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

session::session(const options& o)
    : _local_index(o.local_index), _remote_index(o.remote_index), _next_counter(o.counter_start)
{
    std::memcpy(_send_key.data(), o.send_key.data(), 32);
    std::memcpy(_recv_key.data(), o.recv_key.data(), 32);
    _fd = ::socket(o.listen.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (_fd < 0) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    // Bursts of a few thousand messages must not overflow the default ~200 KiB buffers; the
    // FORCE variants need CAP_NET_ADMIN, so fall back to the capped ones.
    int bytes = 8 << 20;
    if (setsockopt(_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
        setsockopt(_fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
    if (setsockopt(_fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) != 0) {
        setsockopt(_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
    }
    int one = 1;
    setsockopt(_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(_fd, reinterpret_cast<const sockaddr*>(&o.listen.ss), o.listen.len) != 0) {
        int err = errno;
        ::close(_fd);
        throw std::system_error(err, std::generic_category(),
                                "bind " + format_sock_addr(o.listen));
    }
}

session::~session()
{
    if (_fd >= 0) {
        ::close(_fd);
    }
}

size_t session::seal(std::span<const uint8_t> plain, uint8_t* out) noexcept
{
    size_t padded = wire::transport_padded_len(plain.size());
    uint8_t* body = out + wire::wg_transport_header_len;
    // Pad in place: the AEAD reads src and writes dst, which may be the same bytes.
    std::memmove(body, plain.data(), plain.size());
    std::memset(body + plain.size(), 0, padded - plain.size());
    uint64_t counter = _next_counter++;
    wire::write_transport_header(out, _remote_index, counter);
    crypto::chacha20poly1305_seal(body, std::span<const uint8_t>(body, padded), {}, counter,
                                  _send_key.data());
    return wire::wg_transport_header_len + padded + wire::wg_aead_tag_len;
}

open_result session::open(std::span<uint8_t> msg, std::span<uint8_t>& plain,
                          uint64_t& counter) noexcept
{
    uint8_t type = 0;
    if (wire::classify_wg(msg, type) != wire::verdict::ok ||
        type != wire::message_type_transport) {
        return open_result::malformed;
    }
    if (wire::transport_receiver_index(msg.data()) != _local_index) {
        return open_result::bad_index;
    }
    counter = wire::transport_counter(msg.data());
    // WireGuard's order: a cheap window check before the AEAD, the window update only after
    // the tag verified, so forged messages cannot move the window.
    if (!_replay.check(counter)) {
        return open_result::replayed;
    }
    auto sealed = msg.subspan(wire::wg_transport_header_len);
    uint8_t* dst = sealed.data();
    if (!crypto::chacha20poly1305_open(dst, sealed, {}, counter, _recv_key.data())) {
        return open_result::bad_tag;
    }
    if (!_replay.update(counter)) {
        return open_result::replayed;
    }
    plain = std::span<uint8_t>(dst, sealed.size() - wire::wg_aead_tag_len);
    return plain.empty() ? open_result::keepalive : open_result::data;
}

bool session::send_to(const uint8_t* msg, size_t len, const sock_addr& to) noexcept
{
    uint64_t give_up = now_ns() + 1'000'000'000ull;
    for (;;) {
        ssize_t n = ::sendto(_fd, msg, len, 0, reinterpret_cast<const sockaddr*>(&to.ss), to.len);
        if (n == static_cast<ssize_t>(len)) {
            return true;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
            errno != EINTR) {
            return false;
        }
        if (now_ns() > give_up) {
            return false;
        }
        pollfd p{_fd, POLLOUT, 0};
        ::poll(&p, 1, 10);
    }
}

long session::receive(uint8_t* buf, size_t cap, sock_addr& from) noexcept
{
    from.len = sizeof(from.ss);
    ssize_t n = ::recvfrom(_fd, buf, cap, 0, reinterpret_cast<sockaddr*>(&from.ss), &from.len);
    return n < 0 ? -1 : static_cast<long>(n);
}

} // namespace edgerelay::tools::wgflow
