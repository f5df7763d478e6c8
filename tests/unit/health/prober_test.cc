// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The prober on a simulated link and a virtual clock: detection, recovery, RTT and loss,
// circuit breaker, schedule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "controlplane/health/prober.hh"

namespace edgerelay::cp::health {
namespace {

using namespace std::chrono_literals;

crypto::key32 key(uint8_t id)
{
    crypto::key32 k{};
    k.fill(id);
    return k;
}

// No schedule jitter, one probe per round, and a probe is lost one interval after it went out
// (the tests below count in intervals; the default reply timeout of two intervals and the
// suspect copies have their own tests).
prober_config exact()
{
    prober_config c;
    c.jitter_percent = 0;
    c.reply_timeout = c.interval;
    c.suspect_copies = 1; // one probe per round: the copies have their own tests
    return c;
}

// Two or more probers joined by links with a one-way delay and seeded loss, stepped in 1 ms
// ticks: every due packet is delivered first, then every prober ticks.
struct network {
    struct flight {
        size_t to;
        std::array<uint8_t, probe_packet_len> pkt;
    };
    std::vector<std::unique_ptr<prober>> nodes;
    std::map<crypto::key32, size_t> index;
    std::multimap<nanos, flight> in_flight;
    nanos now = 1000s;
    nanos delay = 5ms;
    double loss = 0;   // each direction, each packet
    bool cut = false;  // drop everything
    std::mt19937_64 rng{42};
    std::vector<probe_receipt> receipts; // of the packets delivered to node 0
    // For node 0's requests: seq → (request delivered, reply delivered).
    std::map<uint32_t, std::pair<bool, bool>> fate;
    uint64_t requests_from_0 = 0;

    size_t add_node(uint8_t id, const prober_config& cfg = exact())
    {
        nodes.push_back(std::make_unique<prober>(key(id), cfg));
        index[key(id)] = nodes.size() - 1;
        return nodes.size() - 1;
    }
    void connect(size_t a, size_t b)
    {
        nodes[a]->add(key_of(b));
        nodes[b]->add(key_of(a));
    }
    crypto::key32 key_of(size_t i) const
    {
        for (const auto& [k, v] : index) {
            if (v == i) {
                return k;
            }
        }
        return {};
    }
    void send(size_t from, const outgoing_probe& o)
    {
        const bool dropped = cut || (loss > 0 && std::uniform_real_distribution<>(0, 1)(rng) < loss);
        probe_message m;
        EXPECT_EQ(probe_parse(o.packet, m), probe_verdict::ok);
        if (from == 0 && m.type == probe_type::request) {
            ++requests_from_0;
            fate[m.seq].first = !dropped;
        } else if (m.type == probe_type::reply && index[o.neighbour] == 0) {
            fate[m.seq].second = !dropped;
        }
        if (!dropped) {
            in_flight.emplace(now + delay, flight{index.at(o.neighbour), o.packet});
        }
    }
    void step()
    {
        while (!in_flight.empty() && in_flight.begin()->first <= now) {
            const flight f = in_flight.begin()->second;
            in_flight.erase(in_flight.begin());
            probe_receipt r = nodes[f.to]->on_packet(now, f.pkt);
            if (r.reply) {
                send(f.to, *r.reply);
            }
            if (f.to == 0) {
                receipts.push_back(r);
            }
        }
        for (size_t i = 0; i < nodes.size(); ++i) {
            std::vector<outgoing_probe> out;
            nodes[i]->tick(now, out);
            for (const auto& o : out) {
                send(i, o);
            }
        }
    }
    void run_for(nanos d)
    {
        const nanos end = now + d;
        while (now < end) {
            step();
            now += 1ms;
        }
    }
    link_state state(size_t of, size_t about) const
    {
        return nodes[of]->status(key_of(about))->state;
    }
};

TEST(prober, neighbour_starts_down_and_comes_up_on_first_reply)
{
    network n;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    EXPECT_EQ(n.state(0, 1), link_state::down);
    const nanos start = n.now;
    n.run_for(9ms);
    EXPECT_EQ(n.state(0, 1), link_state::down);
    n.run_for(2ms);
    EXPECT_EQ(n.state(0, 1), link_state::up);
    auto t = n.nodes[0]->drain_transitions();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].neighbour, key(2));
    EXPECT_EQ(t[0].from, link_state::down);
    EXPECT_EQ(t[0].to, link_state::up);
    EXPECT_EQ(t[0].at, start + 10ms); // first probe at start, 5 ms each way
    EXPECT_TRUE(n.nodes[0]->drain_transitions().empty());
}

