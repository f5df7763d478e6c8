// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-promcheck: validates a Prometheus text exposition from a file or stdin.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/promcheck/promcheck.hh"

namespace {

void usage()
{
    std::fputs("usage: edgerelay-promcheck [--allow-untyped] [FILE|-]\n"
               "Checks a Prometheus text exposition (format 0.0.4) strictly; prints\n"
               "'ok: N families, M samples' and exits 0, or the first error and exits 1.\n",
               stderr);
}

} // namespace

int main(int argc, char** argv)
{
    edgerelay::promcheck::options opt;
    const char* path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--allow-untyped") == 0) {
            opt.require_type = false;
        } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else if (!path && (argv[i][0] != '-' || std::strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            usage();
            return 2;
        }
    }
    FILE* in = stdin;
    if (path && std::strcmp(path, "-") != 0) {
        in = std::fopen(path, "rb");
        if (!in) {
            std::fprintf(stderr, "edgerelay-promcheck: %s: %s\n", path, std::strerror(errno));
            return 2;
        }
    }
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
        text.append(buf, n);
    }
    bool read_error = std::ferror(in) != 0;
    if (in != stdin) {
        std::fclose(in);
    }
    if (read_error) {
        std::fprintf(stderr, "edgerelay-promcheck: read error\n");
        return 2;
    }
    auto r = edgerelay::promcheck::check(text, opt);
    if (r.ok) {
        std::printf("%s\n", edgerelay::promcheck::describe(r).c_str());
        return 0;
    }
    std::fprintf(stderr, "error: %s\n", edgerelay::promcheck::describe(r).c_str());
    return 1;
}
