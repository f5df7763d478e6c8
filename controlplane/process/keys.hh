// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Identity key files: the WireGuard X25519 private key and the Ed25519 node key.
#pragma once

#include <string>

#include "common/crypto/ed25519.hh"
#include "common/crypto/secret.hh"

namespace edgerelay::cp::process {

/// A key read from (or just written to) its file.
template <typename Key>
struct loaded_key {
    Key key;
    bool created = false; ///< the file did not exist and was generated now
};

/// Reads the X25519 private key in `wg genkey` form (base64, one line). A missing file is
/// generated with mode 0600 (its directory with 0700 if missing), so a first start needs no
/// manual step; an existing file must be mode 0600 or stricter (config::check_key_file_mode).
/// Start-up only.
/// @throw config::config_error for a group/world-accessible file; std::runtime_error naming
///        the file and the fix for unreadable, unwritable or malformed files.
loaded_key<crypto::secret32> load_or_create_private_key(const std::string& path);

/// Reads the Ed25519 node key: a 32-byte seed stored raw. Generated (mode 0600) if missing.
/// @throw std::runtime_error as above, also for a file that is not exactly 32 bytes or that
///        group or others can read.
loaded_key<crypto::ed25519_keypair> load_or_create_node_key(const std::string& path);

/// Writes `data` to a new file with mode 0600 (O_EXCL: never replaces an existing file).
/// @return 0 or a negative errno.
int write_secret_file(const std::string& path, const void* data, std::size_t len);

} // namespace edgerelay::cp::process
