// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's modes: one poll() loop that sends on schedule and handles whatever arrives.
#pragma once

#include "tools/wgflow/options.hh"

namespace edgerelay::tools::wgflow {

/// Runs the mode o.what until it is done, --timeout passes, or SIGINT/SIGTERM; prints the JSON
/// summary on stdout. Returns the exit status documented in --help (0, 1 or 3).
int run(const options& o);

} // namespace edgerelay::tools::wgflow
