// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow: a static-key WireGuard transport endpoint for integration tests (see --help).
#include <cstdio>

#include "tools/wgflow/options.hh"
#include "tools/wgflow/runner.hh"

int main(int argc, char** argv)
{
    using namespace edgerelay::tools::wgflow;
    try {
        auto o = parse_options(argc, argv);
        if (!o) {
            return 0;
        }
        return run(*o);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "wgflow: %s\nTry 'wgflow --help'.\n", e.text.c_str());
        return 2;
    }
}
