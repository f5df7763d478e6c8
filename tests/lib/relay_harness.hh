// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// One relay worker's state in-process, plus the peers' side of the wire, for tests and benches.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <rte_mempool.h>

#include "common/crypto/aead_burst.hh"
#include "common/wire/endpoint.hh"
#include "dataplane/counters.hh"
#include "dataplane/tables/table_set.hh"
#include "dataplane/worker_ctx.hh"

namespace edgerelay::test {

/// The relay's underlay addresses: 10.0.0.1:51820 and [fd00::1]:51820.
wire::endpoint relay_endpoint(uint8_t family);
/// "10.0.0.7:51820" or "[fd00::7]:51820" → endpoint; aborts on a typo (tests only).
wire::endpoint parse_endpoint(const std::string& text);

/// A peer as the relay knows it, and the keys the peer itself uses.
struct test_peer {
    dp::peer_id id;
    wire::endpoint remote;
    dp::keypair* kp;                  ///< the relay's current keypair for this peer
    uint8_t peer_send_key[32];        ///< = relay's recv key
    uint8_t peer_recv_key[32];        ///< = relay's send key
    uint32_t relay_index;             ///< the relay's receiver index (peer writes it)
    uint32_t peer_index;              ///< the peer's receiver index (relay writes it)
};

/// Port 0 is an Ethernet underlay (DPDK-like), port 1 a UDP underlay (io_uring-like),
/// port 2 the access side (bare IP, TUN-like).
class relay_harness {
public:
    static constexpr uint16_t port_eth = 0;
    static constexpr uint16_t port_udp = 1;
    static constexpr uint16_t port_access = 2;

    explicit relay_harness(const dp::table_set_config& cfg = {}, unsigned pool_size = 8192);
    ~relay_harness();

    /// Adds peer `id` reachable at `remote` through `port`, with a fresh random keypair.
    test_peer& add_peer(dp::peer_id id, const std::string& remote, uint16_t port = port_eth);
    void allow(dp::peer_id id, const std::string& prefix);
    void route(const std::string& prefix, dp::next_hop hop);

    /// An IPv4 or IPv6 (chosen by the address text) UDP packet of total length `len`.
    std::vector<uint8_t> inner_packet(const std::string& src, const std::string& dst,
                                      uint16_t len, uint8_t fill = 0xab) const;

    /// The frame `from` sends to the relay: Ethernet/IP/UDP/transport (port_eth) or the
    /// bare transport message with meta.remote set (port_udp). Sealed with libsodium,
    /// independently of the relay's ipsec-mb engine.
    rte_mbuf* seal_from(const test_peer& from, uint64_t counter, std::span<const uint8_t> inner,
                        uint16_t port = port_eth, uint16_t mtu = 1420);

    /// Opens what the relay sent to `to`; nullopt if it is not a valid transport message
    /// for `to` (wrong endpoint, index or tag). Sets *counter when given.
    std::optional<std::vector<uint8_t>> open_for(const test_peer& to, rte_mbuf* m,
                                                 uint64_t* counter = nullptr) const;

    /// Runs one burst through the relay as received on `port` and returns what each port
    /// would transmit; also drains ctx.punted into `punted`.
    void run(std::vector<rte_mbuf*> burst, uint16_t port);

    std::vector<rte_mbuf*> take_tx(uint16_t port);

    rte_mbuf* alloc() const;

    std::unique_ptr<dp::table_set> tables;
    rte_mempool* pool = nullptr;
    crypto::aead_burst_engine aead;
    dp::worker_counters counters{};
    std::vector<dp::peer_counters> peer_stats;
    dp::worker_ctx ctx;
    std::vector<rte_mbuf*> punted;
    std::vector<std::unique_ptr<test_peer>> peers;

private:
    std::vector<std::vector<rte_mbuf*>> _tx;
};

} // namespace edgerelay::test
