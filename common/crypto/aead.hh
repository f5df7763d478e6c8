// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Single-message AEADs for the slow path: ChaCha20-Poly1305 (handshake) and XChaCha20-Poly1305 (cookies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace edgerelay::crypto {

/// ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce (32 zero bits || counter LE64).
/// dst must hold src.size() + 16 bytes. Never fails.
void chacha20poly1305_seal(uint8_t* dst, std::span<const uint8_t> src, std::span<const uint8_t> aad,
                           uint64_t counter, const uint8_t key[32]) noexcept;

/// Opens src (ciphertext || 16-byte tag) into dst (src.size() - 16 bytes).
/// Returns false if src is shorter than the tag or the tag does not verify.
[[nodiscard]] bool chacha20poly1305_open(uint8_t* dst, std::span<const uint8_t> src,
                                         std::span<const uint8_t> aad, uint64_t counter,
                                         const uint8_t key[32]) noexcept;

/// ChaCha20-Poly1305 (RFC 8439) with an arbitrary 12-byte nonce, for protocols (and test
/// vectors) whose nonce is not WireGuard's. dst must hold src.size() + 16 bytes.
void chacha20poly1305_ietf_seal(uint8_t* dst, std::span<const uint8_t> src,
                                std::span<const uint8_t> aad, const uint8_t nonce[12],
                                const uint8_t key[32]) noexcept;

/// Opens src (ciphertext || tag) with a 12-byte nonce into dst (src.size() - 16 bytes).
/// Returns false on a short input or a bad tag.
[[nodiscard]] bool chacha20poly1305_ietf_open(uint8_t* dst, std::span<const uint8_t> src,
                                              std::span<const uint8_t> aad,
                                              const uint8_t nonce[12],
                                              const uint8_t key[32]) noexcept;

/// XChaCha20-Poly1305 with a 24-byte nonce (cookie replies). dst holds src.size() + 16.
void xchacha20poly1305_seal(uint8_t* dst, std::span<const uint8_t> src, std::span<const uint8_t> aad,
                            const uint8_t nonce[24], const uint8_t key[32]) noexcept;

/// Returns false on a short input or a bad tag.
[[nodiscard]] bool xchacha20poly1305_open(uint8_t* dst, std::span<const uint8_t> src,
                                          std::span<const uint8_t> aad, const uint8_t nonce[24],
                                          const uint8_t key[32]) noexcept;

} // namespace edgerelay::crypto