TEST(prober, down_after_exactly_three_missed_intervals_then_recovers)
{
    network n;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    const nanos start = n.now;
    n.run_for(1s + 20ms); // probes at start + k × 100 ms; the one at +1 s answered at +1.01 s
    n.nodes[0]->drain_transitions();
    ASSERT_EQ(n.state(0, 1), link_state::up);
    n.cut = true;
    // Unanswered probes go out at +1.1, +1.2, +1.3 s; each is lost one interval later.
    n.run_for(start + 1300ms - n.now + 1ms); // through +1.3 s: two lost
    auto s = *n.nodes[0]->status(key(2));
    EXPECT_EQ(s.consecutive_misses, 2u);
    EXPECT_EQ(s.state, link_state::up);
    n.run_for(start + 1400ms - n.now); // up to, not including, +1.4 s
    EXPECT_EQ(n.state(0, 1), link_state::up);
    n.run_for(1ms); // the tick at +1.4 s times out the third
    EXPECT_EQ(n.state(0, 1), link_state::down);
    auto t = n.nodes[0]->drain_transitions();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].to, link_state::down);
    EXPECT_EQ(t[0].at, start + 1400ms);

    n.run_for(500ms);
    n.cut = false;
    const nanos healed = n.now;
    n.run_for(120ms);
    EXPECT_EQ(n.state(0, 1), link_state::up);
    t = n.nodes[0]->drain_transitions();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].from, link_state::down);
    EXPECT_EQ(t[0].to, link_state::up);
    EXPECT_LE(t[0].at, healed + 110ms);
}

TEST(prober, reply_timeout_defaults_to_two_intervals_and_is_clamped)
{
    prober_config c;
    EXPECT_EQ(prober(key(1), c).config().reply_timeout, 200ms);
    c.reply_timeout = 250ms;
    EXPECT_EQ(prober(key(1), c).config().reply_timeout, 250ms);
    c.reply_timeout = 1s; // beyond 4 intervals a request's slot would be reused while open
    EXPECT_EQ(prober(key(1), c).config().reply_timeout, 400ms);
    c.reply_timeout = 1ns;
    EXPECT_EQ(prober(key(1), c).config().reply_timeout, 1ms);
}

TEST(prober, rtt_above_the_interval_is_not_lost_with_a_longer_reply_timeout)
{
    // A 150 ms RTT (a long link, or a short one with jitter) against 100 ms probes: with the
    // reply timeout tied to the interval every reply is late and the neighbour never comes
    // up; with the 200 ms default it is up, answered every time, and measured.
    for (const nanos timeout : {100ms, 200ms}) {
        network n;
        n.delay = 75ms;
        prober_config c = exact();
        c.reply_timeout = timeout;
        n.add_node(1, c);
        n.add_node(2, c);
        n.connect(0, 1);
        n.run_for(10s);
        const auto s = *n.nodes[0]->status(key(2));
        if (timeout == 100ms) {
            EXPECT_EQ(s.state, link_state::down);
            EXPECT_EQ(s.replies, 0u);
            EXPECT_GE(s.late, 90u);
        } else {
            EXPECT_EQ(s.state, link_state::up);
            EXPECT_EQ(s.late, 0u);
            EXPECT_EQ(s.lost, 0u);
            EXPECT_GE(s.replies, 98u); // the last two may still be in flight
            EXPECT_EQ(s.rtt_last, 150ms);
            EXPECT_EQ(s.down_transitions, 0u);
        }
    }
}

TEST(prober, detection_with_a_longer_reply_timeout)
{
    // Probes at start + k × 100 ms, 5 ms each way, reply timeout 200 ms. Cut after the probe
    // at +1 s was answered: the probes of +1.1, +1.2, +1.3 s are lost at +1.3, +1.4, +1.5 s,
    // so the third miss (the down) is at +1.5 s.
    network n;
    prober_config c = exact();
    c.reply_timeout = 200ms;
    n.add_node(1, c);
    n.add_node(2, c);
    n.connect(0, 1);
    const nanos start = n.now;
    n.run_for(1s + 20ms);
    n.nodes[0]->drain_transitions();
    ASSERT_EQ(n.state(0, 1), link_state::up);
    n.cut = true;
    n.run_for(start + 1500ms - n.now);
    EXPECT_EQ(n.nodes[0]->status(key(2))->consecutive_misses, 2u);
    EXPECT_EQ(n.state(0, 1), link_state::up);
    n.run_for(1ms);
    EXPECT_EQ(n.state(0, 1), link_state::down);
    auto t = n.nodes[0]->drain_transitions();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].at, start + 1500ms);
}

