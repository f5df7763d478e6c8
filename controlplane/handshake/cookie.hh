// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard mac1/mac2 and cookie replies (whitepaper §5.4.4, §5.4.7): both sides of the DoS guard.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "common/crypto/secret.hh"
#include "common/wire/endpoint.hh"
#include "controlplane/handshake/protocol.hh"
#include "controlplane/handshake/ratelimiter.hh"

namespace edgerelay::cp {

using mac16 = std::array<uint8_t, 16>;

/// What the receiver of a handshake message (type 1 or 2) must do with it.
enum class mac_verdict : uint8_t {
    ok,            ///< process it
    bad_mac1,      ///< drop silently: not addressed to our public key, or corrupted
    need_cookie,   ///< under load and no valid mac2: answer with a cookie reply, do not process
    rate_limited,  ///< under load, valid mac2, but the source exceeds its rate: drop
};

/// The local side of the cookie mechanism, one per interface (per static identity):
/// verifies mac1/mac2 on arriving handshake messages and builds cookie replies.
/// The cookie secret is random and replaced when older than 120 s, so a cookie is only
/// good for about two minutes. Not thread-safe (one control-plane thread).
class cookie_checker {
public:
    /// @param local_public our static public key (mac1 and the cookie key derive from it).
    explicit cookie_checker(const crypto::key32& local_public);

    /// Re-keys mac1 and cookie encryption for a new local static public key.
    void set_public(const crypto::key32& local_public) noexcept;

    /// Checks a handshake message's macs.
    /// @param msg a whole type 1 or type 2 message (mac1 and mac2 are its last 32 bytes).
    /// @param src the outer source address and port it came from (the cookie binds to it).
    /// @param now monotonic time, for the secret's age and the rate limiter.
    /// @param under_load the caller's decision (e.g. its handshake queue is filling up):
    ///        only then are mac2 and the per-source rate limit enforced.
    /// @return ok, bad_mac1 (also for a message shorter than 32 bytes), need_cookie or
    ///         rate_limited.
    mac_verdict check_macs(std::span<const uint8_t> msg, const wire::endpoint& src, nanos now,
                           bool under_load);

    /// Builds the cookie reply to a message that got need_cookie.
    /// @param msg the triggering type 1 or 2 message (its sender index and mac1 are used).
    /// @param src its source address and port.
    /// @param now monotonic time.
    /// @return the 64-byte reply; nullopt if msg is not a type 1 or 2 message.
    std::optional<cookie_reply_msg> create_reply(std::span<const uint8_t> msg,
                                                 const wire::endpoint& src, nanos now);

    /// The per-source limiter applied under load (exposed for metrics and tests).
    ratelimiter& limiter() noexcept { return _limiter; }

private:
    mac16 make_cookie(const wire::endpoint& src, nanos now);

    crypto::key32 _mac1_key{};    // HASH(LABEL_MAC1 || local public)
    crypto::key32 _cookie_key{};  // HASH(LABEL_COOKIE || local public)
    crypto::secret32 _secret;     // R_m, rotated lazily when older than cookie_secret_max_age
    std::optional<nanos> _secret_birth;
    ratelimiter _limiter;
};

/// The remote side, one per peer: stamps mac1 (and mac2 while a cookie is fresh) on the
/// handshake messages we send to that peer, and takes the cookie replies it sends us.
class cookie_state {
public:
    /// @param remote_public the peer's static public key.
    explicit cookie_state(const crypto::key32& remote_public) noexcept;

    /// Writes mac1 and mac2 into the last 32 bytes of an outgoing type 1 or 2 message.
    /// mac2 is zero unless a cookie younger than 120 - 5 s is held.
    /// @param msg the whole message, everything before mac1 already filled in.
    /// @param now monotonic time.
    void add_macs(std::span<uint8_t> msg, nanos now) noexcept;

    /// Accepts a cookie reply from the peer.
    /// @param msg the 64-byte message; the caller matched its receiver index to the message
    ///        we sent (our sender index) and so to this peer.
    /// @param now monotonic time.
    /// @return true if the cookie decrypted against the mac1 we last sent and is now held;
    ///         false if the message is malformed, we have not sent a mac1 since the last
    ///         reply, or it does not authenticate.
    bool consume_reply(std::span<const uint8_t> msg, nanos now) noexcept;

    /// True while a cookie is held and young enough to be used for mac2.
    bool has_fresh_cookie(nanos now) const noexcept;

private:
    crypto::key32 _mac1_key{};    // HASH(LABEL_MAC1 || remote public)
    crypto::key32 _cookie_key{};  // HASH(LABEL_COOKIE || remote public)
    mac16 _cookie{};
    std::optional<nanos> _cookie_birth;
    mac16 _last_mac1{};
    bool _have_sent_mac1 = false;
};

} // namespace edgerelay::cp
