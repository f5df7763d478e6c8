// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// BFD-like liveness and latency probing of tunnel neighbours, with a flap circuit breaker.
#include "controlplane/health/prober.hh"

#include <algorithm>

namespace edgerelay::cp::health {

namespace {

uint64_t splitmix64(uint64_t& state) noexcept
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

} // namespace

const char* to_string(link_state s) noexcept
{
    switch (s) {
    case link_state::down: return "down";
    case link_state::up: return "up";
    case link_state::held: return "held";
    }
    return "unknown";
}

const char* to_string(probe_disposition d) noexcept
{
    switch (d) {
    case probe_disposition::malformed: return "malformed";
    case probe_disposition::not_for_us: return "not_for_us";
    case probe_disposition::unknown_neighbour: return "unknown_neighbour";
    case probe_disposition::request_answered: return "request_answered";
    case probe_disposition::reply_accepted: return "reply_accepted";
    case probe_disposition::reply_late: return "reply_late";
    case probe_disposition::reply_duplicate: return "reply_duplicate";
    case probe_disposition::reply_unknown: return "reply_unknown";
    }
    return "unknown";
}

prober::prober(const crypto::key32& self, const prober_config& cfg)
    : _self(self), _address(probe_address(self)), _cfg(cfg), _rng(cfg.seed)
{
    // Sanitise so that no configuration can stall or storm the loop.
    if (_cfg.interval < std::chrono::milliseconds(1)) {
        _cfg.interval = std::chrono::milliseconds(1);
    }
    if (_cfg.reply_timeout <= nanos{0}) {
        _cfg.reply_timeout = 2 * _cfg.interval;
    }
    _cfg.reply_timeout = std::clamp(_cfg.reply_timeout, nanos{std::chrono::milliseconds(1)},
                                    4 * _cfg.interval);
    _cfg.detect_multiplier = std::max<uint32_t>(_cfg.detect_multiplier, 1);
    _cfg.suspect_copies = std::clamp<uint32_t>(_cfg.suspect_copies, 1, 4);
    _cfg.jitter_percent = std::min<uint32_t>(_cfg.jitter_percent, 50);
    _cfg.loss_window = std::clamp<uint32_t>(_cfg.loss_window, 1, 100'000);
    _cfg.flap_threshold = std::max<uint32_t>(_cfg.flap_threshold, 1);
    _cfg.hold_initial = std::max(_cfg.hold_initial, nanos{0});
    _cfg.hold_max = std::max(_cfg.hold_max, _cfg.hold_initial);
    _cfg.hold_decay = std::max(_cfg.hold_decay, nanos{1});
}

bool prober::add(const crypto::key32& key)
{
    if (key == _self || _neighbours.contains(key)) {
        return false;
    }
    neighbour n;
    n.key = key;
    n.address = probe_address(key);
    n.window.assign(_cfg.loss_window, 0);
    _by_address[n.address] = key;
    _neighbours.emplace(key, std::move(n));
    return true;
}

bool prober::remove(const crypto::key32& key)
{
    auto it = _neighbours.find(key);
    if (it == _neighbours.end()) {
        return false;
    }
    _by_address.erase(it->second.address);
    _neighbours.erase(it);
    return true;
}

bool prober::contains(const crypto::key32& key) const
{
    return _neighbours.contains(key);
}

std::vector<crypto::key32> prober::neighbours() const
{
    std::vector<crypto::key32> keys;
    keys.reserve(_neighbours.size());
    for (const auto& [k, n] : _neighbours) {
        keys.push_back(k);
    }
    return keys;
}

nanos prober::next_interval() noexcept
{
    const int64_t base = _cfg.interval.count();
    const auto max_jitter = static_cast<uint64_t>(base / 100 * _cfg.jitter_percent);
    if (max_jitter == 0) {
        return _cfg.interval;
    }
    return nanos{base - static_cast<int64_t>(splitmix64(_rng) % (max_jitter + 1))};
}

void prober::set_state(neighbour& n, link_state to, nanos now)
{
    if (n.state == to) {
        return;
    }
    _transitions.push_back({n.key, n.state, to, now});
    n.state = to;
}

void prober::record_outcome(neighbour& n, bool lost)
{
    uint8_t& slot = n.window[n.window_pos];
    if (n.window_fill == n.window.size()) {
        n.window_lost -= slot; // the oldest outcome leaves the window
    } else {
        ++n.window_fill;
    }
    slot = lost ? 1 : 0;
    n.window_lost += slot;
    n.window_pos = (n.window_pos + 1) % static_cast<uint32_t>(n.window.size());
}

void prober::go_down(neighbour& n, nanos now)
{
    ++n.down_transitions;
    n.stable_since = now;
    while (!n.downs.empty() && n.downs.front() + _cfg.flap_window <= now) {
        n.downs.pop_front();
    }
    n.downs.push_back(now);
    // Circuit breaker: the flap_threshold-th down within flap_window trips it; while a penalty
    // remains (hold_level > 0, decaying with stability) any down trips it again. Without the
    // second rule a hold longer than flap_window would make the breaker forget the flapping.
    if (n.downs.size() >= _cfg.flap_threshold || n.hold_level > 0) {
        // Hold for hold_initial × 2^level, capped; each hold doubles the next.
        nanos hold = _cfg.hold_initial;
        for (uint32_t i = 0; i < n.hold_level && hold < _cfg.hold_max; ++i) {
            hold = std::min(_cfg.hold_max, hold * 2);
        }
        if (hold < _cfg.hold_max) {
            ++n.hold_level; // no further growth is possible once at the cap
        }
        n.held_until = now + hold;
        n.replied_since_hold = false;
        ++n.holds;
        set_state(n, link_state::held, now);
        return;
    }
    set_state(n, link_state::down, now);
}

// A round is missed once every probe sent in it is resolved and none was answered.
bool prober::round_missed(const neighbour& n, uint32_t round)
{
    for (const auto& c : n.pendings) {
        if (c.round == round && c.seq != 0 && (c.open || c.answered)) {
            return false;
        }
    }
    return true;
}

// Suspect: the last round's probes are still unanswered one interval after they left (a
// healthy path answers well within an interval), or the neighbour missed a round already.
bool prober::suspect(const neighbour& n, nanos now) const
{
    if (n.consecutive_misses > 0) {
        return true;
    }
    for (const auto& c : n.pendings) {
        if (c.round == n.round && c.seq != 0 && c.open && now - c.sent >= _cfg.interval / 2) {
            return true;
        }
    }
    return false;
}

void prober::time_out(neighbour& n, pending& p, nanos now)
{
    p.open = false;
    ++n.lost;
    record_outcome(n, true); // loss is measured per probe, misses per round
    if (!round_missed(n, p.round)) {
        return;
    }
    ++n.consecutive_misses;
    if (n.state == link_state::up && n.consecutive_misses >= _cfg.detect_multiplier) {
        go_down(n, now);
    }
}

void prober::housekeep(neighbour& n, nanos now)
{
    for (auto& p : n.pendings) {
        if (p.open && now >= p.sent + _cfg.reply_timeout) {
            time_out(n, p, now);
        }
    }
    if (n.state == link_state::held && now >= n.held_until) {
        n.stable_since = n.held_until;
        // Back in service only if it answered during the hold and is answering now.
        const bool healthy = n.replied_since_hold && n.consecutive_misses == 0;
        set_state(n, healthy ? link_state::up : link_state::down, now);
    }
    if (n.state != link_state::held) {
        while (n.hold_level > 0 && now - n.stable_since >= _cfg.hold_decay) {
            --n.hold_level;
            n.stable_since += _cfg.hold_decay;
        }
    }
}

void prober::tick(nanos now, std::vector<outgoing_probe>& out)
{
    for (auto& [key, n] : _neighbours) {
        housekeep(n, now);
        if (n.scheduled && now < n.next_send) {
            continue;
        }
        // One probe per interval: advance the schedule by one interval, and restart it from
        // now after a stall instead of sending the missed ones in a burst.
        n.next_send = n.scheduled ? n.next_send + next_interval() : now + next_interval();
        if (n.next_send <= now) {
            n.next_send = now + next_interval();
        }
        n.scheduled = true;
        const uint32_t copies = suspect(n, now) ? _cfg.suspect_copies : 1;
        ++n.round;
        for (uint32_t c = 0; c < copies; ++c) {
            send_probe(n, now, out);
        }
    }
}

void prober::send_probe(neighbour& n, nanos now, std::vector<outgoing_probe>& out)
{
    pending& p = n.pendings[++n.seq % n.pendings.size()];
    if (p.open) {
        p.round = 0; // its round is judged alone: cannot happen within the clamps, kept for safety
        time_out(n, p, now);
    }
    p = {n.seq, n.round, now, true, false};
    ++n.sent;
    probe_message m;
    m.type = probe_type::request;
    m.seq = n.seq;
    m.timestamp_ns = static_cast<uint64_t>(now.count());
    m.src = _address;
    m.dst = n.address;
    out.push_back({n.key, probe_build(m)});
}

probe_receipt prober::on_packet(nanos now, std::span<const uint8_t> pkt)
{
    probe_receipt r;
    probe_message m;
    r.verdict = probe_parse(pkt, m);
    if (r.verdict != probe_verdict::ok) {
        const auto i = static_cast<size_t>(r.verdict);
        if (i < _malformed.size()) {
            ++_malformed[i];
        }
        r.disposition = probe_disposition::malformed;
        return r;
    }
    if (m.dst != _address) {
        r.disposition = probe_disposition::not_for_us;
        return r;
    }
    auto a = _by_address.find(m.src);
    if (a == _by_address.end()) {
        r.disposition = probe_disposition::unknown_neighbour;
        return r;
    }
    neighbour& n = _neighbours.at(a->second);

    if (m.type == probe_type::request) {
        probe_message reply = m;
        reply.type = probe_type::reply;
        reply.src = _address;
        reply.dst = n.address;
        r.disposition = probe_disposition::request_answered;
        r.reply = outgoing_probe{n.key, probe_build(reply)};
        return r;
    }

    // A reply: match it to a request we sent, by seq and our own timestamp.
    pending* p = nullptr;
    for (auto& c : n.pendings) {
        if (c.seq == m.seq && c.seq != 0 && static_cast<uint64_t>(c.sent.count()) == m.timestamp_ns) {
            p = &c;
        }
    }
    if (p == nullptr) {
        // Older than our memory of requests (necessarily timed out) or never sent by us.
        const bool older = m.seq != 0 && m.seq <= n.seq && n.seq - m.seq >= n.pendings.size() &&
                           m.timestamp_ns <= static_cast<uint64_t>(now.count());
        if (older) {
            ++n.late;
            r.disposition = probe_disposition::reply_late;
        } else {
            r.disposition = probe_disposition::reply_unknown;
        }
        return r;
    }
    if (p->open && now >= p->sent + _cfg.reply_timeout) {
        time_out(n, *p, now); // tick() has not run yet, but its deadline has passed
    }
    if (!p->open) {
        if (p->answered) {
            ++n.duplicates;
            r.disposition = probe_disposition::reply_duplicate;
        } else {
            ++n.late;
            r.disposition = probe_disposition::reply_late;
        }
        return r;
    }

    p->open = false;
    p->answered = true;
    const nanos rtt = std::max(now - p->sent, nanos{0}); // a caller whose clock went back
    n.rtt_last = rtt;
    if (!n.has_rtt) {
        n.rtt_ewma = rtt;
        n.rtt_min = rtt;
        n.has_rtt = true;
    } else {
        n.rtt_ewma += (rtt - n.rtt_ewma) / 8;
        n.rtt_min = std::min(n.rtt_min, rtt);
    }
    n.hist.observe(rtt);
    ++n.replies;
    n.consecutive_misses = 0;
    n.last_reply = now;
    record_outcome(n, false);
    if (n.state == link_state::held) {
        n.replied_since_hold = true;
    } else if (n.state == link_state::down) {
        set_state(n, link_state::up, now);
    }
    r.disposition = probe_disposition::reply_accepted;
    return r;
}

std::optional<neighbour_status> prober::status(const crypto::key32& key) const
{
    auto it = _neighbours.find(key);
    if (it == _neighbours.end()) {
        return std::nullopt;
    }
    const neighbour& n = it->second;
    neighbour_status s;
    s.state = n.state;
    s.address = n.address;
    s.has_rtt = n.has_rtt;
    s.rtt_last = n.rtt_last;
    s.rtt_ewma = n.rtt_ewma;
    s.rtt_min = n.rtt_min;
    s.window_size = n.window_fill;
    s.loss_ratio = n.window_fill == 0 ? 0.0
                                      : static_cast<double>(n.window_lost) / n.window_fill;
    s.consecutive_misses = n.consecutive_misses;
    s.hold_level = n.hold_level;
    s.held_until = n.held_until;
    s.last_reply = n.last_reply;
    s.sent = n.sent;
    s.replies = n.replies;
    s.lost = n.lost;
    s.late = n.late;
    s.duplicates = n.duplicates;
    s.down_transitions = n.down_transitions;
    s.holds = n.holds;
    return s;
}

const rtt_histogram* prober::histogram(const crypto::key32& key) const
{
    auto it = _neighbours.find(key);
    return it == _neighbours.end() ? nullptr : &it->second.hist;
}

std::vector<transition> prober::drain_transitions()
{
    std::vector<transition> t;
    t.swap(_transitions);
    return t;
}

uint64_t prober::malformed_count(probe_verdict v) const noexcept
{
    const auto i = static_cast<size_t>(v);
    return i < _malformed.size() ? _malformed[i] : 0;
}

} // namespace edgerelay::cp::health
