// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelayctl's commands: key tools, wg-quick import and the control socket client.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "controlplane/process/protocol.hh"

namespace edgerelay::ctl {

/// Prints a fresh private key in `wg genkey` form. @return 0.
int genkey(std::ostream& out);

/// Reads a private key (base64) from `in` and prints its public key, like `wg pubkey`.
/// @return 0, or 1 with a message on `err` if the input is not a key.
int pubkey(std::istream& in, std::ostream& out, std::ostream& err);

/// Imports a wg-quick file: writes edgerelay YAML (to `out_path`, or `out` when empty) and the
/// [Interface] PrivateKey, if any, to `key_path` (default `<output dir>/<instance>.key`) with
/// umask 077; the YAML's identity.private_key_file points at it.
/// @return 0, 1 for a file error, 2 for an import error (printed as file:line).
int import_wg(const std::string& conf_path, const std::string& out_path,
              const std::string& key_path, std::ostream& out, std::ostream& err);

/// Sends one request over the control socket and reads the whole response.
/// @param error receives why the exchange failed (connection, protocol), with a fix.
/// @return the response, or nullopt.
std::optional<cp::process::response_reader> exchange(const std::string& socket_path,
                                                     const cp::process::request& req,
                                                     std::string& error);

/// Where the control socket is: --socket wins, else --config's control_socket, else the
/// default instance's /run/edgerelay/edgerelay.sock.
/// @throw config::config_error when --config names an invalid file.
std::string socket_path(const std::string& socket_opt, const std::string& config_opt);

} // namespace edgerelay::ctl
