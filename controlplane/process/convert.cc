// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Conversions between the configuration's prefixes and the segment's.
#include "controlplane/process/convert.hh"

#include <cstring>

namespace edgerelay::cp::process {

abi::prefix to_abi(const config::prefix& p) noexcept
{
    config::prefix m = config::masked(p);
    abi::prefix out{};
    out.family = m.family;
    out.length = m.len;
    std::memcpy(out.addr, m.addr, sizeof out.addr);
    return out;
}

config::prefix to_config(const abi::prefix& p) noexcept
{
    config::prefix out;
    out.family = p.family;
    out.len = p.length;
    std::memcpy(out.addr, p.addr, sizeof out.addr);
    return out;
}

std::string format_prefix(const abi::prefix& p)
{
    return config::format_prefix(to_config(p));
}

bool same_prefix(const abi::prefix& a, const abi::prefix& b) noexcept
{
    return a.family == b.family && a.length == b.length &&
           std::memcmp(a.addr, b.addr, sizeof a.addr) == 0;
}

bool prefix_less(const abi::prefix& a, const abi::prefix& b) noexcept
{
    if (a.family != b.family) {
        return a.family < b.family;
    }
    if (int c = std::memcmp(a.addr, b.addr, sizeof a.addr); c != 0) {
        return c < 0;
    }
    return a.length < b.length;
}

} // namespace edgerelay::cp::process