TEST(prober, rtt_is_measured_exactly_and_smoothed)
{
    network n;
    n.delay = 7ms;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    n.run_for(1s);
    auto s = *n.nodes[0]->status(key(2));
    ASSERT_TRUE(s.has_rtt);
    EXPECT_EQ(s.rtt_last, 14ms);
    EXPECT_EQ(s.rtt_min, 14ms);
    EXPECT_EQ(s.rtt_ewma, 14ms);
    // The delay grows: the EWMA follows with weight 1/8 per sample, as a model computes.
    n.delay = 23ms;
    n.run_for(50ms); // drain what is in flight at the old delay
    double model = static_cast<double>(n.nodes[0]->status(key(2))->rtt_ewma.count());
    const uint64_t before = n.nodes[0]->status(key(2))->replies;
    n.run_for(1s);
    s = *n.nodes[0]->status(key(2));
    for (uint64_t i = before; i < s.replies; ++i) {
        model += (46e6 - model) / 8;
    }
    EXPECT_EQ(s.rtt_last, 46ms);
    EXPECT_EQ(s.rtt_min, 14ms);
    EXPECT_NEAR(static_cast<double>(s.rtt_ewma.count()), model, 10.0); // integer rounding
    EXPECT_GT(s.rtt_ewma, 30ms);
    EXPECT_EQ(s.loss_ratio, 0.0);
}

TEST(prober, histogram_buckets_follow_prometheus_le)
{
    rtt_histogram h;
    h.observe(100us);  // exactly on 0.0001: le="0.0001"
    h.observe(101us);  // next bucket
    h.observe(14ms);   // le="0.025"
    h.observe(2s);     // +Inf
    h.observe(-5ns);   // clamps to 0
    EXPECT_EQ(h.bucket(0), 2u);
    EXPECT_EQ(h.bucket(1), 1u);
    EXPECT_EQ(h.bucket(7), 1u);
    EXPECT_EQ(h.bucket(rtt_histogram::bucket_count - 1), 1u);
    EXPECT_EQ(h.cumulative(6), 3u);
    EXPECT_EQ(h.cumulative(7), 4u);
    EXPECT_EQ(h.cumulative(rtt_histogram::bucket_count - 1), 5u);
    EXPECT_EQ(h.count(), 5u);
    EXPECT_NEAR(h.sum_seconds(), 2.014201, 1e-9);

    network n;
    n.delay = 7ms;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    n.run_for(1s);
    const rtt_histogram* ph = n.nodes[0]->histogram(key(2));
    ASSERT_NE(ph, nullptr);
    EXPECT_EQ(ph->count(), n.nodes[0]->status(key(2))->replies);
    EXPECT_EQ(ph->bucket(7), ph->count()); // 14 ms: in (0.01, 0.025]
    EXPECT_EQ(n.nodes[0]->histogram(key(9)), nullptr);
}

TEST(prober, loss_ratio_matches_the_link_over_the_last_window)
{
    network n;
    n.loss = 0.1; // each way: a probe is lost with 1 - 0.9² = 19 %
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    n.run_for(200s);
    const auto s = *n.nodes[0]->status(key(2));
    // The window holds the last 100 resolved probes; with 10 ms RTT < interval they resolve
    // in seq order, so only the newest probe can still be unresolved.
    ASSERT_EQ(s.window_size, 100u);
    std::vector<bool> lost;
    for (const auto& [seq, f] : n.fate) {
        lost.push_back(!(f.first && f.second));
    }
    ASSERT_EQ(lost.size(), s.sent);
    const uint64_t open = s.sent - s.replies - s.lost;
    ASSERT_LE(open, 1u);
    lost.resize(lost.size() - open);
    int expect = 0;
    for (size_t i = lost.size() - 100; i < lost.size(); ++i) {
        expect += lost[i] ? 1 : 0;
    }
    EXPECT_DOUBLE_EQ(s.loss_ratio, expect / 100.0);
    // Over the whole run, lost / sent is near 19 %.
    const double overall = static_cast<double>(s.lost) / static_cast<double>(s.sent - open);
    EXPECT_NEAR(overall, 0.19, 0.03);
}

