// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The relay record: what a relay publishes about itself in the DHT (BEP 44 value, salt "relay").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/address.hh"
#include "common/wire/endpoint.hh"

namespace edgerelay::cp::dht {

/// BEP 44: "the bencoded form of v must be less than or equal to 1000 bytes".
inline constexpr size_t max_value_size = 1000;
/// BEP 44 salt under which every relay record is stored.
inline constexpr std::string_view record_salt = "relay";

/// A tunnel neighbour, for link-state routing.
struct relay_link {
    std::array<uint8_t, 32> node_key{}; ///< the neighbour's Ed25519 node key
    uint32_t rtt_us = 0;
    uint16_t loss_permille = 0;         ///< 0..1000
    bool up = false;

    bool operator==(const relay_link&) const = default;
};

struct relay_record {
    std::array<uint8_t, 32> node_key{}; ///< Ed25519 public key; equals the BEP 44 item key
    std::array<uint8_t, 32> wg_key{};   ///< X25519 WireGuard public key
    std::vector<wire::endpoint> endpoints; ///< WireGuard underlay endpoints
    std::string region;                 ///< at most 64 bytes
    double latitude = 0;                ///< degrees, kept to 1e-6 (encoded as microdegrees)
    double longitude = 0;
    uint32_t capacity = 0;
    uint32_t load = 0;
    std::vector<config::prefix> prefixes; ///< overlay prefixes this relay owns
    std::vector<relay_link> links;
    uint64_t timestamp = 0;             ///< unix seconds when published
    uint64_t expiry = 0;                ///< unix seconds; readers drop the record after it
    int64_t seq = 0; ///< BEP 44 sequence number; carried (and signed) by the item, not in the value

    bool operator==(const relay_record&) const = default;
};

/// Canonical bencoding of the record's value (everything but seq).
std::string encode_record(const relay_record& r);

/// Strict decoding: wrong types, bad lengths (keys, endpoints, prefixes), out-of-range numbers,
/// non-canonical encoding and trailing bytes are refused (nullopt). Unknown keys are ignored,
/// so later versions can add fields. seq is left 0.
std::optional<relay_record> decode_record(std::string_view value);

} // namespace edgerelay::cp::dht
