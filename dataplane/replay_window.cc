// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The anti-replay window's cold part: check() and update() are inline in the header.
#include "dataplane/replay_window.hh"

#include <cstring>

namespace edgerelay::dp {

void replay_window::reset() noexcept
{
    _top = 0;
    std::memset(_bitmap, 0, sizeof(_bitmap));
}

} // namespace edgerelay::dp
