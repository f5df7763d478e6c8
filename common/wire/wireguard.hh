// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard message layouts (whitepaper §5.4, wireguard.com/protocol) and their size rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/wire/bytes.hh"
#include "common/wire/verdict.hh"

namespace edgerelay::wire {

/// WireGuard message types: the first byte of every message, followed by 3 zero bytes.
enum message_type : uint8_t {
    message_type_initiation = 1,
    message_type_response = 2,
    message_type_cookie_reply = 3,
    message_type_transport = 4,
};

inline constexpr size_t wg_key_len = 32;       ///< Curve25519 public key
inline constexpr size_t wg_aead_tag_len = 16;  ///< Poly1305 tag
inline constexpr size_t wg_timestamp_len = 12; ///< TAI64N
inline constexpr size_t wg_mac_len = 16;       ///< mac1 / mac2 (keyed BLAKE2s-128)
inline constexpr size_t wg_cookie_len = 16;
inline constexpr size_t wg_cookie_nonce_len = 24; ///< XChaCha20-Poly1305 nonce
inline constexpr size_t wg_padding = 16; ///< transport plaintext is padded to this multiple
inline constexpr uint16_t wg_default_port = 51820;

// Multi-byte integer fields are byte arrays read through the accessors: the structs then have
// alignment 1 and can overlay any byte of a packet buffer without undefined behaviour.

/// Common 4-byte prefix of every message: type then 3 reserved zero bytes.
struct [[gnu::packed]] message_header {
    uint8_t type;
    uint8_t reserved[3];
};
static_assert(sizeof(message_header) == 4);

/// Handshake initiation (type 1), initiator → responder.
struct [[gnu::packed]] message_initiation {
    message_header header;
    uint8_t sender_index_le[4];
    uint8_t unencrypted_ephemeral[wg_key_len];
    uint8_t encrypted_static[wg_key_len + wg_aead_tag_len];
    uint8_t encrypted_timestamp[wg_timestamp_len + wg_aead_tag_len];
    uint8_t mac1[wg_mac_len];
    uint8_t mac2[wg_mac_len];

    uint32_t sender_index() const noexcept { return load_le32(sender_index_le); }
    void set_sender_index(uint32_t v) noexcept { store_le32(sender_index_le, v); }
};
static_assert(sizeof(message_initiation) == 148);

/// Handshake response (type 2), responder → initiator.
struct [[gnu::packed]] message_response {
    message_header header;
    uint8_t sender_index_le[4];
    uint8_t receiver_index_le[4];
    uint8_t unencrypted_ephemeral[wg_key_len];
    uint8_t encrypted_nothing[wg_aead_tag_len];
    uint8_t mac1[wg_mac_len];
    uint8_t mac2[wg_mac_len];

    uint32_t sender_index() const noexcept { return load_le32(sender_index_le); }
    uint32_t receiver_index() const noexcept { return load_le32(receiver_index_le); }
    void set_sender_index(uint32_t v) noexcept { store_le32(sender_index_le, v); }
    void set_receiver_index(uint32_t v) noexcept { store_le32(receiver_index_le, v); }
};
static_assert(sizeof(message_response) == 92);

/// Cookie reply (type 3), sent instead of a response when under load.
struct [[gnu::packed]] message_cookie_reply {
    message_header header;
    uint8_t receiver_index_le[4];
    uint8_t nonce[wg_cookie_nonce_len];
    uint8_t encrypted_cookie[wg_cookie_len + wg_aead_tag_len];

    uint32_t receiver_index() const noexcept { return load_le32(receiver_index_le); }
    void set_receiver_index(uint32_t v) noexcept { store_le32(receiver_index_le, v); }
};
static_assert(sizeof(message_cookie_reply) == 64);

/// Transport data (type 4) header; the ciphertext (padded plaintext + 16-byte tag) follows.
struct [[gnu::packed]] message_transport {
    message_header header;
    uint8_t receiver_index_le[4];
    uint8_t counter_le[8];

