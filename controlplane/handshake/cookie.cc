// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// mac1/mac2 verification and cookie replies (responder side), mac stamping and cookie intake
// (initiator side).
#include "controlplane/handshake/cookie.hh"

#include <cstring>

#include "common/crypto/aead.hh"
#include "common/crypto/blake2s.hh"

namespace edgerelay::cp {
namespace {

constexpr size_t mac_tail = 32;  // mac1 || mac2 end every type 1 and 2 message

crypto::key32 label_key(std::string_view label, const crypto::key32& pub) noexcept
{
    return crypto::blake2s({text_bytes(label), crypto::bytes_view(pub)});
}

bool is_mac_message(std::span<const uint8_t> msg) noexcept
{
    return has_type(msg, msg_type::initiation) || has_type(msg, msg_type::response);
}

// mac1 = MAC(HASH(LABEL_MAC1 || receiver's public), msg up to mac1).
mac16 compute_mac1(const crypto::key32& key, std::span<const uint8_t> msg) noexcept
{
    mac16 m;
    crypto::blake2s_mac16(m.data(), key, msg.first(msg.size() - mac_tail));
    return m;
}

// mac2 = MAC(cookie, msg up to mac2).
mac16 compute_mac2(const mac16& cookie, std::span<const uint8_t> msg) noexcept
{
    mac16 m;
    crypto::blake2s_mac16(m.data(), cookie, msg.first(msg.size() - mac_tail / 2));
    return m;
}

} // namespace

cookie_checker::cookie_checker(const crypto::key32& local_public)
{
    set_public(local_public);
}

void cookie_checker::set_public(const crypto::key32& local_public) noexcept
{
    _mac1_key = label_key(label_mac1, local_public);
    _cookie_key = label_key(label_cookie, local_public);
}

mac16 cookie_checker::make_cookie(const wire::endpoint& src, nanos now)
{
    if (!_secret_birth || now - *_secret_birth >= cookie_secret_max_age) {
        crypto::random_bytes(_secret.data(), _secret.size());
        _secret_birth = now;
    }
    // A_m: the address bytes then the port in network order, as the Linux module hashes it.
    uint8_t am[18];
    const size_t alen = src.family == 6 ? 16 : 4;
    std::memcpy(am, src.addr, alen);
    am[alen] = uint8_t(src.port >> 8);
    am[alen + 1] = uint8_t(src.port);
    mac16 cookie;
    crypto::blake2s_mac16(cookie.data(), crypto::bytes_view(_secret.bytes),
                          crypto::bytes_view(am, alen + 2));
    return cookie;
}

mac_verdict cookie_checker::check_macs(std::span<const uint8_t> msg, const wire::endpoint& src,
                                       nanos now, bool under_load)
{
    if (msg.size() < mac_tail) {
        return mac_verdict::bad_mac1;
    }
    const mac16 mac1 = compute_mac1(_mac1_key, msg);
    if (!crypto::equal_ct(mac1.data(), msg.data() + msg.size() - mac_tail, 16)) {
        return mac_verdict::bad_mac1;
    }
    if (!under_load) {
        return mac_verdict::ok;
    }
    // A missing (zero) and a stale mac2 get the same answer: a fresh cookie.
    const mac16 cookie = make_cookie(src, now);
    const mac16 mac2 = compute_mac2(cookie, msg);
    if (!crypto::equal_ct(mac2.data(), msg.data() + msg.size() - mac_tail / 2, 16)) {
        return mac_verdict::need_cookie;
    }
    // mac2 proves the source address is real, so limiting per source is now meaningful.
    if (!_limiter.allow(src, now)) {
        return mac_verdict::rate_limited;
    }
    return mac_verdict::ok;
}

std::optional<cookie_reply_msg> cookie_checker::create_reply(std::span<const uint8_t> msg,
                                                             const wire::endpoint& src, nanos now)
{
    if (!is_mac_message(msg)) {
        return std::nullopt;
    }
    cookie_reply_msg out{};
    store_le32(out, 0, uint32_t(msg_type::cookie_reply));
    // Both type 1 and type 2 carry their sender index at offset 4.
    store_le32(out, cookie_reply_layout::receiver, load_le32(msg, 4));
    uint8_t* nonce = out.data() + cookie_reply_layout::nonce;
    crypto::random_bytes(nonce, 24);
    mac16 cookie = make_cookie(src, now);
    crypto::xchacha20poly1305_seal(out.data() + cookie_reply_layout::encrypted_cookie, cookie,
                                   msg.subspan(msg.size() - mac_tail, 16), nonce,
                                   _cookie_key.data());
    crypto::wipe(cookie.data(), cookie.size());
    return out;
}

cookie_state::cookie_state(const crypto::key32& remote_public) noexcept
    : _mac1_key(label_key(label_mac1, remote_public)),
      _cookie_key(label_key(label_cookie, remote_public))
{
}

bool cookie_state::has_fresh_cookie(nanos now) const noexcept
{
    return _cookie_birth && now - *_cookie_birth < cookie_secret_max_age - cookie_secret_latency;
}

void cookie_state::add_macs(std::span<uint8_t> msg, nanos now) noexcept
{
    if (msg.size() < mac_tail) {
        return;
    }
    uint8_t* mac1 = msg.data() + msg.size() - mac_tail;
    uint8_t* mac2 = mac1 + 16;
    _last_mac1 = compute_mac1(_mac1_key, msg);
    std::memcpy(mac1, _last_mac1.data(), 16);
    _have_sent_mac1 = true;
    if (has_fresh_cookie(now)) {
        const mac16 m = compute_mac2(_cookie, msg);
        std::memcpy(mac2, m.data(), 16);
    } else {
        std::memset(mac2, 0, 16);
    }
}

bool cookie_state::consume_reply(std::span<const uint8_t> msg, nanos now) noexcept
{
    if (!has_type(msg, msg_type::cookie_reply) || !_have_sent_mac1) {
        return false;
    }
    mac16 cookie;
    const bool ok = crypto::xchacha20poly1305_open(
        cookie.data(), msg.subspan(cookie_reply_layout::encrypted_cookie, 32), _last_mac1,
        msg.data() + cookie_reply_layout::nonce, _cookie_key.data());
    if (!ok) {
        return false;
    }
    _cookie = cookie;
    crypto::wipe(cookie.data(), cookie.size());
    _cookie_birth = now;
    // One reply per mac1 sent: a replayed reply cannot refresh the cookie's age.
    _have_sent_mac1 = false;
    return true;
}

} // namespace edgerelay::cp
