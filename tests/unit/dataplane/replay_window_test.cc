// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Anti-replay window: WireGuard's counter self-test sequence, RFC 6479 edges, and a
// randomized differential test against a std::set model.
#include "dataplane/replay_window.hh"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace edgerelay::dp {
namespace {

constexpr uint64_t w = replay_window::window_size;
constexpr uint64_t lim = w + 1; // T_LIM of the WireGuard self-test
constexpr uint64_t rej = reject_after_messages;

// The window is 1 KiB: keep it off the stack of deep gtest frames.
struct fixture {
    std::unique_ptr<replay_window> win = std::make_unique<replay_window>();

    // WireGuard's counter_validate() is check + update in one step; check() must agree
    // with update()'s verdict and must not change state.
    bool validate(uint64_t c)
    {
        bool checked = win->check(c);
        EXPECT_EQ(checked, win->check(c)) << "check() changed state for " << c;
        bool updated = win->update(c);
        EXPECT_EQ(checked, updated) << "check/update disagree for " << c;
        return updated;
    }
};

struct vector_case {
    uint64_t counter;
    bool expected;
};

// The sequence of drivers/net/wireguard/selftest/counter.c (cases 1..34), same order.
const std::vector<vector_case> wireguard_sequence = {
    {0, true}, {1, true}, {1, false}, {9, true}, {8, true}, {7, true}, {7, false},
    {lim, true}, {lim - 1, true}, {lim - 1, false}, {lim - 2, true}, {2, true}, {2, false},
    {lim + 16, true}, {3, false}, {lim + 16, false}, {lim * 4, true},
    {lim * 4 - (lim - 1), true}, {10, false}, {lim * 4 - lim, false},
    {lim * 4 - (lim + 1), false}, {lim * 4 - (lim - 2), true}, {lim * 4 + 1 - lim, false},
    {0, false}, {rej, false}, {rej - 1, true}, {rej, false}, {rej - 1, false},
    {rej - 2, true}, {rej + 1, false}, {rej + 2, false}, {rej - 2, false}, {rej - 3, true},
    {0, false},
};

TEST(replay_window, wireguard_selftest_sequence)
{
    fixture f;
    f.win->reset();
    for (size_t i = 0; i < wireguard_sequence.size(); ++i) {
        EXPECT_EQ(f.validate(wireguard_sequence[i].counter), wireguard_sequence[i].expected)
            << "case " << (i + 1) << " counter " << wireguard_sequence[i].counter;
    }
}

TEST(replay_window, wireguard_selftest_bulk)
{
    fixture f;
    // Bulk 1: 1..W in order, then 0 is exactly at the window's edge.
    f.win->reset();
    for (uint64_t i = 1; i <= w; ++i) {
        ASSERT_TRUE(f.validate(i)) << i;
    }
    EXPECT_TRUE(f.validate(0));
    EXPECT_FALSE(f.validate(0));

    // Bulk 2: 2..W+1, then 1 (edge) and 0 (one past the edge).
    f.win->reset();
    for (uint64_t i = 2; i <= w + 1; ++i) {
        ASSERT_TRUE(f.validate(i)) << i;
    }
    EXPECT_TRUE(f.validate(1));
    EXPECT_FALSE(f.validate(0));

    // Bulk 3: W..0 descending, all inside the window.
    f.win->reset();
    for (uint64_t i = w + 1; i-- > 0;) {
        ASSERT_TRUE(f.validate(i)) << i;
    }

    // Bulk 4: W+1..1 descending, then 0 is too old.
    f.win->reset();
    for (uint64_t i = w + 2; i-- > 1;) {
        ASSERT_TRUE(f.validate(i)) << i;
    }
    EXPECT_FALSE(f.validate(0));

    // Bulk 5: W..1 descending, then W+1 moves the window so 0 is never tried.
    f.win->reset();
    for (uint64_t i = w + 1; i-- > 1;) {
        ASSERT_TRUE(f.validate(i)) << i;
    }
    EXPECT_TRUE(f.validate(w + 1));
    EXPECT_FALSE(f.validate(0));

    // Bulk 6: W..1 descending, 0 while still inside, then W+1.
    f.win->reset();
    for (uint64_t i = w + 1; i-- > 1;) {
        ASSERT_TRUE(f.validate(i)) << i;
    }
    EXPECT_TRUE(f.validate(0));
    EXPECT_TRUE(f.validate(w + 1));
}

TEST(replay_window, rfc6479_edges)
{
    fixture f;
    f.win->reset();
    EXPECT_TRUE(f.validate(0));
    for (uint64_t i = 1; i < 1000; ++i) {
        ASSERT_TRUE(f.validate(i)) << "in order " << i;
    }
    // Reordered within the window: a gap filled later, once.
    EXPECT_TRUE(f.validate(1100));
    EXPECT_TRUE(f.validate(1050));
    EXPECT_FALSE(f.validate(1050));
    EXPECT_TRUE(f.validate(1000));

    // Exactly at the edge: highest - 8128 accepted, highest - 8129 refused.
    f.win->reset();
    EXPECT_TRUE(f.validate(20000));
    EXPECT_TRUE(f.win->check(20000 - 8128));
    EXPECT_FALSE(f.win->check(20000 - 8129));
    EXPECT_TRUE(f.validate(20000 - 8128));
    EXPECT_FALSE(f.validate(20000 - 8128));
    EXPECT_FALSE(f.validate(20000 - 8129));

    // A counter checked fresh that fell out of the window before update() is refused.
    f.win->reset();
    EXPECT_TRUE(f.validate(100));
    EXPECT_TRUE(f.win->check(50));
    EXPECT_TRUE(f.win->update(50 + 8129 + 1)); // another packet of the burst, far ahead
    EXPECT_FALSE(f.win->update(50));
    // And a duplicate inside one burst: both check fresh, only the first update wins.
    EXPECT_TRUE(f.win->check(9000));
    EXPECT_TRUE(f.win->check(9000));
    EXPECT_TRUE(f.win->update(9000));
    EXPECT_FALSE(f.win->update(9000));

    // Big jumps clear the whole bitmap: old bits must not alias new counters.
    f.win->reset();
    for (uint64_t i = 0; i < 8192; ++i) {
        ASSERT_TRUE(f.validate(i));
    }
    for (uint64_t jump : {8192ull * 3, 8192ull * 5 + 64, 8192ull * 1000 + 7}) {
        EXPECT_TRUE(f.validate(jump)) << jump;
        for (uint64_t back = 1; back <= w; back += 61) {
            EXPECT_TRUE(f.win->check(jump - back)) << jump << " - " << back;
        }
        EXPECT_FALSE(f.win->check(jump - w - 1));
    }
    // A jump of exactly one ring (128 words) and of 127 words.
    f.win->reset();
    EXPECT_TRUE(f.validate(63));
    EXPECT_TRUE(f.validate(63 + 64 * 127));
    EXPECT_FALSE(f.validate(63));
    EXPECT_TRUE(f.validate(63 + 64 * 255));
    EXPECT_FALSE(f.validate(63 + 64 * 127));
    EXPECT_TRUE(f.validate(63 + 64 * 255 - 1));

    // The limit: the last counter below reject_after_messages is the last one accepted.
    f.win->reset();
    EXPECT_FALSE(f.validate(rej));
    EXPECT_FALSE(f.validate(UINT64_MAX));
    EXPECT_TRUE(f.validate(rej - 1));
    EXPECT_FALSE(f.validate(rej - 1));
    EXPECT_TRUE(f.validate(rej - 1 - w));
    EXPECT_FALSE(f.validate(rej - 2 - w));
}

// The model: the set of counters accepted so far and the highest of them. A counter is
// fresh iff it is below the limit, not older than highest - window_size, and not yet
// accepted. Counters older than the window can never be accepted again, so they are
// pruned to keep the set bounded (at most window_size + 1 entries).
class model {
public:
    bool check(uint64_t c) const
    {
        if (c >= rej) {
            return false;
        }
        if (_highest && c + w < *_highest) {
            return false;
        }
        return _seen.count(c) == 0;
    }

