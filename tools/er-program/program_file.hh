// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// er-program's line format: one statement per line, each compiled into segment commands.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/abi/records.hh"

namespace edgerelay::tools::program {

/// One command and the line it came from. The command is complete except for seq and crc:
/// the caller numbers it, then seals it.
struct compiled {
    unsigned line = 0;
    std::string text; ///< the source line, for error messages
    abi::command cmd;
};

/// A line that does not parse.
struct parse_error {
    unsigned line = 0;
    std::string text;
    std::string message;
};

/// Compiles one line (without its newline) into zero or more commands appended to out.
/// Blank lines and '#' comments give none; `peer ... endpoint ...` gives two.
/// @return an empty string on success, else what is wrong with the line.
std::string compile_line(std::string_view line, std::vector<abi::command>& out);

/// Compiles a whole file. Every line is tried, so all errors are reported at once.
/// @return the commands in file order; errors is filled with every bad line.
std::vector<compiled> compile_program(std::string_view text, std::vector<parse_error>& errors);

/// "10.1.0.0/24" or "fd00::/64"; host bits must be clear (the dataplane refuses them anyway,
/// but here the message can name the line).
std::optional<abi::prefix> parse_prefix(std::string_view text);
/// "10.0.0.2:51820" or "[fd00::2]:51820".
std::optional<wire::endpoint> parse_endpoint(std::string_view text);

std::string format_prefix(const abi::prefix& p);
std::string format_endpoint(const wire::endpoint& e); ///< "-" when empty
std::string format_mac(const uint8_t mac[6]);

/// The statement reference printed by er-program --help.
extern const char* const syntax_help;

} // namespace edgerelay::tools::program
