// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The "edgerelay_key" DHT query: asks an announcer for its node key (internal to controlplane/dht).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/extensions.hpp>

namespace edgerelay::cp::dht {

/// The query name. A BEP 5 get_peers reply names announcers by IP:port only; the record is
/// stored under the node key, so a reader asks the announcer for it. The answer is not trusted:
/// whatever key comes back, the record fetched under it must carry a valid signature by that key.
inline constexpr const char* key_query = "edgerelay_key";

/// Answers key_query with {"k": <32-byte node key>} from libtorrent's network thread.
class key_plugin final : public libtorrent::plugin {
public:
    explicit key_plugin(const std::array<uint8_t, 32>& node_key) : _key(node_key) {}
    feature_flags_t implemented_features() override { return dht_request_feature; }
    bool on_dht_request(libtorrent::string_view query, libtorrent::udp::endpoint const& source,
                        libtorrent::bdecode_node const& message, libtorrent::entry& response) override;

private:
    const std::array<uint8_t, 32> _key; // immutable: read from the network thread
};

/// The request to send with session::dht_direct_request.
libtorrent::entry key_request();

/// The node key in a dht_direct_response_alert's message; nullopt on timeout (empty message),
/// an error reply, or a key that is not exactly 32 bytes.
std::optional<std::array<uint8_t, 32>> parse_key_response(libtorrent::bdecode_node const& msg);

} // namespace edgerelay::cp::dht
