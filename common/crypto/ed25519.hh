// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Ed25519 node keys and signatures (libsodium), for signed relay records in the DHT.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/crypto/secret.hh"

namespace edgerelay::crypto {

struct ed25519_keypair {
    secret<64> secret_key;             ///< libsodium's 64-byte form (seed || public key)
    std::array<uint8_t, 32> public_key{};
};

/// A fresh node key.
ed25519_keypair ed25519_generate() noexcept;

/// The keypair derived from a 32-byte seed (how node keys are stored on disk).
ed25519_keypair ed25519_from_seed(const uint8_t seed[32]) noexcept;

/// Detached 64-byte signature of msg.
std::array<uint8_t, 64> ed25519_sign(const ed25519_keypair& kp, std::span<const uint8_t> msg) noexcept;

/// True when sig is a valid signature of msg under pub.
[[nodiscard]] bool ed25519_verify(const uint8_t pub[32], std::span<const uint8_t> msg,
                                  const uint8_t sig[64]) noexcept;

} // namespace edgerelay::crypto
