// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Stable peer ids across control plane restarts, and the peers added at run time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/abi/records.hh"
#include "common/crypto/secret.hh"

namespace edgerelay::cp::process {

/// The dataplane knows peers only by id, so a restarted control plane must give every peer
/// the id it had before, or the keypairs and routes it finds would belong to another key.
/// The map is saved next to the control socket (a runtime directory: it lives as long as the
/// dataplane's segment, both go at reboot). Peers added with add-peer are saved there too, as
/// their add-peer arguments (a psk is saved as its file name, never as key bytes).
///
/// File format, one peer a line: `<id> <public key> config` or
/// `<id> <public key> runtime <add-peer arguments...>`.
class peer_registry {
  public:
    struct entry {
        abi::peer_id id = abi::no_peer;
        bool runtime = false;
        std::vector<std::string> add_peer_args; ///< runtime peers only
    };

    /// Reads the file; a missing file is an empty registry.
    /// @return 0, or a negative errno; malformed lines are skipped and reported in `warnings`.
    int load(const std::string& path, std::vector<std::string>& warnings);
    /// Writes the file atomically (temporary file and rename), mode 0600.
    /// @return 0 or a negative errno.
    int save(const std::string& path) const;

    /// The id of a key: the one it had, else the lowest id no other key holds.
    abi::peer_id assign(const crypto::key32& key, bool runtime,
                        std::vector<std::string> add_peer_args = {});
    void erase(const crypto::key32& key);
    /// Drops config entries whose key is not in `keep` (peers removed from the file).
    void retain_config(const std::vector<crypto::key32>& keep);

    const entry* find(const crypto::key32& key) const;
    std::optional<crypto::key32> key_of(abi::peer_id id) const;
    const std::map<crypto::key32, entry>& entries() const noexcept { return _entries; }

  private:
    std::map<crypto::key32, entry> _entries;
};

} // namespace edgerelay::cp::process
