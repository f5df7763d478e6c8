// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's command line: what one test endpoint is told to do, parsed from argv.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/secret.hh"

namespace edgerelay::tools::wgflow {

enum class mode : uint8_t { none, send, recv, echo, tun, replay };

/// A UDP address as the socket calls want it.
struct sock_addr {
    sockaddr_storage ss{};
    socklen_t len = 0;

    int family() const noexcept { return ss.ss_family; }
};

/// Parses "1.2.3.4:51820" or "[fd00::1]:51820". Returns nullopt on anything else.
std::optional<sock_addr> parse_sock_addr(std::string_view text);

/// Formats a sock_addr back to the same notation.
std::string format_sock_addr(const sock_addr& a);

/// An inner IPv4 or IPv6 address; IPv4 in bytes[0..3].
struct inner_addr {
    uint8_t family = 0; ///< 0 when not given
    uint8_t bytes[16] = {};
};

/// Parses a bare IPv4 or IPv6 address.
std::optional<inner_addr> parse_inner_addr(std::string_view text);

struct options {
    mode what = mode::none;
    sock_addr listen;
    std::optional<sock_addr> relay;
    crypto::key32 send_key{};
    crypto::key32 recv_key{};
    bool have_send_key = false;
    bool have_recv_key = false;
    uint32_t local_index = 0;
    uint32_t remote_index = 0;
    inner_addr src;
    inner_addr dst;
    uint16_t sport = 40000;
    uint16_t dport = 40001;
    uint64_t counter_start = 0;
    double timeout_s = 10.0;
    bool progress = false;

    // send / replay
    double rate_pps = 1000.0; ///< 0 means as fast as the socket takes them
    uint64_t count = 0;       ///< send, replay: messages; echo: stop after this many answers
    uint32_t size = 64;       ///< inner UDP payload bytes (≥ 16: sequence + timestamp)
    uint64_t keepalive_every = 0;
    uint64_t duplicate_every = 0;
    uint32_t duplicate_lag = 1;
    bool expect_echo = false;
    double linger_s = 1.0; ///< send --expect-echo: how long to wait for the last answers
    std::string record_path;
    std::string replay_path;

    // recv
    uint64_t expect = 0;
    double min_ratio = 1.0;
    double idle_s = 2.0; ///< stop once nothing arrived for this long after the first message

    // tun
    std::string tun_name;
};

/// Thrown for a bad command line; main prints it with a pointer to --help and exits 2.
struct usage_error {
    std::string text;
};

/// Parses argv into options, or throws usage_error. Returns nullopt when --help was asked for
/// (the help text is then already printed).
std::optional<options> parse_options(int argc, char** argv);

/// The --help text.
extern const char* const help_text;

} // namespace edgerelay::tools::wgflow
