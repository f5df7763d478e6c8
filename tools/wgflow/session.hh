// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// One static-key WireGuard transport session over one UDP socket: seal, open, replay window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/crypto/secret.hh"
#include "dataplane/replay_window.hh"
#include "tools/wgflow/options.hh"

namespace edgerelay::tools::wgflow {

/// Largest UDP payload we read or write; the inner packet is capped well below it.
inline constexpr size_t max_message = 65536;

/// What open() made of one datagram.
enum class open_result : uint8_t {
    data,      ///< authenticated, fresh, non-empty plaintext
    keepalive, ///< authenticated, fresh, empty plaintext
    malformed, ///< not a WireGuard transport message
    bad_index, ///< receiver index is not ours
    replayed,  ///< counter already seen or older than the window
    bad_tag,   ///< the tag did not verify under our receive key
};

/// The two directions of a tunnel with fixed keys, as WireGuard's keypair after a handshake:
/// our send counter only grows, and received counters go through an RFC 6479 window (the
/// dataplane's own, so both sides judge replays identically).
class session {
public:
    /// Binds a UDP socket to o.listen (non-blocking, large buffers). Throws std::system_error.
    explicit session(const options& o);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    int fd() const noexcept { return _fd; }

    /// Seals plain (may be empty: a keepalive) with the next counter into out, which must hold
    /// plain.size() + 48 bytes. Returns the message length.
    size_t seal(std::span<const uint8_t> plain, uint8_t* out) noexcept;

    /// Checks and decrypts msg in place. On data/keepalive, plain is the padded plaintext
    /// inside msg and counter the message's counter.
    open_result open(std::span<uint8_t> msg, std::span<uint8_t>& plain, uint64_t& counter) noexcept;

    /// Sends one datagram to `to`, waiting (bounded, 1 s) for socket space rather than
    /// dropping: a test sender must not lose packets on its own host. False if it failed.
    bool send_to(const uint8_t* msg, size_t len, const sock_addr& to) noexcept;

    /// Reads one datagram without blocking. Returns its length, or -1 when none is waiting.
    long receive(uint8_t* buf, size_t cap, sock_addr& from) noexcept;

    uint64_t next_counter() const noexcept { return _next_counter; }

private:
    int _fd = -1;
    uint32_t _local_index;
    uint32_t _remote_index;
    crypto::secret32 _send_key;
    crypto::secret32 _recv_key;
    uint64_t _next_counter;
    dp::replay_window _replay;
};

/// CLOCK_MONOTONIC in nanoseconds (shared by every namespace on the host, so a sender's
/// timestamp is meaningful to a receiver in another namespace).
uint64_t now_ns() noexcept;

} // namespace edgerelay::tools::wgflow
