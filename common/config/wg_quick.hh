// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Import of a wg-quick configuration (wg0.conf) into edgerelay's YAML, for `edgerelayctl import`.
#pragma once

#include <optional>
#include <string>

#include "common/crypto/secret.hh"

namespace edgerelay::config {

/// Turns a wg-quick file into edgerelay YAML that parse() accepts.
///
/// [Interface] ListenPort and MTU become listen_port and mtu; each Address becomes an address
/// of the io_uring TUN (dataplane.io_uring.tun) plus a `via: local` route for its subnet. Each
/// [Peer] becomes a peers[] entry (PublicKey, PresharedKey, Endpoint, AllowedIPs — which may be
/// repeated and comma-separated — and PersistentKeepalive, where "off" is 0). Keys only wg-quick
/// itself acts on (DNS, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig, FwMark) are kept as
/// "# not imported" comments, so nothing is dropped silently. The instance is named after the
/// file ("wg0.conf" gives wg0).
///
/// The PrivateKey is never written into the YAML: a comment tells the operator to put it in
/// identity.private_key_file (mode 0600), and it is returned through `private_key`.
///
/// @param ini_text the wg-quick file's contents
/// @param name_for_errors the file name used in errors and for the instance name
/// @param private_key receives the [Interface] PrivateKey, or nullopt when there is none
/// @return the YAML text
/// @throw config_error with the 1-based line (and column) for unknown sections or keys, keys
///        outside a section, repeated single-valued keys, bad keys, addresses, endpoints,
///        ports or numbers, a [Peer] without PublicKey, or a missing [Interface]
std::string import_wg_quick(const std::string& ini_text, const std::string& name_for_errors,
                            std::optional<crypto::secret32>& private_key);

/// As above, discarding the private key.
std::string import_wg_quick(const std::string& ini_text, const std::string& name_for_errors);

} // namespace edgerelay::config
