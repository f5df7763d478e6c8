// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Ed25519 node keys and detached signatures through libsodium.
#include "common/crypto/ed25519.hh"

#include <sodium.h>

namespace edgerelay::crypto {

static_assert(crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SEEDBYTES == 32 && crypto_sign_BYTES == 64);

ed25519_keypair ed25519_generate() noexcept
{
    crypto_init();
    ed25519_keypair kp;
    crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
    return kp;
}

ed25519_keypair ed25519_from_seed(const uint8_t seed[32]) noexcept
{
    crypto_init();
    ed25519_keypair kp;
    crypto_sign_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed);
    return kp;
}

std::array<uint8_t, 64> ed25519_sign(const ed25519_keypair& kp,
                                     std::span<const uint8_t> msg) noexcept
{
    crypto_init();
    std::array<uint8_t, 64> sig{};
    crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), kp.secret_key.data());
    return sig;
}

bool ed25519_verify(const uint8_t pub[32], std::span<const uint8_t> msg,
                    const uint8_t sig[64]) noexcept
{
    crypto_init();
    return crypto_sign_verify_detached(sig, msg.data(), msg.size(), pub) == 0;
}

} // namespace edgerelay::crypto
