// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The anti-replay window of a receiving keypair (RFC 6479 bitmap, as WireGuard's).
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

// Per-packet, so defined here to be inlined into the decrypt stage; reset() is in
// replay_window.cc. Layout (RFC 6479 section 3, as Linux's counter_validate): counter c
// lives at bit position c + 1, so _top is the position of the highest accepted counter
// and 0 means "nothing yet" without a separate flag. The 128 words form a ring; the
// window [_top - window_size, _top] spans exactly 128 distinct words, so the one word of
// slack is what keeps an advancing window from aliasing a still-valid counter.

inline bool replay_window::check(uint64_t counter) const noexcept
{
    // Bounds first: below the limit, counter + 1 + window_size cannot overflow.
    if (counter >= reject_after_messages) {
        return false;
    }
    uint64_t pos = counter + 1;
    if (pos + window_size < _top) {
        return false; // older than the window
    }
    if (pos > _top) {
        return true; // ahead of the window: its word may hold stale bits until update()
    }
    return (_bitmap[(pos >> 6) & (bits_total / 64 - 1)] & (uint64_t{1} << (pos & 63))) == 0;
}

inline bool replay_window::update(uint64_t counter) noexcept
{
    if (counter >= reject_after_messages) {
        return false;
    }
    uint64_t pos = counter + 1;
    // Re-checked: another packet of the same burst may have moved the window meanwhile.
    if (pos + window_size < _top) {
        return false;
    }
    constexpr uint64_t words = bits_total / 64;
    uint64_t word = pos >> 6;
    if (pos > _top) {
        // Clear the words the window slides over (all of them on a jump past the ring).
        uint64_t current = _top >> 6;
        uint64_t skipped = word - current;
        if (skipped > words) {
            skipped = words;
        }
        for (uint64_t i = 1; i <= skipped; ++i) {
            _bitmap[(current + i) & (words - 1)] = 0;
        }
        _top = pos;
    }
    uint64_t& slot = _bitmap[word & (words - 1)];
    uint64_t mask = uint64_t{1} << (pos & 63);
    bool fresh = (slot & mask) == 0;
    slot |= mask;
    return fresh;
}

} // namespace edgerelay::dp
