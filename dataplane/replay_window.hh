// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The anti-replay window of a receiving keypair (RFC 6479 bitmap, as WireGuard's).
// DECLARATION ONLY: implemented by the tables/replay work (see tests/unit/dataplane).
#pragma once

#include <cstdint>

#include "dataplane/limits.hh"

namespace edgerelay::dp {

/// RFC 6479 sliding window: 128 words of 64 bits, of which one word is kept as slack,
/// so 8128 counters below the highest one seen are still accepted once each.
/// Single writer: the worker that owns the keypair's flow.
class replay_window {
public:
    static constexpr uint32_t bits_total = 8192;
    static constexpr uint32_t window_size = bits_total - 64; ///< 8128

    /// True when counter may be fresh: below reject_after_messages, not older than the
    /// window, and not yet marked. Changes nothing (call before the AEAD tag is checked).
    bool check(uint64_t counter) const noexcept;

    /// Marks counter as received; call only after the tag verified. Returns false if it
    /// was already marked or has fallen out of the window meanwhile (then drop it).
    bool update(uint64_t counter) noexcept;

    /// Forgets everything (a new keypair starts at counter 0).
    void reset() noexcept;

private:
    uint64_t _top = 0; ///< highest counter accepted + 1 (0 = nothing yet)
    uint64_t _bitmap[bits_total / 64] = {};
};
static_assert(sizeof(replay_window) == 8 + 1024);

} // namespace edgerelay::dp
