// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard's Noise IKpsk2 handshake: messages 1 and 2 and the derivation of transport keys.
#include "controlplane/handshake/noise.hh"

#include <cstring>

#include "common/crypto/aead.hh"
#include "common/crypto/blake2s.hh"
#include "common/crypto/x25519.hh"

namespace edgerelay::cp {
namespace {

using crypto::bytes_view;
using crypto::key32;
using crypto::secret32;

constexpr size_t tag_len = 16;

// The symmetric half of Noise: chaining key C and transcript hash H. Each step works on a
// copy of the handshake's state and is committed only when the whole message checks out.
struct symmetric {
    secret32 ck;
    key32 h{};

    // C = HASH(CONSTRUCTION); H = HASH(HASH(C || IDENTIFIER) || responder static).
    void init(const key32& responder_static) noexcept
    {
        const key32 c = crypto::blake2s({text_bytes(construction)});
        ck.bytes = c;
        h = crypto::blake2s({bytes_view(c), text_bytes(identifier)});
        mix_hash(responder_static);
    }

    void mix_hash(bytes_view data) noexcept { h = crypto::blake2s({bytes_view(h), data}); }

    // C = KDF1(C, input)
    void mix_key(bytes_view input) noexcept
    {
        secret32 c;
        crypto::kdf(&c, nullptr, nullptr, ck.bytes, input);
        ck = c;
    }

    // (C, k) = KDF2(C, input)
    void mix_key(bytes_view input, secret32& key) noexcept
    {
        secret32 c;
        crypto::kdf(&c, &key, nullptr, ck.bytes, input);
        ck = c;
    }

    // (C, T, k) = KDF3(C, Q); H = HASH(H || T)
    void mix_psk(const secret32& psk, secret32& key) noexcept
    {
        secret32 c;
        secret32 t;
        crypto::kdf(&c, &t, &key, ck.bytes, psk.bytes);
        ck = c;
        mix_hash(t.bytes);
    }

    // The message's ephemeral enters both C and H.
    void mix_ephemeral(const key32& e) noexcept
    {
        mix_key(e);
        mix_hash(e);
    }

    // C = KDF1(C, DH(priv, pub)); false on a zero DH result.
    [[nodiscard]] bool mix_dh(const secret32& priv, const key32& pub) noexcept
    {
        secret32 dh;
        if (!crypto::x25519(dh, priv, pub)) {
            return false;
        }
        mix_key(dh.bytes);
        return true;
    }

    // dst = AEAD(k, 0, plain, H); H = HASH(H || dst)
    void seal(uint8_t* dst, bytes_view plain, const secret32& key) noexcept
    {
        crypto::chacha20poly1305_seal(dst, plain, h, 0, key.data());
        mix_hash(bytes_view(dst, plain.size() + tag_len));
    }

