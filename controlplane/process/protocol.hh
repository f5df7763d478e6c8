// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The control socket's line protocol, shared by edgerelay-controlplane and edgerelayctl.
//
// A request is one line, either text or JSON:
//   peers --json
//   add-peer <pubkey> endpoint 192.0.2.7:51820 allowed-ips 10.0.0.2/32,fd00::2/128 keepalive 25
//   {"command": "add-peer", "args": ["<pubkey>", "endpoint", "192.0.2.7:51820"], "json": true}
// A response is a status line, "ok" or "error: <what and how to fix it>", then the body lines,
// then a line holding a single "." (body lines that begin with "." get a second one, as SMTP
// does). --json bodies are one line of JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/address.hh"
#include "common/crypto/secret.hh"
#include "common/wire/endpoint.hh"

namespace edgerelay::cp::process {

/// Requests longer than this are refused before parsing: the socket is local but still
/// untrusted input.
inline constexpr std::size_t max_request_bytes = 4096;

/// One parsed request.
struct request {
    std::string command;           ///< "show", "peers", "routes", "stats", "add-peer", ...
    std::vector<std::string> args; ///< positional words after the command, --json removed
    bool json = false;             ///< answer in JSON

    bool operator==(const request&) const = default;
};

/// The commands the control socket knows, with a one-line usage each (for errors and help).
struct command_info {
    const char* name;
    const char* usage;
    const char* summary;
    bool mutating; ///< changes state (refused while draining or resynchronising)
};
const std::vector<command_info>& commands();
const command_info* find_command(std::string_view name) noexcept;

/// Parses one request line (without its newline).
/// @param error receives the reason on failure, phrased for the operator.
/// @return the request, or nullopt for an empty, oversized, malformed or unknown request.
std::optional<request> parse_request(std::string_view line, std::string& error);

/// The text form of a request, as edgerelayctl sends it: one line, no newline.
std::string format_request(const request& r);

/// The arguments of add-peer.
struct add_peer_args {
    crypto::key32 public_key{};
    wire::endpoint endpoint;               ///< family 0 = none
    std::vector<config::prefix> allowed_ips;
    std::string psk_file;                  ///< empty = no preshared key
    uint16_t persistent_keepalive = 0;
    std::string name;
};

/// Parses add-peer's arguments: <pubkey> then any of `endpoint E`, `allowed-ips A,B`,
/// `psk FILE`, `keepalive N`, `name N`, each at most once.
std::optional<add_peer_args> parse_add_peer(const std::vector<std::string>& args,
                                            std::string& error);

/// The inverse of parse_add_peer (used to persist peers added at run time).
std::vector<std::string> format_add_peer(const add_peer_args& a);

/// Encodes a response: status line, dot-stuffed body, terminator. Always ends in "\n.\n".
std::string encode_response(bool ok, std::string_view body);
inline std::string encode_error(std::string_view message) { return encode_response(false, message); }

/// Decodes a response line by line (client side).
class response_reader {
  public:
    /// Feeds one line without its newline. @return true when the response is complete.
    bool feed(std::string_view line);
    bool complete() const noexcept { return _done; }
    bool ok() const noexcept { return _ok; }
    /// The body (ok) or the error message (after "error: "), lines joined with "\n".
    const std::string& body() const noexcept { return _body; }

  private:
    bool _have_status = false;
    bool _ok = false;
    bool _done = false;
    std::size_t _body_lines = 0;
    std::string _body;
};

} // namespace edgerelay::cp::process
