// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// X25519 key generation and Diffie-Hellman through libsodium.
#include "common/crypto/x25519.hh"

#include <sodium.h>

namespace edgerelay::crypto {

static_assert(crypto_scalarmult_BYTES == 32 && crypto_scalarmult_SCALARBYTES == 32);

secret32 x25519_generate() noexcept
{
    secret32 priv;
    random_bytes(priv.data(), priv.size());
    // RFC 7748 §5 clamping, stored clamped as `wg genkey` does so the key file is canonical.
    priv.bytes[0] &= 248;
    priv.bytes[31] &= 127;
    priv.bytes[31] |= 64;
    return priv;
}

key32 x25519_public(const secret32& priv) noexcept
{
    crypto_init();
    key32 pub{};
    // Fails only for a scalar that clamps to zero, which cannot happen after clamping; the
    // output is then all zeros, which peers reject as a low-order point.
    (void)crypto_scalarmult_base(pub.data(), priv.data());
    return pub;
}

bool x25519(secret32& out, const secret32& priv, const key32& pub) noexcept
{
    crypto_init();
    // libsodium returns -1 when the shared point is all zeros (low-order public key).
    if (crypto_scalarmult(out.data(), priv.data(), pub.data()) != 0) {
        wipe(out.data(), out.size());
        return false;
    }
    return true;
}

} // namespace edgerelay::crypto
