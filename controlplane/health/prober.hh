// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// BFD-like liveness and latency probing of tunnel neighbours, with a flap circuit breaker.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "common/crypto/secret.hh"
#include "controlplane/health/probe_address.hh"
#include "controlplane/health/probe_packet.hh"
#include "controlplane/health/rtt_histogram.hh"

namespace edgerelay::cp::health {

using nanos = std::chrono::nanoseconds;

/// What the prober thinks of a neighbour.
enum class link_state : uint8_t {
    down, ///< not answering (also the state of a new neighbour until its first reply)
    up,   ///< answering
    held, ///< answering or not, kept out of routing by the circuit breaker until held_until
};

/// "down", "up" or "held".
const char* to_string(link_state s) noexcept;

struct prober_config {
    /// One probe per neighbour per interval.
    nanos interval = std::chrono::milliseconds(100);
    /// A probe not answered within reply_timeout of its sending is lost. Independent of the
    /// interval: a link whose RTT (with its jitter) comes near the interval must not lose its
    /// probes as "late". 0 means two intervals; clamped to 1 ms .. 4 intervals (a request's
    /// slot is reused after 8 sends, i.e. no sooner than 4 intervals with 50 % jitter).
    nanos reply_timeout{0};
    /// This many consecutive missed rounds take an up neighbour down (BFD's detect multiplier).
    uint32_t detect_multiplier = 3;
    /// Probes per round while the neighbour is suspect (its last round unanswered half an
    /// interval after sending, or a round already missed); 1 otherwise. A round is missed only
    /// when none of its probes is answered, so after a first lost probe every further round
    /// needs all k copies lost: random loss p takes a neighbour down with probability about
    /// p·p^k·p^k instead of p^3, with the same detection time. A 1 % lossy path must not fail
    /// over on three unlucky probes. Clamped to 1..4.
    uint32_t suspect_copies = 2;
    /// Each interval is shortened by a uniform 0..jitter_percent % (BFD jitters 0..25 %) so
    /// that neighbours added together drift apart; clamped to 50. 0 gives exact intervals.
    uint32_t jitter_percent = 10;
    /// Seed of the jitter generator: the same seed gives the same schedule.
    uint64_t seed = 0;
    /// Loss is the ratio of lost probes among the last loss_window resolved ones (>= 1).
    uint32_t loss_window = 100;
    /// Circuit breaker: the flap_threshold-th up → down transition within flap_window holds
    /// the neighbour down (held) for hold_initial; while that penalty has not decayed, every
    /// further up → down holds it again for 2×, 4× ... at most hold_max.
    uint32_t flap_threshold = 3;
    nanos flap_window = std::chrono::seconds(60);
    nanos hold_initial = std::chrono::seconds(1);
    nanos hold_max = std::chrono::seconds(60);
    /// Every hold_decay without an up → down transition (and not held) halves the next hold;
    /// once back below hold_initial the breaker is disarmed (flap_threshold downs needed again).
    nanos hold_decay = std::chrono::seconds(60);
};

/// A packet for the caller to send into the tunnel to `neighbour`.
struct outgoing_probe {
    crypto::key32 neighbour{};
    std::array<uint8_t, probe_packet_len> packet{};
};

/// A change of a neighbour's state, as drained by drain_transitions().
struct transition {
    crypto::key32 neighbour{};
    link_state from = link_state::down;
    link_state to = link_state::down;
    nanos at{}; ///< the `now` of the tick or packet that caused it
};

/// A neighbour's state and statistics.
struct neighbour_status {
    link_state state = link_state::down;
    probe_addr address{};         ///< the neighbour's probe address
    bool has_rtt = false;         ///< false until the first reply; the rtt_* fields are 0 then
    nanos rtt_last{};
    nanos rtt_ewma{};             ///< smoothed with weight 1/8 per sample (as TCP's SRTT)
    nanos rtt_min{};
    double loss_ratio = 0;        ///< lost / resolved over the last loss_window resolved probes
    uint32_t window_size = 0;     ///< resolved probes in that window (0: loss_ratio is 0)
    uint32_t consecutive_misses = 0;
    uint32_t hold_level = 0;      ///< next hold lasts hold_initial × 2^hold_level (capped)
    nanos held_until{};           ///< meaningful when state == held
    nanos last_reply{};           ///< `now` of the last accepted reply (0: none yet)
    uint64_t sent = 0;            ///< requests sent
    uint64_t replies = 0;         ///< replies accepted (RTT samples)
    uint64_t lost = 0;            ///< requests that timed out
    uint64_t late = 0;            ///< replies that came after their request timed out
    uint64_t duplicates = 0;      ///< replies to an already answered request
    uint64_t down_transitions = 0;
    uint64_t holds = 0;           ///< times the circuit breaker held it
};

/// What on_packet() made of a packet.
enum class probe_disposition : uint8_t {
    malformed,         ///< probe_parse() refused it (see the verdict)
    not_for_us,        ///< destination is not our probe address
    unknown_neighbour, ///< source is not the probe address of a neighbour we probe
    request_answered,  ///< a request: the reply is in the receipt
    reply_accepted,    ///< an RTT sample
    reply_late,        ///< its request had already timed out (counted lost)
    reply_duplicate,   ///< its request was already answered
    reply_unknown,     ///< seq or timestamp matches no request we sent recently
};

/// "malformed", "request_answered", ...
const char* to_string(probe_disposition d) noexcept;

struct probe_receipt {
    probe_disposition disposition = probe_disposition::malformed;
    probe_verdict verdict = probe_verdict::ok;
    std::optional<outgoing_probe> reply; ///< set for request_answered only
};

/// Probes every neighbour once per interval and tracks its liveness, RTT and loss.
/// Single-threaded and clock-free: the caller passes monotonic `now` (non-decreasing) to
/// tick() and on_packet(), which do no I/O; it sends what tick() and on_packet() return and
/// feeds back every probe packet the dataplane delivers to our probe address.
///
/// Requests are answered only for neighbours added here: tunnels are symmetric, so both ends
/// add each other, and the reply's tunnel is then known by key.
class prober {
  public:
    /// @param self our WireGuard public key (our probe address derives from it)
    explicit prober(const crypto::key32& self, const prober_config& cfg = {});

