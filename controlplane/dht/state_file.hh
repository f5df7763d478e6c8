// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Atomic small-file persistence for the DHT state (routing-table nodes).
#pragma once

#include <optional>
#include <string>

namespace edgerelay::cp::dht {

/// Largest state file read back; libtorrent's DHT state is a few kilobytes.
inline constexpr size_t max_state_file = 1 << 20;

/// Writes bytes to path.tmp (mode 0600), fsyncs it and renames it over path, so a crash leaves
/// either the old or the new file, never a torn one.
/// @return empty on success, else a reason ("open /x.tmp: Permission denied")
std::string write_file_atomic(const std::string& path, const std::string& bytes);

/// The file's content; nullopt when it is missing, unreadable or larger than max_state_file.
std::optional<std::string> read_small_file(const std::string& path);

} // namespace edgerelay::cp::dht