    uint32_t receiver_index() const noexcept { return load_le32(receiver_index_le); }
    uint64_t counter() const noexcept { return load_le64(counter_le); }
};
static_assert(sizeof(message_transport) == 16);
static_assert(alignof(message_transport) == 1 && alignof(message_initiation) == 1);

inline constexpr size_t wg_transport_header_len = sizeof(message_transport);
/// Smallest transport message: header + tag of an empty plaintext (a keepalive).
inline constexpr size_t wg_transport_min_len = wg_transport_header_len + wg_aead_tag_len;
static_assert(wg_transport_min_len == 32);

/// Byte offset of mac1 and mac2 in messages 1 and 2 (mac1 covers everything before it).
inline constexpr size_t wg_initiation_mac1_offset = offsetof(message_initiation, mac1);
inline constexpr size_t wg_response_mac1_offset = offsetof(message_response, mac1);

/// Checks a UDP payload's WireGuard framing (not its cryptography).
///
/// Padding: senders pad the plaintext to a multiple of 16 *but never beyond their tunnel MTU*
/// (Linux calculate_skb_padding(), wireguard-go calculatePaddingSize()). With the default MTU of
/// 1420, which is not a multiple of 16, a full-size packet arrives with a 1420-byte plaintext.
/// A multiple-of-16 rule would therefore drop the largest packets of stock clients, so it is
/// only applied on request, for links whose sender is known to pad strictly (our own relays
/// with an MTU that is a multiple of 16).
/// @param payload         the UDP payload.
/// @param type            set to the message type (1..4) on ok; to the first byte otherwise,
///                        or 0 for an empty payload.
/// @param strict_padding  also require (size - 32) % 16 == 0 for transport messages.
/// @return ok; wg_truncated (under 4 bytes), wg_unknown_type, wg_reserved_nonzero, wg_bad_size
///         (types 1-3 not exactly 148/92/64 bytes), wg_transport_truncated (type 4 under
///         32 bytes), wg_transport_bad_padding (strict_padding only: ciphertext not a multiple
///         of 16 bytes).
verdict classify_wg(std::span<const uint8_t> payload, uint8_t& type,
                    bool strict_padding = false) noexcept;

/// Receiver index of a message classified as transport (at least 16 bytes at msg).
inline uint32_t transport_receiver_index(const uint8_t* msg) noexcept
{
    return load_le32(msg + 4);
}

/// Counter (AEAD nonce) of a message classified as transport (at least 16 bytes at msg).
inline uint64_t transport_counter(const uint8_t* msg) noexcept
{
    return load_le64(msg + 8);
}

/// Writes a transport header (type 4, reserved zero, receiver index, counter) at `at`.
/// @param at  16 writable bytes.
inline void write_transport_header(uint8_t* at, uint32_t receiver_index, uint64_t counter) noexcept
{
    at[0] = message_type_transport;
    at[1] = 0;
    at[2] = 0;
    at[3] = 0;
    store_le32(at + 4, receiver_index);
    store_le64(at + 8, counter);
}

/// Plaintext length after WireGuard's padding to a multiple of 16 (0 stays 0: a keepalive).
constexpr size_t transport_padded_len(size_t plaintext_len) noexcept
{
    return (plaintext_len + wg_padding - 1) & ~(wg_padding - 1);
}

/// Plaintext length after padding as stock WireGuard does it: to a multiple of 16, capped at
/// the tunnel MTU; a packet longer than the MTU (GSO) is padded as its last MTU-sized unit.
/// @param mtu  the sender's tunnel MTU; 0 means no cap.
constexpr size_t transport_padded_len(size_t plaintext_len, size_t mtu) noexcept
{
    if (mtu == 0) {
        return transport_padded_len(plaintext_len);
    }
    size_t last = plaintext_len > mtu ? plaintext_len % mtu : plaintext_len;
    size_t padded = transport_padded_len(last);
    return plaintext_len + (padded < mtu ? padded : mtu) - last;
}

/// Whole transport message length for a plaintext of plaintext_len bytes.
constexpr size_t transport_message_len(size_t plaintext_len) noexcept
{
    return wg_transport_header_len + transport_padded_len(plaintext_len) + wg_aead_tag_len;
}

/// Padded plaintext length carried by a transport message of msg_len bytes (classified ok).
/// Zero means a keepalive.
constexpr size_t transport_plaintext_len(size_t msg_len) noexcept
{
    return msg_len - wg_transport_min_len;
}

} // namespace edgerelay::wire
