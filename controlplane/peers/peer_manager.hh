// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The control plane's peers: handshakes on punted packets, WireGuard timers, dataplane commands.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/abi/records.hh"
#include "common/crypto/secret.hh"
#include "common/wire/endpoint.hh"
#include "controlplane/handshake/cookie.hh"
#include "controlplane/handshake/keypairs.hh"
#include "controlplane/handshake/noise.hh"
#include "controlplane/peers/clock.hh"
#include "controlplane/peers/timers.hh"

namespace edgerelay::cp {

/// Where the peer manager's output goes (in the process: the segment's command and inject
/// rings). Called synchronously from the peer manager's methods; must not call back into it.
class sink {
  public:
    virtual ~sink() = default;
    /// A command for the dataplane, already sealed (abi::seal) with a fresh sequence number:
    /// the receiver may push it onto the ring as is.
    virtual void command(const abi::command& c) = 0;
    /// A packet to send (handshake responses, initiations, cookie replies), udp_payload kind.
    virtual void inject(const abi::injected_packet& p) = 0;
};

/// Where a peer is reached: the underlay port, its address and our address there.
struct peer_endpoint {
    uint16_t port_index = 0;
    wire::endpoint remote; ///< empty while unknown
    wire::endpoint local;  ///< empty lets the driver choose
};

/// A peer as configured (wg-quick terms).
struct peer_config {
    abi::peer_id id = abi::no_peer; ///< < the dataplane's max_peers; chosen by the caller
    crypto::key32 public_key{};
    crypto::secret32 psk;   ///< all zeros when none is configured
    peer_endpoint endpoint; ///< remote empty if the peer will call us first
    std::vector<abi::prefix> allowed_ips;
    uint16_t persistent_keepalive_s = 0; ///< 0 = off
    /// A relay-to-relay tunnel: add_peer carries abi::peer_flag_transit, so the dataplane accepts
    /// inner sources outside allowed_ips from it (they were checked where they entered the mesh).
    bool transit = false;
};

/// What `show` prints about one peer (like `wg show`).
struct peer_snapshot {
    abi::peer_id id = abi::no_peer;
    crypto::key32 public_key{};
    peer_endpoint endpoint;
    std::optional<nanos> latest_handshake; ///< wall time since the Unix epoch
    uint64_t rx_bytes = 0;                 ///< as last fed by set_transfer
    uint64_t tx_bytes = 0;
    std::vector<abi::prefix> allowed_ips;
    uint16_t persistent_keepalive_s = 0;
    handshake::state handshake_state = handshake::state::zeroed;
    bool transit = false; ///< added with abi::peer_flag_transit
    /// Local (receiver) indices of the keypairs in slots current, previous, next.
    std::array<std::optional<uint32_t>, 3> keypair_index;
};

/// Counters of handshake-family packets, for metrics and tests.
struct handshake_counters {
    uint64_t initiations_sent = 0;
    uint64_t responses_sent = 0;
    uint64_t cookie_replies_sent = 0;
    uint64_t initiations_accepted = 0;
    uint64_t initiations_crossed = 0;  ///< accepted while our own initiation was in flight
    uint64_t responses_accepted = 0;
    uint64_t crossed_completed = 0;    ///< responses accepted for a crossed initiation of ours
    uint64_t cookie_replies_accepted = 0;
    uint64_t dropped_malformed = 0; ///< wrong size or type, or unknown receiver index
    uint64_t dropped_bad_mac = 0;   ///< mac1 wrong (not for us) or cookie reply not opening
    uint64_t dropped_rate_limited = 0;
    uint64_t dropped_unknown_peer = 0; ///< initiation from a static key we do not know
    uint64_t dropped_rejected = 0;     ///< failed decryption, replay, flood, wrong state
    uint64_t handshakes_abandoned = 0; ///< gave up after REKEY_ATTEMPT_TIME
};

/// Holds every peer, runs the handshake for punted messages and WireGuard's timers, and
/// programs the dataplane through the sink. No sockets, threads or clock reads of its own:
/// time comes from the clock, randomness from the random_source. Not thread-safe: one
/// control-plane thread calls every method.
///
/// Keypair commands rely on the dataplane applying keypair_slots' rules (the kernel's
/// add_new_keypair; dataplane/applier.cc does):
///  - install_keypair into current: previous <- current, current <- new; if next was set,
///    previous <- next instead and the old current goes.
///  - install_keypair into next: replaces next and drops previous.
///  - the dataplane promotes next to current by itself on the first packet received with it
///    and reports it (keypair_confirmed, or an rb_keypair readback in slot current).
///  - every other removal (age, zeroing) is an explicit retire_keypair by local index.
class peer_manager {
  public:
    /// @param identity our static key and cookie checker; must outlive the manager.
    /// @param clk time source; must outlive the manager.
    /// @param out receives commands and packets; must outlive the manager.
    /// @param rng receiver indices and jitter; null uses the system CSPRNG.
    peer_manager(static_identity& identity, clock& clk, sink& out, random_source* rng = nullptr);
    ~peer_manager();
    peer_manager(const peer_manager&) = delete;
    peer_manager& operator=(const peer_manager&) = delete;