TEST(prober, exactly_one_probe_per_interval_per_neighbour)
{
    network n;
    n.add_node(1);
    for (uint8_t id = 2; id <= 4; ++id) {
        n.connect(0, n.add_node(id));
    }
    n.run_for(10s);
    for (uint8_t id = 2; id <= 4; ++id) {
        EXPECT_EQ(n.nodes[0]->status(key(id))->sent, 100u);
        EXPECT_EQ(n.nodes[0]->status(key(id))->lost, 0u);
    }
    // A stalled loop (no tick for 5 s) sends one probe per neighbour, not fifty.
    n.now += 5s;
    std::vector<outgoing_probe> out;
    n.nodes[0]->tick(n.now, out);
    EXPECT_EQ(out.size(), 3u);
    out.clear();
    n.nodes[0]->tick(n.now + 1ms, out);
    n.nodes[0]->tick(n.now + 99ms, out);
    EXPECT_TRUE(out.empty());
    n.nodes[0]->tick(n.now + 100ms, out);
    EXPECT_EQ(out.size(), 3u);
}

TEST(prober, jitter_is_bounded_and_reproducible_from_the_seed)
{
    auto schedule = [](uint64_t seed) {
        prober_config c;
        c.jitter_percent = 10;
        c.seed = seed;
        c.suspect_copies = 1; // nobody answers: every round is suspect
        prober p(key(1), c);
        p.add(key(2));
        std::vector<nanos> sent;
        std::vector<outgoing_probe> out;
        for (nanos t = 0ms; t < 20s; t += 1ms) {
            out.clear();
            p.tick(t, out);
            EXPECT_LE(out.size(), 1u);
            if (!out.empty()) {
                sent.push_back(t);
            }
        }
        return sent;
    };
    const auto a = schedule(1);
    EXPECT_EQ(a, schedule(1));
    EXPECT_NE(a, schedule(2));
    // 90..100 ms apart (plus the 1 ms tick granularity), so 200..223 probes in 20 s.
    EXPECT_GE(a.size(), 200u);
    EXPECT_LE(a.size(), 224u);
    for (size_t i = 1; i < a.size(); ++i) {
        EXPECT_GE(a[i] - a[i - 1], 89ms);
        EXPECT_LE(a[i] - a[i - 1], 101ms);
    }
}

// Brings the link up, then cuts it until node 0 sees the neighbour leave `up`.
nanos flap_once(network& n)
{
    n.cut = false;
    while (n.state(0, 1) != link_state::up) {
        n.run_for(1ms);
    }
    n.cut = true;
    while (n.state(0, 1) == link_state::up) {
        n.run_for(1ms);
    }
    return n.now - 1ms; // the tick that took it down
}

TEST(prober, circuit_breaker_backs_off_exponentially_and_decays)
{
    network n;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    n.run_for(50ms);

    // The first two downs within 60 s are plain downs.
    flap_once(n);
    EXPECT_EQ(n.state(0, 1), link_state::down);
    flap_once(n);
    EXPECT_EQ(n.state(0, 1), link_state::down);
    // From the third on: held 1, 2, 4 ... s, capped at 60 s.
    const std::vector<nanos> expect = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s};
    for (nanos hold : expect) {
        const nanos at = flap_once(n);
        auto s = *n.nodes[0]->status(key(2));
        ASSERT_EQ(s.state, link_state::held) << hold.count();
        EXPECT_EQ(s.held_until - at, hold);
        n.cut = false; // healthy during the hold: it stays held until the end, then comes up
        n.run_for(s.held_until - n.now);
        EXPECT_EQ(n.state(0, 1), link_state::held);
        n.run_for(1ms);
        EXPECT_EQ(n.state(0, 1), link_state::up);
    }
    auto t = n.nodes[0]->drain_transitions();
    EXPECT_EQ(t.back().from, link_state::held);
    EXPECT_EQ(t.back().to, link_state::up);
    EXPECT_EQ(n.nodes[0]->status(key(2))->hold_level, 6u);
    EXPECT_EQ(n.nodes[0]->status(key(2))->holds, expect.size());
    EXPECT_EQ(n.nodes[0]->status(key(2))->down_transitions, expect.size() + 2);

    // Stable for 60 s: one step back (next hold 32 s); after that hold and 5 × 60 s more: 2 s.
    n.run_for(60s);
    EXPECT_EQ(n.nodes[0]->status(key(2))->hold_level, 5u);
    nanos at = flap_once(n);
    EXPECT_EQ(n.nodes[0]->status(key(2))->held_until - at, 32s);
    n.cut = false;
    n.run_for(32s + 1ms);
    ASSERT_EQ(n.state(0, 1), link_state::up);
    n.run_for(5 * 60s);
    EXPECT_EQ(n.nodes[0]->status(key(2))->hold_level, 1u);
    at = flap_once(n);
    EXPECT_EQ(n.nodes[0]->status(key(2))->held_until - at, 2s);
    n.cut = false;
    n.run_for(2s + 1ms);
    ASSERT_EQ(n.state(0, 1), link_state::up);
    // Fully decayed (2 × 60 s): the breaker is disarmed and a single down is plain again.
    n.run_for(2 * 60s);
    EXPECT_EQ(n.nodes[0]->status(key(2))->hold_level, 0u);
    flap_once(n);
    EXPECT_EQ(n.state(0, 1), link_state::down);
}

