// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Single-message ChaCha20-Poly1305 and XChaCha20-Poly1305 through libsodium (slow path).
#include "common/crypto/aead.hh"

#include <sodium.h>

#include "common/crypto/secret.hh"

namespace edgerelay::crypto {
namespace {

constexpr size_t tag_len = 16;
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == tag_len);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == tag_len);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);

// WireGuard's nonce: 32 zero bits, then the counter as a little-endian 64-bit integer.
void wg_nonce(uint8_t nonce[12], uint64_t counter) noexcept
{
    for (int i = 0; i < 4; ++i) {
        nonce[i] = 0;
    }
    for (int i = 0; i < 8; ++i) {
        nonce[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
    }
}

} // namespace

void chacha20poly1305_ietf_seal(uint8_t* dst, std::span<const uint8_t> src,
                                std::span<const uint8_t> aad, const uint8_t nonce[12],
                                const uint8_t key[32]) noexcept
{
    crypto_init();
    crypto_aead_chacha20poly1305_ietf_encrypt(dst, nullptr, src.data(), src.size(), aad.data(),
                                              aad.size(), nullptr, nonce, key);
}

bool chacha20poly1305_ietf_open(uint8_t* dst, std::span<const uint8_t> src,
                                std::span<const uint8_t> aad, const uint8_t nonce[12],
                                const uint8_t key[32]) noexcept
{
    if (src.size() < tag_len) {
        return false;
    }
    crypto_init();
    return crypto_aead_chacha20poly1305_ietf_decrypt(dst, nullptr, nullptr, src.data(), src.size(),
                                                     aad.data(), aad.size(), nonce, key) == 0;
}

void chacha20poly1305_seal(uint8_t* dst, std::span<const uint8_t> src, std::span<const uint8_t> aad,
                           uint64_t counter, const uint8_t key[32]) noexcept
{
    uint8_t nonce[12];
    wg_nonce(nonce, counter);
    chacha20poly1305_ietf_seal(dst, src, aad, nonce, key);
}

bool chacha20poly1305_open(uint8_t* dst, std::span<const uint8_t> src,
                           std::span<const uint8_t> aad, uint64_t counter,
                           const uint8_t key[32]) noexcept
{
    uint8_t nonce[12];
    wg_nonce(nonce, counter);
    return chacha20poly1305_ietf_open(dst, src, aad, nonce, key);
}

void xchacha20poly1305_seal(uint8_t* dst, std::span<const uint8_t> src, std::span<const uint8_t> aad,
                            const uint8_t nonce[24], const uint8_t key[32]) noexcept
{
    crypto_init();
    crypto_aead_xchacha20poly1305_ietf_encrypt(dst, nullptr, src.data(), src.size(), aad.data(),
                                               aad.size(), nullptr, nonce, key);
}

bool xchacha20poly1305_open(uint8_t* dst, std::span<const uint8_t> src,
                            std::span<const uint8_t> aad, const uint8_t nonce[24],
                            const uint8_t key[32]) noexcept
{
    if (src.size() < tag_len) {
        return false;
    }
    crypto_init();
    return crypto_aead_xchacha20poly1305_ietf_decrypt(dst, nullptr, nullptr, src.data(),
                                                      src.size(), aad.data(), aad.size(), nonce,
                                                      key) == 0;
}

} // namespace edgerelay::crypto
