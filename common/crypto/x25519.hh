// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// X25519 Diffie-Hellman (RFC 7748) through libsodium, with WireGuard's key conventions.
#pragma once

#include "common/crypto/secret.hh"

namespace edgerelay::crypto {

/// A fresh clamped private key (as `wg genkey`).
secret32 x25519_generate() noexcept;

/// The public key of a private key (as `wg pubkey`).
key32 x25519_public(const secret32& priv) noexcept;

/// out = X25519(priv, pub). Returns false when the result is all zeros (a low-order
/// point), which the handshake must treat as failure.
[[nodiscard]] bool x25519(secret32& out, const secret32& priv, const key32& pub) noexcept;

} // namespace edgerelay::crypto
