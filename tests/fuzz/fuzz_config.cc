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
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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
// import_wg_quick() parses its own output and names that text "<file> (imported)".
void check_error(const config_error& e, const std::string& file, bool imported = false)
{
    bool named = (e.file() == file || (imported && e.file() == file + " (imported)")) &&
                 std::string(e.what()).rfind(e.file() + ":", 0) == 0;
    if (!named) {
        std::fprintf(stderr, "fuzz_config: error from %s names \"%s\": %s\n", file.c_str(),
                     e.file().c_str(), e.what());
    }
    require(named, "config_error names the file and what() starts with it");
    require(e.line() >= 0 && e.column() >= 0, "line and column are not negative");
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
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    // yaml-cpp 0.7 loops forever, allocating, in LoadAll on some inputs (tests/fuzz/regressions/
    // config_loadall_comma_hang.yaml). With libFuzzer's default -timeout of 1200 s a short smoke
    // run would then hang for 20 minutes; 25 s reports it as a timeout instead. Flags are parsed
    // after this hook, so a -timeout given on the command line still wins.
    static std::vector<char*> args;
    args.assign(*argv, *argv + *argc);
    bool has_timeout = false;
    for (char* a : args) {
        has_timeout = has_timeout || std::strncmp(a, "-timeout=", 9) == 0;
    }
    if (!has_timeout) {
        static char timeout[] = "-timeout=25";
        args.push_back(timeout);
        args.push_back(nullptr); // argv stays null-terminated
        *argc = static_cast<int>(args.size() - 1);
        *argv = args.data();
    }
    return 0;
}

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);

    try {
        round_trip(parse(text, "fuzz.yaml"));
    } catch (const config_error& e) {
        check_error(e, "fuzz.yaml");
    }

    std::string yaml;
    try {
        std::optional<edgerelay::crypto::secret32> key;
        yaml = import_wg_quick(text, "wg0.conf", key);
    } catch (const config_error& e) {
        check_error(e, "wg0.conf", true);
        return 0;
    }
    try {
        round_trip(parse(yaml, "imported.yaml"));
    } catch (const config_error& e) {
        std::fprintf(stderr, "fuzz_config: imported YAML refused: %s\n--- yaml ---\n%s\n", e.what(),
                     yaml.c_str());
        std::abort();
    }
    return 0;
}
