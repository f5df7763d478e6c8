// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// GoogleTest environment that starts DPDK's EAL once per test binary.
#pragma once

namespace edgerelay::test {

/// True once rte_eal_init() succeeded in this process. The environment is
/// registered by linking test_env_dep; tests that need DPDK memory assert this.
bool eal_ready() noexcept;

} // namespace edgerelay::test
