// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Names and explanations of the fast path's drop reasons.
#include "dataplane/drop_reason.hh"

#include <iterator>

namespace edgerelay::dp {
namespace {

constexpr const char* names[] = {
#define X(name, text) #name,
    RELAY_DROP_REASONS(X)
#undef X
};
constexpr const char* texts[] = {
#define X(name, text) text,
    RELAY_DROP_REASONS(X)
#undef X
};
static_assert(std::size(names) == drop_reason_count);

} // namespace

const char* drop_reason_name(drop_reason r) noexcept
{
    auto i = static_cast<size_t>(r);
    return i < drop_reason_count ? names[i] : "unknown";
}

const char* drop_reason_text(drop_reason r) noexcept
{
    auto i = static_cast<size_t>(r);
    return i < drop_reason_count ? texts[i] : "unknown drop reason";
}

} // namespace edgerelay::dp
