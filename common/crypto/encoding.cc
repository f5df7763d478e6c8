// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Base64 encoding of 32-byte keys (WireGuard's text form) through libsodium.
#include "common/crypto/encoding.hh"

#include <sodium.h>

namespace edgerelay::crypto {
namespace {

constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
constexpr size_t encoded_len = 44; // 4 * ceil(32 / 3), with one '=' of padding

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

} // namespace

std::string key_to_base64(const uint8_t key[32])
{
    crypto_init();
    char buf[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    static_assert(sizeof(buf) == encoded_len + 1);
    sodium_bin2base64(buf, sizeof(buf), key, 32, variant);
    return std::string(buf, encoded_len);
}

std::optional<key32> key_from_base64(std::string_view text)
{
    crypto_init();
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    if (text.size() != encoded_len) {
        return std::nullopt;
    }
    key32 key{};
    size_t bin_len = 0;
    const char* end = nullptr;
    // libsodium rejects bad characters, bad padding and non-zero trailing bits; the end
    // pointer check refuses anything it stopped early on.
    int rc = sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr,
                               &bin_len, &end, variant);
    if (rc != 0 || bin_len != key.size() || end != text.data() + text.size()) {
        wipe(key.data(), key.size());
        return std::nullopt;
    }
    return key;
}

} // namespace edgerelay::crypto
