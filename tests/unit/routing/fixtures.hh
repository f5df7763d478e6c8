// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Small builders shared by the routing tests: a relay key from one byte, an IPv4 prefix.
#pragma once

#include <cstdint>

#include "common/config/config.hh"
#include "common/crypto/secret.hh"

namespace edgerelay::cp::routing::test {

/// A relay key whose 32 bytes are all `id`: distinct, ordered like `id`, readable in failures.
inline crypto::key32 key(uint8_t id)
{
    crypto::key32 k{};
    k.fill(id);
    return k;
}

/// a.b.0.0/len
inline config::prefix v4(uint8_t a, uint8_t b, uint8_t len)
{
    config::prefix p;
    p.family = 4;
    p.addr[0] = a;
    p.addr[1] = b;
    p.len = len;
    return p;
}

} // namespace edgerelay::cp::routing::test