    /// Starts probing a neighbour (state down, first probe at the next tick).
    /// @return false if it is already probed or is ourselves
    bool add(const crypto::key32& neighbour);
    /// Stops probing and forgets its state; no transition is reported.
    /// @return false if it was not probed
    bool remove(const crypto::key32& neighbour);
    bool contains(const crypto::key32& neighbour) const;
    /// The probed neighbours in key order.
    std::vector<crypto::key32> neighbours() const;

    /// Times out unanswered requests, applies state changes and appends to `out` a request for
    /// every neighbour whose interval has elapsed (at most one each per call; after a stall
    /// the schedule restarts from now rather than catching up).
    void tick(nanos now, std::vector<outgoing_probe>& out);

    /// Handles a probe packet addressed to us: answers requests, takes RTT samples from replies.
    probe_receipt on_packet(nanos now, std::span<const uint8_t> pkt);

    /// State and statistics of a neighbour; nullopt if it is not probed.
    std::optional<neighbour_status> status(const crypto::key32& neighbour) const;
    /// The neighbour's RTT histogram; nullptr if it is not probed. Valid until remove().
    const rtt_histogram* histogram(const crypto::key32& neighbour) const;

    /// Transitions since the last call, oldest first.
    std::vector<transition> drain_transitions();

    const probe_addr& address() const noexcept { return _address; }
    const prober_config& config() const noexcept { return _cfg; }
    /// Packets refused by probe_parse(), by verdict (index: the verdict's value).
    uint64_t malformed_count(probe_verdict v) const noexcept;

  private:
    struct pending {
        uint32_t seq = 0;
        uint32_t round = 0; ///< the interval it was sent in (copies share it)
        nanos sent{};
        bool open = false; ///< sent and neither answered nor timed out
        bool answered = false;
    };
    struct neighbour {
        crypto::key32 key{};
        probe_addr address{};
        link_state state = link_state::down;
        bool scheduled = false; ///< false until the first probe is sent
        nanos next_send{};
        uint32_t seq = 0;       ///< last seq sent
        uint32_t round = 0;     ///< last round sent
        // 8 rounds of up to 4 copies: a slot is reused no sooner than 4 intervals (with 50 %
        // jitter) after its probe was sent, the longest reply_timeout allowed.
        std::array<pending, 32> pendings{};
        std::vector<uint8_t> window; ///< 1 = lost; ring of loss_window entries
        uint32_t window_pos = 0;
        uint32_t window_fill = 0;
        uint32_t window_lost = 0;
        uint32_t consecutive_misses = 0;
        bool has_rtt = false;
        nanos rtt_last{}, rtt_ewma{}, rtt_min{};
        rtt_histogram hist;
        std::deque<nanos> downs; ///< up → down transitions within flap_window
        uint32_t hold_level = 0;
        nanos held_until{};
        nanos stable_since{};
        nanos last_reply{};
        bool replied_since_hold = false;
        uint64_t sent = 0, replies = 0, lost = 0, late = 0, duplicates = 0, down_transitions = 0;
        uint64_t holds = 0;
    };

    nanos next_interval() noexcept;
    void set_state(neighbour& n, link_state to, nanos now);
    void record_outcome(neighbour& n, bool lost);
    void time_out(neighbour& n, pending& p, nanos now);
    static bool round_missed(const neighbour& n, uint32_t round);
    bool suspect(const neighbour& n, nanos now) const;
    void send_probe(neighbour& n, nanos now, std::vector<outgoing_probe>& out);
    void go_down(neighbour& n, nanos now);
    void housekeep(neighbour& n, nanos now);

    crypto::key32 _self;
    probe_addr _address;
    prober_config _cfg;
    uint64_t _rng;
    std::map<crypto::key32, neighbour> _neighbours;
    std::map<probe_addr, crypto::key32> _by_address;
    std::vector<transition> _transitions;
    std::array<uint64_t, 16> _malformed{};
};

} // namespace edgerelay::cp::health
