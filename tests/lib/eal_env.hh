// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// GoogleTest environment that starts DPDK's EAL once per test binary.
#pragma once

namespace edgerelay::test {

/// True once rte_eal_init() succeeded in this process. The environment is
/// registered by linking test_env_dep; tests that need DPDK memory assert this.
bool eal_ready() noexcept;

/// Skips rte_eal_cleanup() at the end of the binary. DPDK 22.11's memif server leaves its
/// listener's interrupt source registered after the device closes; cleanup unmaps the heap
/// under the interrupt thread, which then faults now and then. Tests that create a memif
/// server call this; the binary then ends with std::_Exit() once every test ran (its status is
/// the tests' result), because even the static destructors of a normal exit race that thread.
void eal_skip_cleanup() noexcept;

} // namespace edgerelay::test
