// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Names and texts of the wire verdicts, generated from WIRE_VERDICTS.
#include "common/wire/verdict.hh"

#include <array>

namespace edgerelay::wire {
namespace {

// clang-format off
constexpr std::array<const char*, verdict_count> names = {
    "ok",
#define X(name, text) #name,
    WIRE_VERDICTS(X)
#undef X
};

constexpr std::array<const char*, verdict_count> texts = {
    "parsed",
#define X(name, text) text,
    WIRE_VERDICTS(X)
#undef X
};
// clang-format on

} // namespace

const char* verdict_name(verdict v) noexcept
{
    auto i = static_cast<size_t>(v);
    return i < verdict_count ? names[i] : "unknown";
}

const char* verdict_text(verdict v) noexcept
{
    auto i = static_cast<size_t>(v);
    return i < verdict_count ? texts[i] : "unknown verdict";
}

} // namespace edgerelay::wire