    bool update(uint64_t c)
    {
        if (!check(c)) {
            return false;
        }
        _seen.insert(c);
        if (!_highest || c > *_highest) {
            _highest = c;
            while (!_seen.empty() && *_seen.begin() + w < c) {
                _seen.erase(_seen.begin());
            }
        }
        return true;
    }

    void reset()
    {
        _seen.clear();
        _highest.reset();
    }

    uint64_t highest() const { return _highest.value_or(0); }
    size_t size() const { return _seen.size(); }

private:
    std::set<uint64_t> _seen;
    std::optional<uint64_t> _highest;
};

TEST(replay_window, differential_against_set_model)
{
    uint64_t ops = 10'000'000;
    if (const char* env = std::getenv("EDGERELAY_LONG_TESTS"); env && std::strcmp(env, "1") == 0) {
        ops = 1'000'000'000;
    }
    uint64_t seed = std::random_device{}();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);

    auto win = std::make_unique<replay_window>();
    win->reset();
    model m;
    uint64_t accepted = 0;
    std::vector<uint64_t> pending; // checked, not yet updated (a burst in flight)

    for (uint64_t op = 0; op < ops; ++op) {
        uint64_t r = rng();
        uint64_t hi = m.highest();
        uint64_t c;
        switch (r % 100) {
        case 0:
            // Rare: a big jump, up to near the reject limit.
            if ((r >> 8) % 16 == 0) {
                c = rej - 1 - (r >> 32) % (3 * w);
            } else {
                c = hi + w + (r >> 16) % (64 * w);
            }
            break;
        case 1:
            c = hi > w ? hi - w : 0; // exactly the edge
            break;
        case 2:
            c = hi > w + 1 ? hi - w - 1 : hi; // one past the edge
            break;
        case 3:
            c = (r >> 8) % 2 == 0 ? rej + (r >> 16) % 4 : UINT64_MAX - (r >> 16) % 4;
            break;
        case 4:
            if ((r >> 8) % 64 == 0) { // reset both: a new keypair
                win->reset();
                m.reset();
                pending.clear();
                continue;
            }
            c = hi; // duplicate of the highest
            break;
        default:
            if (r % 100 < 50) {
                c = hi + 1 + (r >> 8) % 3; // small forward steps
            } else {
                // Reorder within +-2 windows of the highest.
                int64_t d = static_cast<int64_t>((r >> 8) % (4 * w + 1)) - static_cast<int64_t>(2 * w);
                c = d < 0 && static_cast<uint64_t>(-d) > hi ? 0 : hi + d;
            }
            break;
        }
        if (c >= rej - 8 && c < rej && (r >> 40) % 2 == 0) {
            c = rej - 1 - (r >> 41) % 8;
        }

        // Most packets go check -> update at once; some wait in a "burst" so that other
        // updates move the window between their check and their update.
        bool checked = win->check(c);
        ASSERT_EQ(checked, m.check(c)) << "check op " << op << " counter " << c << " highest " << hi;
        if (!checked) {
            continue;
        }
        if ((r >> 60) == 0 && pending.size() < 32) {
            pending.push_back(c);
            continue;
        }
        bool updated = win->update(c);
        ASSERT_EQ(updated, m.update(c)) << "update op " << op << " counter " << c;
        accepted += updated;
        if ((r >> 56) % 8 == 0 && !pending.empty()) {
            for (uint64_t p : pending) {
                bool u = win->update(p);
                ASSERT_EQ(u, m.update(p)) << "pending update op " << op << " counter " << p;
                accepted += u;
            }
            pending.clear();
        }
        ASSERT_LE(m.size(), w + 1);
    }
    EXPECT_GT(accepted, ops / 4); // the mix must exercise the accept path
}

} // namespace
} // namespace edgerelay::dp
