// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libsodium initialisation, wiping, constant-time comparison and the CSPRNG.
#include "common/crypto/secret.hh"

#include <cstdio>
#include <cstdlib>

#include <sodium.h>

namespace edgerelay::crypto {

void crypto_init() noexcept
{
    // A function-local static makes the first call thread-safe; sodium_init() itself is too,
    // but this keeps later calls to one load and one branch.
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        std::fprintf(stderr, "edgerelay: %s:%d: sodium_init() failed\n", __FILE__, __LINE__);
        std::abort();
    }
}

void wipe(void* p, size_t n) noexcept
{
    sodium_memzero(p, n);
}

bool equal_ct(const void* a, const void* b, size_t n) noexcept
{
    return sodium_memcmp(a, b, n) == 0;
}

void random_bytes(void* p, size_t n) noexcept
{
    if (n == 0) {
        return;  // p may be null then, which randombytes_buf does not allow
    }
    crypto_init();
    randombytes_buf(p, n);
}

} // namespace edgerelay::crypto