    /// Adds a peer and emits add_peer, set_endpoint (if known) and one add_allowed_ip per
    /// prefix. Does not start a handshake: call initiate() for peers that have an endpoint.
    /// @return 0; -EINVAL for id == no_peer, a zero or our own public key, or a prefix of
    ///         another family than 4 or 6; -EEXIST if the id or the public key is taken.
    int add_peer(const peer_config& cfg);

    /// Removes a peer: emits remove_allowed_ip for each prefix, then remove_peer (which drops
    /// its keypairs in the dataplane), and wipes its keys here.
    /// @return 0, or -ENOENT.
    int remove_peer(abi::peer_id id);

    /// Starts a handshake now (not a retry: the attempt counter restarts). Does nothing if an
    /// initiation went out less than REKEY_TIMEOUT ago.
    /// @return 0 when sent; -ENOENT unknown peer; -EDESTADDRREQ no endpoint known; -EALREADY
    ///         within REKEY_TIMEOUT of the previous initiation; -EIO if the message could not
    ///         be built (the peer's key gives a zero DH).
    int initiate(abi::peer_id id);

    /// Handles a handshake message the dataplane punted (types 1, 2, 3). Silent drops are
    /// counted in counters(). The peer's endpoint follows the source of authenticated
    /// messages only (initiations and responses that verified).
    /// @param pkt the packet and the endpoint it came from.
    /// @param under_load the caller's judgement (punt ring filling up): enables cookies and
    ///        per-source rate limiting.
    void on_punted(const abi::punted_packet& pkt, bool under_load);

    /// Handles a dataplane event: rekey_needed and handshake_wanted (start a handshake,
    /// spaced by REKEY_TIMEOUT, unless one is being retried),
    /// keypair_expired (forget the keypair), endpoint_roamed (remember the endpoint the
    /// dataplane already applied), keypair_confirmed and rb_keypair in slot current for our
    /// next (the dataplane promoted next: mirror it). Other events are ignored.
    void on_event(const abi::event& ev);

    /// The dataplane received a transport packet for this keypair in slot next and promoted
    /// it to current; mirrors the rotation. Ignored if local_index is not the peer's next.
    void on_keypair_confirmed(abi::peer_id id, uint32_t local_index);

    /// Takes over a keypair the dataplane already holds (a restarted control plane reading
    /// the dataplane back): mirrors it into `slot` as if its handshake had completed `age`
    /// ago, so snapshots show the session and the latest handshake, and the timers (rekey by
    /// age for an initiator, REJECT_AFTER_TIME, zeroing) run from its birth. Emits nothing:
    /// the dataplane has it already. keys.created is overwritten with now - age.
    /// @return 0; -ENOENT unknown peer; -EINVAL slot is not current, previous or next, or the
    ///         index is 0; -EEXIST the index is taken; -EBUSY the peer's slot is occupied;
    ///         -EAGAIN previous while current is empty (adopt current first, as the readback
    ///         orders them; a previous alone can only expire).
    int adopt_keypair(abi::peer_id id, abi::key_slot slot, transport_keys&& keys, nanos age);

    /// The dataplane received data (not a keepalive) from the peer since the last call.
    void on_data_received(abi::peer_id id);
    /// The dataplane sent data (not a keepalive) to the peer since the last call.
    void on_data_sent(abi::peer_id id);
    /// Feeds the transfer counters shown by snapshot().
    void set_transfer(abi::peer_id id, uint64_t rx_bytes, uint64_t tx_bytes);

    /// Runs due timers and ages keypairs. Call often (every 100 ms is plenty): timers fire at
    /// the first tick at or after their deadline.
    void tick();

