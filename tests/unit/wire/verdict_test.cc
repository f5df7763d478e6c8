// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The verdict list: names are unique counter names and every entry has a text.
#include <cctype>
#include <cstring>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "common/wire/verdict.hh"

namespace edgerelay::wire {
namespace {

TEST(verdict, names_are_unique_counter_names)
{
    std::set<std::string> names;
    EXPECT_STREQ(verdict_name(verdict::ok), "ok");
    EXPECT_STREQ(verdict_name(verdict::udp6_zero_checksum), "udp6_zero_checksum");
    for (size_t i = 0; i < verdict_count; ++i) {
        auto v = static_cast<verdict>(i);
        std::string n = verdict_name(v);
        ASSERT_FALSE(n.empty());
        EXPECT_TRUE(names.insert(n).second) << n;
        for (char ch : n) {
            EXPECT_TRUE(std::islower(static_cast<unsigned char>(ch)) || ch == '_' ||
                        std::isdigit(static_cast<unsigned char>(ch)))
                << n;
        }
        EXPECT_GT(std::strlen(verdict_text(v)), 5u) << n;
        EXPECT_STRNE(verdict_text(v), "unknown verdict");
    }
    EXPECT_STREQ(verdict_name(verdict::count), "unknown");
    EXPECT_STREQ(verdict_text(static_cast<verdict>(250)), "unknown verdict");
    EXPECT_EQ(static_cast<int>(verdict::ok), 0);
}

} // namespace
} // namespace edgerelay::wire