TEST(prober, hold_ends_down_when_the_neighbour_is_still_dead)
{
    network n;
    n.add_node(1);
    n.add_node(2);
    n.connect(0, 1);
    n.run_for(50ms);
    flap_once(n);
    flap_once(n);
    const nanos at = flap_once(n);
    ASSERT_EQ(n.state(0, 1), link_state::held);
    n.run_for(at + 1s - n.now + 1ms); // still cut
    EXPECT_EQ(n.state(0, 1), link_state::down);
    auto t = n.nodes[0]->drain_transitions();
    EXPECT_EQ(t.back().from, link_state::held);
    EXPECT_EQ(t.back().to, link_state::down);
    EXPECT_EQ(t.back().at, at + 1s);
}

TEST(prober, late_duplicate_unknown_and_stray_packets)
{
    prober a(key(1), exact());
    prober b(key(2), exact());
    a.add(key(2));
    b.add(key(1));
    std::vector<outgoing_probe> out;
    nanos t = 10s;
    a.tick(t, out);
    ASSERT_EQ(out.size(), 1u);
    auto rb = b.on_packet(t + 1ms, out[0].packet);
    ASSERT_EQ(rb.disposition, probe_disposition::request_answered);
    ASSERT_TRUE(rb.reply);
    EXPECT_EQ(rb.reply->neighbour, key(1));
    EXPECT_EQ(a.on_packet(t + 2ms, rb.reply->packet).disposition, probe_disposition::reply_accepted);
    EXPECT_EQ(a.on_packet(t + 3ms, rb.reply->packet).disposition, probe_disposition::reply_duplicate);
    EXPECT_EQ(a.status(key(2))->rtt_last, 2ms);
    EXPECT_EQ(a.status(key(2))->last_reply, t + 2ms);
    EXPECT_EQ(a.status(key(2))->duplicates, 1u);

    // A reply after its request's interval is late, and the probe counts as lost.
    out.clear();
    a.tick(t + 100ms, out);
    ASSERT_EQ(out.size(), 1u);
    rb = b.on_packet(t + 101ms, out[0].packet);
    EXPECT_EQ(a.on_packet(t + 200ms, rb.reply->packet).disposition, probe_disposition::reply_late);
    auto s = *a.status(key(2));
    EXPECT_EQ(s.late, 1u);
    EXPECT_EQ(s.lost, 1u);
    EXPECT_EQ(s.replies, 1u);

    // A reply to a request never sent (forged seq or timestamp).
    probe_message m;
    ASSERT_EQ(probe_parse(rb.reply->packet, m), probe_verdict::ok);
    m.seq = 77;
    EXPECT_EQ(a.on_packet(t + 201ms, probe_build(m)).disposition, probe_disposition::reply_unknown);
    ASSERT_EQ(probe_parse(rb.reply->packet, m), probe_verdict::ok);
    m.timestamp_ns += 1;
    EXPECT_EQ(a.on_packet(t + 201ms, probe_build(m)).disposition, probe_disposition::reply_unknown);

    // A request from a relay we do not probe, one for another relay, and garbage.
    m = {};
    m.src = probe_address(key(3));
    m.dst = a.address();
    EXPECT_EQ(a.on_packet(t, probe_build(m)).disposition, probe_disposition::unknown_neighbour);
    m.src = probe_address(key(2));
    m.dst = probe_address(key(3));
    EXPECT_EQ(a.on_packet(t, probe_build(m)).disposition, probe_disposition::not_for_us);
    const uint8_t junk[5] = {1, 2, 3, 4, 5};
    auto r = a.on_packet(t, junk);
    EXPECT_EQ(r.disposition, probe_disposition::malformed);
    EXPECT_EQ(r.verdict, probe_verdict::bad_length);
    EXPECT_FALSE(r.reply);
    EXPECT_EQ(a.malformed_count(probe_verdict::bad_length), 1u);
    EXPECT_EQ(a.on_packet(t, {}).disposition, probe_disposition::malformed);
    EXPECT_EQ(a.status(key(2))->state, link_state::up);
}

