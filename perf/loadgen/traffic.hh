// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-loadgen's traffic model: peers, keys, size mixes and the er-program file that matches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgerelay::perf {

/// Inner packet size profiles: 64 B, IMIX (7×64 : 4×576 : 1×1420) and 1420 B.
enum class size_mix : uint8_t { s64, imix, s1420 };

/// "64", "imix" or "1420"; false when the text is none of these.
bool parse_mix(const std::string& text, size_mix& out);
const char* mix_name(size_mix m);
/// Inner IP length of packet number i of a mix (IMIX repeats a 12-packet pattern).
uint16_t mix_size(size_mix m, uint64_t i);
/// Mean inner IP length of a mix.
double mix_mean(size_mix m);

/// One sending peer as the loadgen plays it and the relay knows it. Addresses are host order.
struct lg_peer {
    uint8_t key[32];       ///< the peer seals with it (= relay's recv-key)
    uint8_t relay_key[32]; ///< the relay seals towards the peer with it (unused by the loadgen)
    uint32_t relay_index;  ///< receiver index the peer writes (= relay's local-index)
    uint32_t peer_index;   ///< the relay writes it (= relay's remote-index)
    uint32_t underlay;     ///< the peer's underlay address (its source endpoint), port 51820
    uint32_t inner_src;    ///< an address inside its allowed /24
};

/// Everything both the loadgen and the program file derive from (peers, seed).
struct traffic_plan {
    uint32_t relay_addr = 0x0a000001;     ///< 10.0.0.1: the dataplane's underlay address
    uint32_t sink_addr = 0x0a020002;      ///< 10.2.0.2: the receiving peer (the loadgen again)
    uint32_t inner_dst = 0xc6120001;      ///< 198.18.0.1, routed via the receiving peer
    uint16_t port = 51820;
    std::vector<lg_peer> peers;           ///< sending peers, relay peer ids 1..P
    lg_peer sink;                         ///< the receiving peer, relay peer id P+1
};

/// Deterministic keys and addresses from (peers, seed): a lab tool, not a key generator.
traffic_plan make_plan(uint32_t n_peers, uint64_t seed);

/// The er-program statements that make the relay route every sending peer's traffic to the sink.
/// For table-size runs, `idle_peers` more peers (each with a keypair and an allowed /24 in
/// 13.0.0.0/8 upwards, never sending) and `extra_routes` more /24 routes (11.0.0.0 upwards, via
/// the sink) are installed beside them: the lookups then run against tables of that size.
std::string program_text(const traffic_plan& plan, uint32_t idle_peers = 0, uint32_t extra_routes = 0);

} // namespace edgerelay::perf
