// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libtorrent settings for a DHT-only, private-network session (internal to controlplane/dht).
#pragma once

#include <libtorrent/settings_pack.hpp>

#include "controlplane/dht/dht_node.hh"

namespace edgerelay::cp::dht {

/// "127.0.0.1:4222,[::]:4222" from the options.
std::string listen_interfaces(const dht_options& opts);

/// The settings pack: DHT on; LSD, UPnP, NAT-PMP, peer connections off; no router nodes
/// (libtorrent's default public router is removed, never contacted; see dht_node for bootstrap).
libtorrent::settings_pack session_settings(const dht_options& opts);

} // namespace edgerelay::cp::dht
