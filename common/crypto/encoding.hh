// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Keys as text: WireGuard's base64 (44 characters with padding, as `wg genkey` prints).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/secret.hh"

namespace edgerelay::crypto {

/// Standard base64 with padding of a 32-byte key.
std::string key_to_base64(const uint8_t key[32]);

/// Parses a 44-character base64 key (surrounding whitespace ignored);
/// nullopt if it is not exactly 32 bytes of valid base64.
std::optional<key32> key_from_base64(std::string_view text);

} // namespace edgerelay::crypto
