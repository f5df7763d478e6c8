// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The process's real clock and the random sources behind receiver indices and jitter.
#include "controlplane/peers/clock.hh"

#include <chrono>

#include "common/crypto/secret.hh"

namespace edgerelay::cp {

nanos real_clock::now() const noexcept
{
    return std::chrono::duration_cast<nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

nanos real_clock::wall() const noexcept
{
    return std::chrono::duration_cast<nanos>(std::chrono::system_clock::now().time_since_epoch());
}

uint32_t system_random::next_u32() noexcept
{
    uint32_t v = 0;
    crypto::random_bytes(&v, sizeof v);
    return v;
}

uint32_t seeded_random::next_u32() noexcept
{
    uint64_t z = (_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return uint32_t((z ^ (z >> 31)) >> 32);
}

} // namespace edgerelay::cp
