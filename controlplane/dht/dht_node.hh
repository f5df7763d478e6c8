// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// One DHT node (libtorrent-rasterbar, DHT only) that publishes this relay's record and finds
// other relays' records. Non-blocking: libtorrent runs its own network thread, poll() collects.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/address.hh"
#include "common/crypto/ed25519.hh"
#include "common/wire/endpoint.hh"
#include "controlplane/dht/relay_record.hh"
#include "controlplane/dht/verify.hh"

namespace edgerelay::cp::dht {

struct dht_options {
    uint16_t port = 4222;                 ///< UDP port; 0 = ephemeral (tests), see dht_node::port()
    /// Addresses to listen on; every one that binds runs a DHT node (BEP 32 dual stack).
    std::vector<std::string> bind_addresses = {"0.0.0.0", "::"};
    std::vector<wire::endpoint> bootstrap; ///< the only routers ever contacted at first
    std::string state_file;               ///< routing-table nodes across restarts; empty = none
    /// Lift libtorrent's one-node-per-IP and per-IP rate limits so that many nodes on
    /// 127.0.0.1 can form a network. Never in production: the limits resist Sybil attacks.
    bool loopback_testing = false;
    uint32_t state_save_interval_s = 300;
    uint32_t reannounce_interval_s = 600; ///< re-announce and re-put the record (items age out)
    uint32_t lookup_timeout_ms = 8000;    ///< a lookup ends at the latest after this
    uint32_t lookup_quiet_ms = 1500;      ///< ... or once nothing is pending for this long
};

/// What became of one announcer a lookup met, in the order of the steps a record goes through.
enum class announcer_outcome : uint8_t {
    key_pending,  ///< the lookup ended before its edgerelay_key query was answered
    key_failed,   ///< none of the key queries was answered
    item_pending, ///< the lookup ended before the get traversal of its record did
    no_item,      ///< every get traversal ended without an item
    refused,      ///< an item came back and the verifier refused it
    found,        ///< its record was accepted
};
std::string_view announcer_outcome_name(announcer_outcome o);

/// One announcer of a lookup and how far its record got: tells an operator (and the scale test)
/// which step lost a relay that should have been found.
struct announcer_trace {
    wire::endpoint endpoint;
    std::optional<std::array<uint8_t, 32>> node_key; ///< once the key query was answered
    announcer_outcome outcome = announcer_outcome::key_pending;
};

/// The outcome of one lookup_region() / lookup_prefix().
struct lookup_result {
    uint64_t id = 0;
    std::string rendezvous;               ///< "edgerelay/region/<r>" or "edgerelay/prefix/<p>"
    uint32_t announcers = 0;              ///< distinct endpoints get_peers returned
    /// Node keys of the records accepted during this lookup (new or already known) and the
    /// milliseconds from the start of the lookup until each was accepted.
    std::vector<std::pair<std::array<uint8_t, 32>, uint32_t>> found;
    std::vector<announcer_trace> trace;   ///< every announcer, in the order get_peers returned them
    uint32_t peer_replies = 0;            ///< get_peers replies that carried announcers
    uint32_t last_peers_ms = 0;           ///< from the start until the last of them
    uint32_t duration_ms = 0;
    bool timed_out = false;
};

struct dht_stats {
    size_t routing_nodes = 0;             ///< nodes in the routing table (last DHT stats)
    bool joined = false;                  ///< routing_nodes > 0
    verdict_counters verdicts;            ///< every item our verifier saw
    uint64_t puts = 0, puts_succeeded = 0, puts_failed = 0; ///< failed: stored on no node
    uint64_t announces = 0;
    uint64_t republishes = 0;             ///< record put and announced again: the table doubled
    /// A lookup of our own region has returned our key: our announce has landed where readers
    /// look (checked after each publish until seen, see dht_node.cc).
    bool announce_seen = false;
    uint64_t self_checks = 0;
    uint64_t lookups_started = 0, lookups_succeeded = 0, lookups_failed = 0; ///< succeeded: >= 1 record
    std::vector<uint32_t> lookup_latency_ms; ///< first-record latency of the last 1024 lookups
    uint64_t key_queries = 0, key_answers = 0, key_failures = 0; ///< edgerelay_key requests
    uint64_t key_skipped = 0;             ///< announcers not asked: no answer to a recent query
    uint64_t state_saves = 0, state_save_errors = 0;
    bool state_loaded = false;            ///< the state file was read and used at start
};

class dht_node {
public:
    /// Starts the session and waits (at most a few seconds) until the UDP socket is bound.
    /// @throws std::runtime_error naming the address and the reason when nothing could bind
    dht_node(const dht_options& opts, const crypto::ed25519_keypair& node_key);
    /// Saves the state file (if any) and stops the session.
    ~dht_node();
    dht_node(const dht_node&) = delete;
    dht_node& operator=(const dht_node&) = delete;

    /// Publishes r (its node_key is set to ours) as a BEP 44 item under our node key, salt
    /// "relay", seq = max(previous + 1, timestamp * 1000, network's seq + 1), signed with our
    /// key, and announces us under the region and every owned prefix. A record whose value is
    /// larger than 1000 bytes is refused (returns false, nothing is sent). The first publish of
    /// a node whose routing table is still filling is sent by poll() once the table holds 8
    /// nodes or has stopped growing for 2 s, at the latest after 10 s; the record is put and
    /// announced again each time the table doubles, until that was done with >= 32 nodes.
    bool publish(const relay_record& r);
    /// Drain: publishes our record with expiry = timestamp = now (readers drop it) and stops
    /// re-announcing. Announces already stored age out of the DHT (BEP 5 has no unannounce).
    void withdraw();

    /// Starts a lookup: get_peers on the rendezvous hash, then each announcer's node key
    /// (edgerelay_key query) and its record (BEP 44 get, verified). Returns the lookup id.
    uint64_t lookup_region(const std::string& region);
    uint64_t lookup_prefix(const config::prefix& prefix);

    /// Collects libtorrent's alerts. Returns the records accepted since the last poll that
    /// are new or carry a higher seq than the one known before. Never blocks.
    std::vector<relay_record> poll(uint64_t now_unix_s);
    /// Lookups that ended since the last call.
    std::vector<lookup_result> take_finished_lookups();

    /// The newest accepted record of a relay, if any (expired ones included: check expiry).
    std::optional<relay_record> record_of(const std::array<uint8_t, 32>& node_key) const;

    dht_stats stats() const;
    bool joined() const;
    /// The bound UDP port (useful with port 0).
    uint16_t port() const;
    /// Writes the routing-table nodes to the state file now (temp file + rename, mode 0600).
    /// @return false (and counts an error) when it could not be written
    bool save_state();

    /// Test hook for the scale test's forgery drills: puts an arbitrary item under `key`
    /// exactly as given (value, seq, signature unchanged). Storing nodes check it as they would
    /// any other; readers see whatever the DHT keeps.
    void put_raw(const signed_item& item);

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

/// The rendezvous info-hash: SHA-1 of "edgerelay/region/<region>" or "edgerelay/prefix/<p>".
std::array<uint8_t, 20> rendezvous_hash(const std::string& text);
std::string region_rendezvous(const std::string& region);
std::string prefix_rendezvous(const config::prefix& prefix);

} // namespace edgerelay::cp::dht
