// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Version and build facts printed by --version and exported in /metrics.
#include "common/build_info.hh"

namespace edgerelay {

const char* version() noexcept
{
    return EDGERELAY_VERSION;
}

} // namespace edgerelay
