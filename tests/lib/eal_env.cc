// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// GoogleTest environment that starts DPDK's EAL once per test binary.
//
// Unit tests run without root and without hugepages: EAL gets anonymous memory
// (--no-huge) and keeps no files (--in-memory), so many test binaries can run
// in parallel. EDGERELAY_TEST_EAL_ARGS replaces the defaults (e.g. to test on
// hugepages: "--in-memory -m 512").
#include "tests/lib/eal_env.hh"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>

namespace edgerelay::test {
namespace {

bool g_ready = false;
bool g_skip_cleanup = false;

class eal_environment : public ::testing::Environment {
public:
    void SetUp() override
    {
        // --in-memory is refused together with --no-huge (it implies legacy memory); --no-shconf
        // keeps parallel test binaries from sharing runtime files instead.
        std::string extra = "--no-huge -m 1024 --no-shconf --no-pci --log-level=*:warning";
        if (const char* env = std::getenv("EDGERELAY_TEST_EAL_ARGS")) {
            extra = env;
        }
        std::vector<std::string> args{"edgerelay-test", "-l", "0"};
        std::istringstream words(extra);
        for (std::string w; words >> w;) {
            args.push_back(w);
        }
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        int rc = rte_eal_init(static_cast<int>(argv.size()), argv.data());
        ASSERT_GE(rc, 0) << "rte_eal_init failed: " << rte_strerror(rte_errno);
        g_ready = true;
    }

    void TearDown() override
    {
        if (g_ready && !g_skip_cleanup) {
            rte_eal_cleanup();
        }
    }
};

// With cleanup skipped, DPDK's interrupt thread is still running when the binary exits, and the
// static destructors and heap frees of a normal exit happen under it (a SIGSEGV after
// "[  PASSED  ]" was seen in CI, with MALLOC_PERTURB_). The binary's last event comes after
// every result and the summary are printed: leave there, with the tests' status.
class quick_exit_listener : public ::testing::EmptyTestEventListener {
public:
    void OnTestProgramEnd(const ::testing::UnitTest& unit) override
    {
        if (g_ready && g_skip_cleanup) {
            std::fflush(nullptr);
            std::_Exit(unit.Passed() ? EXIT_SUCCESS : EXIT_FAILURE);
        }
    }
};

// Registered at static-initialisation time so that every test binary linking
// test_env_dep gets EAL without writing a main().
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new eal_environment);
const bool g_listener = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new quick_exit_listener);
    return true;
}();

} // namespace

void eal_skip_cleanup() noexcept
{
    g_skip_cleanup = true;
}

bool eal_ready() noexcept
{
    return g_ready;
}

} // namespace edgerelay::test