    /// The state of one peer, or nullopt if unknown.
    std::optional<peer_snapshot> snapshot(abi::peer_id id) const;
    /// Every peer, in id order.
    std::vector<peer_snapshot> snapshots() const;

    const handshake_counters& counters() const noexcept { return _counters; }
    size_t peer_count() const noexcept { return _peers.size(); }

  private:
    struct peer {
        peer(const static_identity& identity, const peer_config& cfg);

        abi::peer_id id;
        crypto::key32 public_key;
        peer_endpoint endpoint;
        std::vector<abi::prefix> allowed_ips;
        uint16_t persistent_keepalive_s;
        bool transit;
        handshake hs;
        std::optional<uint32_t> handshake_index; // our index for the handshake in flight
        /// Our initiation that the peer's initiation crossed (both ends called at once),
        /// kept with its index so that the peer's response to it still completes a session.
        /// Without it each end holds only a responder keypair the other end refused, and
        /// traffic waits for a retry; wireguard-go, which accepts our response first, may
        /// even drop the receive index of the session it completed and never recover.
        struct crossed_initiation {
            handshake hs;
            uint32_t index;
        };
        std::optional<crossed_initiation> crossed;
        cookie_state cookies;
        keypair_slots slots;
        peer_timers timers;
        std::optional<nanos> latest_handshake_wall;
        uint64_t rx_bytes = 0;
        uint64_t tx_bytes = 0;
    };

    peer* find(abi::peer_id id) const noexcept;
    peer* find_by_key(const crypto::key32& pub) const noexcept;
    peer* find_by_index(uint32_t local_index) const noexcept;

    // Handshake messages (peer_manager.cc).
    void handle_initiation(const abi::punted_packet& pkt, bool under_load);
    void handle_response(const abi::punted_packet& pkt, bool under_load);
    void handle_cookie_reply(const abi::punted_packet& pkt);
    bool macs_ok(const abi::punted_packet& pkt, bool under_load);
    void learn_endpoint(peer& p, const abi::punted_packet& pkt);
    void install_keys(peer& p, transport_keys&& keys);

    // Receiver indices: unique among pending handshakes and live keypairs.
    uint32_t allocate_index(abi::peer_id owner);
    void release_index(uint32_t local_index) noexcept;
    /// Releases the indices of our handshakes in flight (and of a crossed initiation).
    void release_handshake_index(peer& p) noexcept;
    /// Keeps our initiation in flight as p.crossed when the peer's initiation supersedes it.
    void keep_crossed(peer& p, handshake&& ours) noexcept;

    // Keypairs leaving the mirror without the dataplane doing it itself.
    void drop_keypair(peer& p, uint32_t local_index, bool tell_dataplane);
    void clear_keypairs(peer& p, bool tell_dataplane);

    // Timers (timers.cc).
    int send_initiation(peer& p, bool is_retry);
    void send_keepalive(peer& p);
    void tick_peer(peer& p, nanos now);
    void expire_keypairs(peer& p, nanos now);
    void zero_key_material(peer& p);
    nanos jitter() noexcept;
    void handshake_initiated(peer& p);
    void handshake_complete(peer& p);
    void session_derived(peer& p);
    void any_authenticated_packet_sent(peer& p);
    void any_authenticated_packet_received(peer& p);
    void any_authenticated_packet_traversal(peer& p);

    // Output.
    void emit(abi::command& c);
    void emit_peer_command(abi::command_type t, abi::peer_id id);
    void emit_set_endpoint(const peer& p);
    void emit_allowed_ip(abi::command_type t, abi::peer_id id, const abi::prefix& pfx);
    void emit_install(const peer& p, abi::key_slot slot, const transport_keys& k);
    void emit_retire(const peer& p, uint32_t local_index);
    void inject_to(const peer_endpoint& to, std::span<const uint8_t> bytes);

    static_identity& _identity;
    clock& _clock;
    sink& _out;
    std::unique_ptr<random_source> _own_rng;
    random_source* _rng;
    uint64_t _seq = 0;
    std::unordered_map<abi::peer_id, std::unique_ptr<peer>> _peers;
    std::map<crypto::key32, abi::peer_id> _by_key;
    std::unordered_map<uint32_t, abi::peer_id> _index_owner;
    handshake_counters _counters;
};

} // namespace edgerelay::cp