    // plain = AEAD-open(k, 0, sealed, H); H = HASH(H || sealed)
    [[nodiscard]] bool open(uint8_t* plain, bytes_view sealed, const secret32& key) noexcept
    {
        if (!crypto::chacha20poly1305_open(plain, sealed, h, 0, key.data())) {
            return false;
        }
        mix_hash(sealed);
        return true;
    }
};

key32 read_key(std::span<const uint8_t> msg, size_t off) noexcept
{
    key32 k;
    std::memcpy(k.data(), msg.data() + off, 32);
    return k;
}

// First half of consuming message 1, with only our static key pair.
hs_status open_first_half(const secret32& local_priv, const key32& local_pub,
                          std::span<const uint8_t> msg, initiation_opened& out) noexcept
{
    using L = initiation_layout;
    if (!has_type(msg, msg_type::initiation)) {
        return hs_status::malformed;
    }
    symmetric s;
    s.init(local_pub);
    const key32 e = read_key(msg, L::ephemeral);
    s.mix_ephemeral(e);
    secret32 dh;
    if (!crypto::x25519(dh, local_priv, e)) {
        return hs_status::bad_key;
    }
    secret32 key;
    s.mix_key(dh.bytes, key);
    key32 remote_static;
    if (!s.open(remote_static.data(), msg.subspan(L::encrypted_static, 32 + tag_len), key)) {
        return hs_status::decrypt_failed;
    }
    out.sender_index = load_le32(msg, L::sender);
    out.remote_ephemeral = e;
    out.remote_static = remote_static;
    out.hash = s.h;
    out.chaining_key = s.ck;
    std::memcpy(out.encrypted_timestamp.data(), msg.data() + L::encrypted_timestamp, 28);
    return hs_status::ok;
}

// Second half: (C, k) = KDF2(C, DH(s_r, S_i)); timestamp = open(k, enc_ts, H).
hs_status open_timestamp(const initiation_opened& opened, const secret32& static_static,
                         symmetric& s, tai64n_stamp& ts) noexcept
{
    s.ck = opened.chaining_key;
    s.h = opened.hash;
    secret32 key;
    s.mix_key(static_static.bytes, key);
    if (!s.open(ts.data(), opened.encrypted_timestamp, key)) {
        return hs_status::decrypt_failed;
    }
    return hs_status::ok;
}

} // namespace

std::string_view to_string(hs_status s) noexcept
{
    switch (s) {
    case hs_status::ok: return "ok";
    case hs_status::malformed: return "malformed";
    case hs_status::decrypt_failed: return "decrypt_failed";
    case hs_status::bad_key: return "bad_key";
    case hs_status::replay: return "replay";
    case hs_status::flood: return "flood";
    case hs_status::wrong_state: return "wrong_state";
    case hs_status::wrong_index: return "wrong_index";
    case hs_status::wrong_peer: return "wrong_peer";
    }
    return "unknown";
}

static_identity::static_identity(const crypto::secret32& private_key)
    : priv(private_key), pub(crypto::x25519_public(private_key)), checker(pub)
{
}

std::optional<initiation_opened> open_initiation(const static_identity& local,
                                                 std::span<const uint8_t> msg,
                                                 hs_status* status) noexcept
{
    initiation_opened out;
    const hs_status st = open_first_half(local.priv, local.pub, msg, out);
    if (status) {
        *status = st;
    }
    if (st != hs_status::ok) {
        return std::nullopt;
    }
    return out;
}

initiation_inspection inspect_initiation(const crypto::secret32& local_private,
                                         std::span<const uint8_t> msg,
                                         const crypto::key32* expected_peer) noexcept
{
    initiation_inspection r;
    initiation_opened opened;
    r.status = open_first_half(local_private, crypto::x25519_public(local_private), msg, opened);
    if (r.status != hs_status::ok) {
        return r;
    }
    if (expected_peer && *expected_peer != opened.remote_static) {
        r.status = hs_status::wrong_peer;
        return r;
    }
    secret32 ss;
    if (!crypto::x25519(ss, local_private, opened.remote_static)) {
        r.status = hs_status::bad_key;
        return r;
    }
    symmetric s;
    r.status = open_timestamp(opened, ss, s, r.contents.timestamp);
    if (r.status == hs_status::ok) {
        r.contents.sender_index = opened.sender_index;
        r.contents.initiator_ephemeral = opened.remote_ephemeral;
        r.contents.initiator_static = opened.remote_static;
    }
    return r;
}

handshake::handshake(const static_identity& local, const crypto::key32& remote_static,
                     const crypto::secret32& psk) noexcept
    : _local(&local), _remote_static(remote_static), _psk(psk)
{
    refresh_static();
}

void handshake::refresh_static() noexcept
{
    // A low-order remote key makes every handshake with it fail, as in the Linux module.
    _ss_ok = crypto::x25519(_precomputed_ss, _local->priv, _remote_static);
    if (!_ss_ok) {
        crypto::wipe(_precomputed_ss.data(), _precomputed_ss.size());
    }
}

void handshake::clear() noexcept
{
    crypto::wipe(_ephemeral_priv.data(), _ephemeral_priv.size());
    crypto::wipe(_chaining_key.data(), _chaining_key.size());
    _hash = {};
    _remote_ephemeral = {};
    _local_index = 0;
    _remote_index = 0;
    _state = state::zeroed;
}

std::optional<initiation_msg> handshake::create_initiation(
    nanos wall_now, uint32_t local_index, const crypto::secret32* fixed_ephemeral) noexcept
{
    using L = initiation_layout;
    if (!_ss_ok) {
        return std::nullopt;
    }
    initiation_msg msg{};
    store_le32(msg, 0, uint32_t(msg_type::initiation));
    store_le32(msg, L::sender, local_index);

    symmetric s;
    s.init(_remote_static);
    secret32 e = fixed_ephemeral ? *fixed_ephemeral : crypto::x25519_generate();
    const key32 e_pub = crypto::x25519_public(e);
    std::memcpy(msg.data() + L::ephemeral, e_pub.data(), 32);
    s.mix_ephemeral(e_pub);

    secret32 dh;
    if (!crypto::x25519(dh, e, _remote_static)) {
        return std::nullopt;
    }
    secret32 key;
    s.mix_key(dh.bytes, key);
    s.seal(msg.data() + L::encrypted_static, _local->pub, key);

    s.mix_key(_precomputed_ss.bytes, key);
    const tai64n_stamp ts = tai64n(tai64n_whiten(wall_now));
    s.seal(msg.data() + L::encrypted_timestamp, ts, key);

    clear();
    _ephemeral_priv = e;
    _chaining_key = s.ck;
    _hash = s.h;
    _local_index = local_index;
    _state = state::created_initiation;
    return msg;
}

hs_status handshake::consume_initiation(const initiation_opened& opened, nanos now) noexcept
{
    if (opened.remote_static != _remote_static) {
        return hs_status::wrong_peer;
    }
    if (!_ss_ok) {
        return hs_status::bad_key;
    }
    symmetric s;
    tai64n_stamp ts;
    if (const hs_status st = open_timestamp(opened, _precomputed_ss, s, ts);
        st != hs_status::ok) {
        return st;
    }
    // The stamp is the only replay protection message 1 has: a replayed initiation would
    // otherwise make us answer and reset the peer's session.
    if (std::memcmp(ts.data(), _latest_timestamp.data(), ts.size()) <= 0) {
        return hs_status::replay;
    }
    if (_last_initiation_consumption &&
        now - *_last_initiation_consumption < nanos(1'000'000'000 / max_initiations_per_second)) {
        return hs_status::flood;
    }

    clear();
    _remote_ephemeral = opened.remote_ephemeral;
    _remote_index = opened.sender_index;
    _chaining_key = s.ck;
    _hash = s.h;
    _latest_timestamp = ts;
    if (!_last_initiation_consumption || *_last_initiation_consumption < now) {
        _last_initiation_consumption = now;
    }
    _state = state::consumed_initiation;
    return hs_status::ok;
}

std::optional<response_msg> handshake::create_response(uint32_t local_index) noexcept
{
    using L = response_layout;
    if (_state != state::consumed_initiation) {
        return std::nullopt;
    }
    response_msg msg{};
    store_le32(msg, 0, uint32_t(msg_type::response));
    store_le32(msg, L::sender, local_index);
    store_le32(msg, L::receiver, _remote_index);

    symmetric s;
    s.ck = _chaining_key;
    s.h = _hash;
    secret32 e = crypto::x25519_generate();
    const key32 e_pub = crypto::x25519_public(e);
    std::memcpy(msg.data() + L::ephemeral, e_pub.data(), 32);
    s.mix_ephemeral(e_pub);
    if (!s.mix_dh(e, _remote_ephemeral) || !s.mix_dh(e, _remote_static)) {
        return std::nullopt;
    }
    secret32 key;
    s.mix_psk(_psk, key);
    s.seal(msg.data() + L::encrypted_nothing, {}, key);

    _chaining_key = s.ck;
    _hash = s.h;
    _local_index = local_index;
    _state = state::created_response;
    return msg;
}

hs_status handshake::consume_response(std::span<const uint8_t> msg) noexcept
{
    using L = response_layout;
    if (!has_type(msg, msg_type::response)) {
        return hs_status::malformed;
    }
    if (_state != state::created_initiation) {
        return hs_status::wrong_state;
    }
    if (load_le32(msg, L::receiver) != _local_index) {
        return hs_status::wrong_index;
    }
    symmetric s;
    s.ck = _chaining_key;
    s.h = _hash;
    const key32 e = read_key(msg, L::ephemeral);
    s.mix_ephemeral(e);
    if (!s.mix_dh(_ephemeral_priv, e) || !s.mix_dh(_local->priv, e)) {
        return hs_status::bad_key;
    }
    secret32 key;
    s.mix_psk(_psk, key);
    uint8_t nothing[1];
    if (!s.open(nothing, msg.subspan(L::encrypted_nothing, tag_len), key)) {
        return hs_status::decrypt_failed;
    }

    crypto::wipe(_ephemeral_priv.data(), _ephemeral_priv.size());
    _remote_ephemeral = e;
    _remote_index = load_le32(msg, L::sender);
    _chaining_key = s.ck;
    _hash = s.h;
    _state = state::consumed_response;
    return hs_status::ok;
}

std::optional<transport_keys> handshake::derive_keys(nanos now) noexcept
{
    if (_state != state::created_response && _state != state::consumed_response) {
        return std::nullopt;
    }
    const bool initiator = _state == state::consumed_response;
    transport_keys k;
    secret32 first;
    secret32 second;
    // (T_send_i = T_recv_r, T_recv_i = T_send_r) = KDF2(C, ε)
    crypto::kdf(&first, &second, nullptr, _chaining_key.bytes, {});
    k.send_key = initiator ? first : second;
    k.recv_key = initiator ? second : first;
    k.local_index = _local_index;
    k.remote_index = _remote_index;
    k.initiator = initiator;
    k.created = now;
    clear();
    return k;
}

} // namespace edgerelay::cp
