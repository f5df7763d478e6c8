// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Version and build facts printed by --version and exported in /metrics.
#pragma once

namespace edgerelay {

/// The project version, e.g. "0.1.0".
const char* version() noexcept;

} // namespace edgerelay
