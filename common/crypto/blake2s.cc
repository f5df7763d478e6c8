// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// BLAKE2s, keyed BLAKE2s, HMAC-BLAKE2s and WireGuard's KDF through OpenSSL 3 (slow path).
#include "common/crypto/blake2s.hh"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace edgerelay::crypto {
namespace {

// OpenSSL fails here only on allocation failure or a broken provider, which leaves the
// handshake unable to run at all: abort with a location, as other impossible states do.
[[noreturn, gnu::cold, gnu::noinline]] void fail(const char* what, int line) noexcept
{
    std::fprintf(stderr, "edgerelay: %s:%d: OpenSSL %s failed\n", __FILE__, line, what);
    std::abort();
}

#define CHECK_OSSL(expr)                                                                   \
    do {                                                                                   \
        if (!(expr)) {                                                                     \
            fail(#expr, __LINE__);                                                         \
        }                                                                                  \
    } while (0)

// Fetching walks the provider store under a lock: do it once per process.
const EVP_MD* md_blake2s() noexcept
{
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
    CHECK_OSSL(md != nullptr);
    return md;
}

EVP_MAC* mac_blake2s() noexcept
{
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "BLAKE2SMAC", nullptr);
    CHECK_OSSL(mac != nullptr);
    return mac;
}

EVP_MAC* mac_hmac() noexcept
{
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    CHECK_OSSL(mac != nullptr);
    return mac;
}

// OpenSSL treats a null key as "keep the previous key", which a fresh context lacks: an
// empty key is passed as a valid pointer of length 0.
const uint8_t* key_ptr(bytes_view key) noexcept
{
    static const uint8_t empty = 0;
    return key.data() != nullptr ? key.data() : &empty;
}

// One MAC computation; out_len must equal the MAC's configured output size.
void mac_once(EVP_MAC* mac, const OSSL_PARAM* params, uint8_t* out, size_t out_len, bytes_view key,
              bytes_view input) noexcept
{
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    CHECK_OSSL(ctx != nullptr);
    CHECK_OSSL(EVP_MAC_init(ctx, key_ptr(key), key.size(), params) == 1);
    CHECK_OSSL(EVP_MAC_update(ctx, input.data(), input.size()) == 1);
    size_t written = 0;
    CHECK_OSSL(EVP_MAC_final(ctx, out, &written, out_len) == 1);
    CHECK_OSSL(written == out_len);
    // Frees (and cleanses) the keyed state.
    EVP_MAC_CTX_free(ctx);
}

void hmac_into(uint8_t out[32], bytes_view key, bytes_view input) noexcept
{
    char digest[] = "BLAKE2S-256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    mac_once(mac_hmac(), params, out, 32, key, input);
}

} // namespace

key32 blake2s(std::initializer_list<bytes_view> parts) noexcept
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    CHECK_OSSL(ctx != nullptr);
    CHECK_OSSL(EVP_DigestInit_ex2(ctx, md_blake2s(), nullptr) == 1);
    for (const auto& part : parts) {
        CHECK_OSSL(EVP_DigestUpdate(ctx, part.data(), part.size()) == 1);
    }
    key32 out{};
    unsigned int len = 0;
    CHECK_OSSL(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1);
    CHECK_OSSL(len == out.size());
    EVP_MD_CTX_free(ctx);
    return out;
}

void blake2s_keyed(uint8_t* out, size_t out_len, bytes_view key, bytes_view input) noexcept
{
    CHECK_OSSL(out_len >= 1 && out_len <= 32 && key.size() >= 1 && key.size() <= 32);
    size_t size = out_len;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
        OSSL_PARAM_construct_end(),
    };
    mac_once(mac_blake2s(), params, out, out_len, key, input);
}

void blake2s_mac16(uint8_t out[16], bytes_view key, bytes_view input) noexcept
{
    blake2s_keyed(out, 16, key, input);
}

key32 hmac_blake2s(bytes_view key, bytes_view input) noexcept
{
    key32 out{};
    hmac_into(out.data(), key, input);
    return out;
}

void kdf(secret32* t1, secret32* t2, secret32* t3, bytes_view key, bytes_view input) noexcept
{
    if (t1 == nullptr) {
        return;
    }
    secret<32> t0;
    hmac_into(t0.data(), key, input);

    const uint8_t one = 0x1;
    hmac_into(t1->data(), bytes_view(t0.data(), 32), bytes_view(&one, 1));
    if (t2 == nullptr) {
        return;
    }
    // buf = t(i-1) || i, a secret while it is on the stack.
    secret<33> buf;
    std::memcpy(buf.data(), t1->data(), 32);
    buf.bytes[32] = 0x2;
    hmac_into(t2->data(), bytes_view(t0.data(), 32), bytes_view(buf.data(), 33));
    if (t3 == nullptr) {
        return;
    }
    std::memcpy(buf.data(), t2->data(), 32);
    buf.bytes[32] = 0x3;
    hmac_into(t3->data(), bytes_view(t0.data(), 32), bytes_view(buf.data(), 33));
}

} // namespace edgerelay::crypto
