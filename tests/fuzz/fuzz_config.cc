// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the YAML configuration parser and the wg-quick importer.
//
// Both promise to fail only with a located config_error: any other exception escapes to
// libFuzzer (std::terminate → abort) and is reported as a crash. What they accept must also hold
// to their contracts: to_yaml() of a parsed config parses back equal and is a fixed point, and
// import_wg_quick() produces YAML that parse() accepts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "common/config/config.hh"
#include "common/config/wg_quick.hh"

namespace {

using namespace edgerelay::config;

// Abort rather than return: libFuzzer reports an abort as a crash with the input saved.
void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_config: contract broken: %s\n", what);
        std::abort();
    }
}

// Every error must say where it comes from: the file name is the first thing in what().
void check_error(const config_error& e, const std::string& file)
{
    require(e.file() == file, "config_error names the file");
    require(std::string(e.what()).rfind(file + ":", 0) == 0, "what() starts with the file");
    require(e.line() >= 0 && e.column() >= 0, "line and column are not negative");
}

// Structurally valid UTF-8 (lead and continuation bytes; overlong forms are not checked).
bool utf8(const std::string& s)
{
    size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<uint8_t>(s[i]);
        size_t n = 4; // continuation bytes that follow; 4 = not a lead byte
        if (b < 0x80) {
            n = 0;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3;
        }
        if (n == 4 || s.size() - i <= n) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += n + 1;
    }
    return true;
}

void round_trip(const config& c)
{
    std::string text = to_yaml(c);
    try {
        config again = parse(text, "again.yaml");
        require(again == c, "parse(to_yaml(c)) == c");
        require(to_yaml(again) == text, "to_yaml is a fixed point");
    } catch (const config_error& e) {
        std::fprintf(stderr, "fuzz_config: to_yaml output refused: %s\n--- yaml ---\n%s\n",
                     e.what(), text.c_str());
        std::abort();
    }
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);

    // The round trip is only asked of UTF-8 text: parse() accepts some invalid bytes that
    // to_yaml() writes back as U+FFFD (tests/fuzz/regressions/config_devargs_invalid_utf8.yaml,
    // reported to common/config's owner). Drop the condition once that is decided and fixed.
    const bool check_round_trip = utf8(text);
    try {
        config c = parse(text, "fuzz.yaml");
        if (check_round_trip) {
            round_trip(c);
        }
    } catch (const config_error& e) {
        check_error(e, "fuzz.yaml");
    }

    std::string yaml;
    try {
        std::optional<edgerelay::crypto::secret32> key;
        yaml = import_wg_quick(text, "wg0.conf", key);
    } catch (const config_error& e) {
        check_error(e, "wg0.conf");
        return 0;
    }
    try {
        config c = parse(yaml, "imported.yaml");
        if (check_round_trip) {
            round_trip(c);
        }
    } catch (const config_error& e) {
        std::fprintf(stderr, "fuzz_config: imported YAML refused: %s\n--- yaml ---\n%s\n", e.what(),
                     yaml.c_str());
        std::abort();
    }
    return 0;
}