// The defaults (reply timeout two intervals, two copies per suspect round) without jitter.
prober_config defaults_exact()
{
    prober_config c;
    c.jitter_percent = 0;
    return c;
}

TEST(prober, a_suspect_round_sends_copies_and_a_dead_neighbour_goes_down_as_fast_as_before)
{
    network n;
    n.add_node(1, defaults_exact());
    n.add_node(2, defaults_exact());
    n.connect(0, 1);
    n.run_for(2s);
    ASSERT_EQ(n.state(0, 1), link_state::up);
    // A healthy path answers within the interval: one probe per round, never a copy.
    EXPECT_EQ(n.nodes[0]->status(n.key_of(1))->sent, 20u);
    const uint64_t before = n.requests_from_0;
    n.cut = true;
    const nanos cut_at = n.now;
    nanos down_at{};
    while (n.now < cut_at + 2s && down_at == nanos{}) {
        n.step();
        if (n.state(0, 1) != link_state::up) {
            down_at = n.now;
        }
        n.now += 1ms;
    }
    ASSERT_NE(down_at, nanos{}) << "a dead neighbour must go down";
    // Three missed rounds and the reply timeout, as with one probe per round: the copies
    // cost no detection time. Rounds after the first unanswered one carry two probes.
    EXPECT_LE(down_at - cut_at, 500ms);
    EXPECT_GE(down_at - cut_at, 300ms);
    const uint64_t sent = n.requests_from_0 - before;
    EXPECT_GE(sent, 2u * 3u) << "copies while suspect";
    EXPECT_LE(sent, 2u * 6u);
    // Back: the first answer brings it up (after the hold if any), then one probe per round.
    n.cut = false;
    n.run_for(3s);
    ASSERT_EQ(n.state(0, 1), link_state::up);
    const uint64_t healthy_from = n.requests_from_0;
    n.run_for(1s);
    EXPECT_EQ(n.requests_from_0 - healthy_from, 10u);
}

TEST(prober, one_answered_copy_saves_its_round)
{
    // 20 % loss per direction (a round trip loses 36 %) for 300 s: enough unlucky single probes
    // in a row are common (measured: 50 downs), rounds whose copies all fail are not (2).
    auto downs = [](uint32_t copies) {
        network n;
        n.loss = 0.20;
        prober_config c = defaults_exact();
        c.suspect_copies = copies;
        c.flap_threshold = 1'000'000; // count every down: no circuit breaker holds
        n.add_node(1, c);
        n.add_node(2, c);
        n.connect(0, 1);
        n.run_for(300s);
        const auto st = n.nodes[0]->status(n.key_of(1));
        EXPECT_NEAR(st->loss_ratio, 0.36, 0.1); // loss is still measured per probe
        std::printf("copies %u: %llu probes, %llu lost, %llu downs over 300 s\n", copies,
                    (unsigned long long)st->sent, (unsigned long long)st->lost,
                    (unsigned long long)st->down_transitions);
        return st->down_transitions;
    };
    const uint64_t single = downs(1), doubled = downs(2);
    EXPECT_GE(single, 10u) << "the test must be able to see spurious downs";
    EXPECT_LE(doubled * 5, single) << "copies: " << doubled << " downs, single probes: " << single;
}

TEST(prober, add_remove_and_membership)
{
    prober p(key(1), exact());
    EXPECT_FALSE(p.add(key(1))); // ourselves
    EXPECT_TRUE(p.add(key(3)));
    EXPECT_TRUE(p.add(key(2)));
    EXPECT_FALSE(p.add(key(2)));
    EXPECT_EQ(p.neighbours(), (std::vector<crypto::key32>{key(2), key(3)}));
    std::vector<outgoing_probe> out;
    p.tick(1s, out);
    EXPECT_EQ(out.size(), 2u);
    EXPECT_EQ(p.address(), probe_address(key(1)));
    EXPECT_TRUE(p.remove(key(2)));
    EXPECT_FALSE(p.remove(key(2)));
    EXPECT_FALSE(p.status(key(2)));
    out.clear();
    p.tick(2s, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].neighbour, key(3));
    EXPECT_TRUE(p.drain_transitions().empty());
}

} // namespace
} // namespace edgerelay::cp::health
