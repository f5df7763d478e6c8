// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// dht_node: a libtorrent session run DHT-only. The control-plane loop calls poll() every
// millisecond; every libtorrent call made here only queues work for the network thread.
#include "controlplane/dht/dht_node.hh"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/disabled_disk_io.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>

#include "controlplane/dht/key_plugin.hh"
#include "controlplane/dht/session_settings.hh"
#include "controlplane/dht/state_file.hh"

namespace edgerelay::cp::dht {

namespace lt = libtorrent;
using steady = std::chrono::steady_clock;
using node_key_t = std::array<uint8_t, 32>;

namespace {

constexpr size_t max_latencies = 1024;
constexpr auto key_cache_ttl = std::chrono::minutes(5);
// A key query is one UDP round trip: on a busy host one in a dozen is lost or answered late,
// and without a retry the lookup would end without that announcer's record.
constexpr int max_key_attempts = 3;
// libtorrent reports an unanswered direct request only after its 15 s RPC timeout: three such
// attempts would hold a lookup until its end whenever a region still lists a relay that has
// left (BEP 5 announces linger for many minutes). We give up on an attempt after 2 s
// instead (3 attempts and the quiet time fit in the 8 s lookup timeout; a key query is one
// round trip) and ignore libtorrent's late verdict.
constexpr auto key_attempt_timeout = std::chrono::seconds(2);
// An announcer that answered none of the attempts is not asked again for this long: lookups
// of its region skip it (traced as key_failed) instead of waiting for it every time.
constexpr auto key_failure_ttl = std::chrono::seconds(30);
constexpr int max_get_attempts = 2;
constexpr auto stats_interval = std::chrono::seconds(1);
// Until the routing table holds this many nodes, the bootstrap relays are pinged again, every
// 2 s while we know nobody and every 30 s after: a node that joined while the network was
// nearly empty would otherwise keep an empty table.
constexpr size_t bootstrap_until_nodes = 8;
constexpr size_t max_saved_nodes = 64;
// A put stored on fewer nodes than this was probably made with a thin routing table (a relay
// publishes as soon as it joins) and may sit far from the key, where readers do not look: it is
// repeated (with the announces) after 2, 4, 8, 16, 32 s, then left to the periodic refresh.
constexpr int min_storing_nodes = 3;
constexpr int max_put_retries = 5;
// A relay publishes as soon as it joins, when its routing table may hold a handful of nodes:
// the put and announces then land on the closest nodes it knew, not the closest that exist,
// and readers do not look there. Each time the table has doubled since the last publish, the
// item is put and the announces are made again, until it was done with this many nodes (at
// most log2(32) = 5 extra rounds, at most one per DHT stats interval).
constexpr size_t republish_until_nodes = 32;
// The first publish of a relay that has just joined waits until its table holds
// bootstrap_until_nodes nodes, or has stopped growing (a mesh of a few relays), and at most
// first_publish_wait: its put and announces then go to the nodes readers ask, and the put's
// success (what the health page and the scale test look at) means the record is where it
// belongs rather than merely stored on some node.
constexpr auto first_publish_wait = std::chrono::seconds(10);
constexpr auto table_settled_after = std::chrono::seconds(2);
// An announce reports nothing, and under churn it lands only when its get_peers traversal ends
// (up to libtorrent's 15 s RPC timeout after it met a relay just stopped). So a relay looks
// its own region up, 2 s after announcing and then every 3 s (key queries only, no gets),
// until it sees its own key among the announcers: dht_stats::announce_seen. A check that
// misses 16 s or more after the last announce announces again; at most 10 checks a publish.
constexpr auto self_check_first = std::chrono::seconds(2);
constexpr auto self_check_every = std::chrono::seconds(3);
constexpr auto announce_landed_within = std::chrono::seconds(16);
constexpr int max_self_checks = 10;

std::array<char, 32> lt_key(const node_key_t& k)
{
    std::array<char, 32> out;
    std::memcpy(out.data(), k.data(), 32);
    return out;
}

node_key_t our_key(const std::array<char, 32>& k)
{
    node_key_t out;
    std::memcpy(out.data(), k.data(), 32);
    return out;
}

uint32_t ms_since(steady::time_point t, steady::time_point now)
{
    return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - t).count());
}

uint64_t unix_now()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

wire::endpoint to_wire(const lt::udp::endpoint& ep)
{
    wire::endpoint out;
    out.port = ep.port();
    if (ep.address().is_v4()) {
        auto b = ep.address().to_v4().to_bytes();
        out.family = 4;
        std::memcpy(out.addr, b.data(), b.size());
    } else {
        auto b = ep.address().to_v6().to_bytes();
        out.family = 6;
        std::memcpy(out.addr, b.data(), b.size());
    }
    return out;
}

lt::sha1_hash to_sha1(const std::array<uint8_t, 20>& h)
{
    lt::sha1_hash out;
    std::memcpy(out.data(), h.data(), 20);
    return out;
}

// The value we want stored under our key. Shared with put callbacks, which run on libtorrent's
// network thread: two puts in flight (publish, then withdraw) must both store the newest value,
// with strictly increasing seqs, whichever callback runs first.
struct put_state {
    std::mutex lock;
    std::string value;
    int64_t floor = 0;    // seq >= floor (timestamp * 1000)
    int64_t last_seq = 0; // the highest seq we signed
};

// libtorrent binds with SO_REUSEADDR, so a second relay on the same UDP port would "succeed"
// and the two would share (and steal) each other's packets. A plain bind first finds the
// port busy. An address family the host lacks ("::" without IPv6) is skipped, not an error.
// Returns an empty string, or the reason.
std::string probe_bind(const std::string& address, uint16_t port)
{
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof *v6;
    } else {
        return "not a numeric IP address";
    }
    int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno == EAFNOSUPPORT ? std::string() : std::string(std::strerror(errno));
    }
    int one = 1;
    if (ss.ss_family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one); // as libtorrent does
    }
    std::string err;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        err = std::strerror(errno);
    }
    ::close(fd);
    return err;
}

} // namespace

std::array<uint8_t, 20> rendezvous_hash(const std::string& text)
{
    lt::sha1_hash h = lt::hasher(text).final();
    std::array<uint8_t, 20> out;
    std::memcpy(out.data(), h.data(), 20);
    return out;
}

std::string_view announcer_outcome_name(announcer_outcome o)
{
    switch (o) {
    case announcer_outcome::key_pending: return "key_pending";
    case announcer_outcome::key_failed: return "key_failed";
    case announcer_outcome::item_pending: return "item_pending";
    case announcer_outcome::no_item: return "no_item";
    case announcer_outcome::refused: return "refused";
    case announcer_outcome::found: return "found";
    }
    return "?";
}

std::string region_rendezvous(const std::string& region) { return "edgerelay/region/" + region; }

std::string prefix_rendezvous(const config::prefix& prefix)
{
    return "edgerelay/prefix/" + config::format_prefix(config::masked(prefix));
}

struct dht_node::impl {
    struct lookup {
        lookup_result res;
        lt::sha1_hash hash;
        steady::time_point start, last_activity;
        bool any_reply = false;
        std::set<lt::udp::endpoint> seen;
        std::set<lt::udp::endpoint> awaiting_key;
        std::set<node_key_t> awaiting_item;
        std::set<node_key_t> found;
        // For the trace: announcers in the order met, and how far each one's record got.
        std::vector<lt::udp::endpoint> order;
        std::map<lt::udp::endpoint, node_key_t> key_of;
        std::set<lt::udp::endpoint> key_failed;
        std::set<node_key_t> no_item, refused;
        bool self_check = false; // ours: keys only, not reported, not counted
    };
    struct pending_get {
        std::set<uint64_t> lookups;
        int attempts = 1;
    };

    dht_options opts;
    crypto::ed25519_keypair key;
    std::unique_ptr<lt::session> ses;
    uint16_t port = 0;
    uint64_t now_unix = 0;
    steady::time_point last_save, last_announce, last_stats_post, last_bootstrap;

    dht_stats st;
    seq_memory memory;
    std::map<node_key_t, relay_record> records;
    std::vector<relay_record> fresh;

    std::vector<lt::udp::endpoint> saved_nodes; // from the state file, at most max_saved_nodes
    std::shared_ptr<put_state> put = std::make_shared<put_state>();
    std::optional<relay_record> published;
    bool withdrawn = false;
    int put_retries = 0;
    int announce_boosts = 0; // early re-announces done since the last publish
    size_t nodes_at_publish = 0; // routing-table size when the record was last put and announced
    std::optional<steady::time_point> deferred_since; // publish() called, first put not made yet
    steady::time_point last_growth;                    // the routing table last grew
    std::optional<steady::time_point> self_check_at;   // the next look at our own announce
    uint64_t self_check_id = 0;                        // the one running, if any
    int self_checks = 0;                               // since the last publish
    std::optional<steady::time_point> retry_put_at;

    uint64_t next_lookup = 1;
    std::map<uint64_t, lookup> lookups;
    std::multimap<lt::sha1_hash, uint64_t> by_hash;
    std::map<lt::udp::endpoint, std::pair<node_key_t, steady::time_point>> key_cache;
    std::map<lt::udp::endpoint, std::set<uint64_t>> key_queries;
    std::map<lt::udp::endpoint, int> key_attempts; // queries sent to an endpoint still unanswered
    std::map<lt::udp::endpoint, steady::time_point> key_sent;     // the current attempt's start
    std::map<lt::udp::endpoint, steady::time_point> key_unreachable; // failed, until then
    std::map<node_key_t, pending_get> gets;
    std::vector<lookup_result> finished;

    // Pings each bootstrap relay; a reply puts it in the routing table as an ordinary node
    // (libtorrent never stores "router" nodes, whose records we want to use too).
    void bootstrap()
    {
        for (const auto& e : opts.bootstrap) {
            std::string a = config::format_address(e);
            if (!a.empty() && e.port != 0) {
                ses->add_dht_node({a, e.port});
            }
        }
        // The nodes of the state file too: libtorrent seeds its start-up bootstrap with them,
        // but only once, and that lookup can end before any of them answers.
        for (const auto& ep : saved_nodes) {
            ses->add_dht_node({ep.address().to_string(), ep.port()});
        }
        if (st.joined) {
            // A lookup of a random target fills the routing table with every node that answers,
            // far sooner than libtorrent's 15-minute bucket refresh.
            lt::sha1_hash target;
            crypto::random_bytes(target.data(), target.size());
            ses->dht_get_peers(target);
        }
        last_bootstrap = steady::now();
    }

    void start_put()
    {
        std::shared_ptr<put_state> ps = put;
        auto kp = std::make_shared<crypto::ed25519_keypair>(key);
        ++st.puts;
        nodes_at_publish = std::max(nodes_at_publish, st.routing_nodes);
        ses->dht_put_item(
            lt_key(key.public_key),
            [ps, kp](lt::entry& v, std::array<char, 64>& sig, std::int64_t& seq, std::string const& salt) {
                std::lock_guard g(ps->lock);
                int64_t s = std::max({seq + 1, ps->floor, ps->last_seq + 1});
                ps->last_seq = s;
                seq = s;
                v = lt::bdecode(ps->value);
                // Signed by libsodium (our key format), byte-identical to libtorrent's ref10
                // signer since Ed25519 is deterministic; storing nodes verify it with theirs.
                std::string buf = signing_buffer(salt, s, ps->value);
                auto sg = crypto::ed25519_sign(
                    *kp, std::span(reinterpret_cast<const uint8_t*>(buf.data()), buf.size()));
                std::memcpy(sig.data(), sg.data(), 64);
            },
            std::string(record_salt));
    }

    void announce()
    {
        if (!published) {
            return;
        }
        ses->dht_announce(to_sha1(rendezvous_hash(region_rendezvous(published->region))), port);
        ++st.announces;
        for (const auto& p : published->prefixes) {
            ses->dht_announce(to_sha1(rendezvous_hash(prefix_rendezvous(p))), port);
            ++st.announces;
        }
        last_announce = steady::now();
        if (!st.announce_seen && self_check_id == 0 && !self_check_at && self_checks < max_self_checks) {
            self_check_at = last_announce + self_check_first;
        }
    }

    uint64_t start_lookup(const std::string& rendezvous, bool self_check = false)
    {
        uint64_t id = next_lookup++;
        lookup& l = lookups[id];
        l.res.id = id;
        l.res.rendezvous = rendezvous;
        l.hash = to_sha1(rendezvous_hash(rendezvous));
        l.start = l.last_activity = steady::now();
        l.self_check = self_check;
        by_hash.emplace(l.hash, id);
        ses->dht_get_peers(l.hash);
        if (!self_check) {
            ++st.lookups_started;
        }
        return id;
    }

    void start_get(const node_key_t& k, uint64_t id)
    {
        auto& l = lookups.at(id);
        l.awaiting_item.insert(k);
        auto [it, inserted] = gets.try_emplace(k);
        it->second.lookups.insert(id);
        if (inserted) {
            ses->dht_get_item(lt_key(k), std::string(record_salt));
        }
    }

    void on_peers(const lt::dht_get_peers_reply_alert& a)
    {
        auto now = steady::now();
        std::vector<lt::tcp::endpoint> peers = a.peers();
        auto [b, e] = by_hash.equal_range(a.info_hash);
        for (auto it = b; it != e; ++it) {
            uint64_t id = it->second;
            auto& l = lookups.at(id);
            l.any_reply = true;
            l.last_activity = now;
            ++l.res.peer_replies;
            l.res.last_peers_ms = ms_since(l.start, now);
            for (const auto& p : peers) {
                lt::udp::endpoint ep(p.address(), p.port());
                if (!l.seen.insert(ep).second) {
                    continue;
                }
                ++l.res.announcers;
                l.order.push_back(ep);
                auto c = key_cache.find(ep);
                if (c != key_cache.end() && now - c->second.second < key_cache_ttl) {
                    l.key_of[ep] = c->second.first;
                    if (!l.self_check) {
                        start_get(c->second.first, id);
                    }
                    continue;
                }
                auto u = key_unreachable.find(ep);
                if (u != key_unreachable.end() && now < u->second) {
                    l.key_failed.insert(ep);
                    ++st.key_skipped;
                    continue;
                }
                l.awaiting_key.insert(ep);
                auto& q = key_queries[ep];
                if (q.empty()) {
                    ses->dht_direct_request(ep, key_request());
                    key_sent[ep] = now;
                    ++st.key_queries;
                }
                q.insert(id);
            }
        }
    }

    void on_key(const lt::dht_direct_response_alert& a)
    {
        if (a.response().type() == lt::bdecode_node::none_t) {
            return; // libtorrent's 15 s timeout: that attempt was given up on long ago
        }
        key_outcome(a.endpoint, parse_key_response(a.response()));
    }

    // Attempts whose answer is overdue count as failed ones.
    void expire_key_attempts(steady::time_point now)
    {
        std::vector<lt::udp::endpoint> overdue;
        for (const auto& [ep, sent] : key_sent) {
            if (now - sent >= key_attempt_timeout) {
                overdue.push_back(ep);
            }
        }
        for (const auto& ep : overdue) {
            key_outcome(ep, std::nullopt);
        }
        std::erase_if(key_unreachable, [&](const auto& e) { return now >= e.second; });
    }

    void key_outcome(const lt::udp::endpoint& ep, const std::optional<node_key_t>& k)
    {
        auto q = key_queries.find(ep);
        if (q == key_queries.end()) {
            return;
        }
        auto now = steady::now();
        if (!k && ++key_attempts[ep] < max_key_attempts) {
            ses->dht_direct_request(ep, key_request()); // the lookups keep waiting for it
            key_sent[ep] = now;
            ++st.key_queries;
            return;
        }
        key_attempts.erase(ep);
        key_sent.erase(ep);
        std::set<uint64_t> ids = std::move(q->second);
        key_queries.erase(q);
        if (k) {
            ++st.key_answers;
            key_cache[ep] = {*k, now};
        } else {
            ++st.key_failures;
            key_unreachable[ep] = now + key_failure_ttl;
        }
        for (uint64_t id : ids) {
            auto l = lookups.find(id);
            if (l == lookups.end()) {
                continue;  // that lookup has ended
            }
            l->second.awaiting_key.erase(ep);
            l->second.last_activity = steady::now();
            if (k) {
                l->second.key_of[ep] = *k;
                if (!l->second.self_check) {
                    start_get(*k, id);
                }
            } else {
                l->second.key_failed.insert(ep);
            }
        }
    }

    void on_item(const lt::dht_mutable_item_alert& a)
    {
        // Only the authoritative alert counts: it carries the highest seq any node returned.
        // The earlier ones are whatever the first nodes to answer had, and a node that joined
        // after the owner's last put may hold an old item an attacker replayed to it.
        if (!a.authoritative) {
            return;
        }
        node_key_t k = our_key(a.key);
        auto g = gets.find(k);
        auto now = steady::now();
        if (a.item.type() == lt::entry::undefined_t && g != gets.end() &&
            g->second.attempts < max_get_attempts) {
            // The announcer is alive (it answered the key query) but this traversal met none
            // of the nodes holding its item: ask again, the routing tables have moved on.
            ++g->second.attempts;
            ses->dht_get_item(a.key, std::string(record_salt));
            for (uint64_t id : g->second.lookups) {
                auto l = lookups.find(id);
                if (l != lookups.end()) {
                    l->second.last_activity = now;
                }
            }
            return;
        }
        if (a.item.type() != lt::entry::undefined_t) {
            signed_item item;
            item.key = k;
            item.salt = a.salt;
            item.seq = a.seq;
            lt::bencode(std::back_inserter(item.value), a.item);
            std::memcpy(item.signature.data(), a.signature.data(), 64);
            handle_item(item, g != gets.end() ? &g->second.lookups : nullptr, now);
        }
        if (g != gets.end()) {
            for (uint64_t id : g->second.lookups) {
                auto l = lookups.find(id);
                if (l != lookups.end()) {
                    l->second.awaiting_item.erase(k);
                    l->second.last_activity = now;
                    if (a.item.type() == lt::entry::undefined_t) {
                        l->second.no_item.insert(k);
                    }
                }
            }
            gets.erase(g);
        }
    }

    void handle_item(const signed_item& item, const std::set<uint64_t>* waiting, steady::time_point now)
    {
        auto before = memory.by_key.find(item.key);
        int64_t prev_seq = before == memory.by_key.end() ? -1 : before->second.seq;
        verify_result v = verify(item, memory, now_unix);
        st.verdicts.add(v.verdict);
        if (v.verdict != record_verdict::accepted && waiting != nullptr) {
            for (uint64_t id : *waiting) {
                auto l = lookups.find(id);
                if (l != lookups.end()) {
                    l->second.refused.insert(item.key);
                }
            }
        }
        if (v.verdict == record_verdict::expired && item.seq > prev_seq) {
            // A signed, newer, expired record is a withdrawal: forget the relay, and remember
            // the seq so that its older, unexpired records cannot be replayed afterwards.
            memory.by_key[item.key] = seq_memory::seen{item.seq, item.value};
            records.erase(item.key);
            return;
        }
        if (v.verdict != record_verdict::accepted) {
            return;
        }
        if (item.seq > prev_seq) {
            fresh.push_back(v.record);
        }
        records[item.key] = v.record;
        if (waiting == nullptr) {
            return;
        }
        for (uint64_t id : *waiting) {
            auto l = lookups.find(id);
            if (l != lookups.end() && l->second.found.insert(item.key).second) {
                l->second.res.found.emplace_back(item.key, ms_since(l->second.start, now));
            }
        }
    }

    void on_put(const lt::dht_put_alert& a)
    {
        if (a.num_success > 0) {
            ++st.puts_succeeded;
        } else {
            ++st.puts_failed;
        }
        if (our_key(a.public_key) != key.public_key) {
            return;  // put_raw under another key: no retries
        }
        if (a.num_success >= min_storing_nodes) {
            put_retries = 0;
        } else if (published && put_retries < max_put_retries && !retry_put_at) {
            retry_put_at = steady::now() + std::chrono::seconds(2 << put_retries);
            ++put_retries;
        }
    }

    void on_stats(const lt::dht_stats_alert& a)
    {
        size_t n = 0;
        for (const auto& b : a.routing_table) {
            n += static_cast<size_t>(b.num_nodes);
        }
        if (n > st.routing_nodes) {
            last_growth = steady::now();
        }
        st.routing_nodes = n;
        st.joined = n > 0;
        if (published && !withdrawn && !deferred_since && nodes_at_publish < republish_until_nodes &&
            n >= 2 * std::max<size_t>(nodes_at_publish, 1)) {
            ++st.republishes;
            start_put(); // records the new table size
            announce();
        }
    }

    void end_self_check(const lookup& l, steady::time_point now)
    {
        self_check_id = 0;
        for (const auto& [ep, k] : l.key_of) {
            if (k == key.public_key) {
                st.announce_seen = true;
                return;
            }
        }
        if (!published || withdrawn || self_checks >= max_self_checks) {
            return;
        }
        if (now - last_announce >= announce_landed_within) {
            announce(); // schedules the next check
        }
        if (!self_check_at) {
            self_check_at = now + self_check_every;
        }
    }

    void end_lookups(steady::time_point now)
    {
        for (auto it = lookups.begin(); it != lookups.end();) {
            lookup& l = it->second;
            uint32_t age = ms_since(l.start, now);
            bool idle = l.any_reply && l.awaiting_key.empty() && l.awaiting_item.empty() &&
                        ms_since(l.last_activity, now) >= opts.lookup_quiet_ms;
            bool timeout = age >= opts.lookup_timeout_ms;
            if (!idle && !timeout) {
                ++it;
                continue;
            }
            l.res.duration_ms = age;
            l.res.timed_out = !idle;
            if (l.self_check) {
                end_self_check(l, now);
                auto [b, e] = by_hash.equal_range(l.hash);
                for (auto h = b; h != e; ++h) {
                    if (h->second == it->first) {
                        by_hash.erase(h);
                        break;
                    }
                }
                it = lookups.erase(it);
                continue;
            }
            for (const auto& ep : l.order) {
                announcer_trace t;
                t.endpoint = to_wire(ep);
                auto k = l.key_of.find(ep);
                if (k == l.key_of.end()) {
                    t.outcome = l.key_failed.count(ep) != 0 ? announcer_outcome::key_failed
                                                            : announcer_outcome::key_pending;
                } else {
                    t.node_key = k->second;
                    t.outcome = l.found.count(k->second) != 0     ? announcer_outcome::found
                                : l.refused.count(k->second) != 0 ? announcer_outcome::refused
                                : l.no_item.count(k->second) != 0 ? announcer_outcome::no_item
                                                                  : announcer_outcome::item_pending;
                }
                l.res.trace.push_back(t);
            }
            if (l.res.found.empty()) {
                ++st.lookups_failed;
            } else {
                ++st.lookups_succeeded;
                uint32_t first = l.res.found.front().second;
                for (const auto& f : l.res.found) {
                    first = std::min(first, f.second);
                }
                if (st.lookup_latency_ms.size() >= max_latencies) {
                    st.lookup_latency_ms.erase(st.lookup_latency_ms.begin());
                }
                st.lookup_latency_ms.push_back(first);
            }
            auto [b, e] = by_hash.equal_range(l.hash);
            for (auto h = b; h != e; ++h) {
                if (h->second == it->first) {
                    by_hash.erase(h);
                    break;
                }
            }
            finished.push_back(std::move(l.res));
            it = lookups.erase(it);
        }
    }
};

dht_node::dht_node(const dht_options& opts, const crypto::ed25519_keypair& node_key)
    : _impl(std::make_unique<impl>())
{
    impl& m = *_impl;
    m.opts = opts;
    m.key = node_key;
    for (const auto& a : opts.bind_addresses) {
        std::string err = probe_bind(a, opts.port);
        if (!err.empty()) {
            throw std::runtime_error("dht: cannot bind UDP " + a + " port " + std::to_string(opts.port) +
                                     ": " + err);
        }
    }
    lt::session_params sp(session_settings(opts));
    if (!opts.state_file.empty()) {
        if (auto bytes = read_small_file(opts.state_file)) {
            lt::error_code ec;
            lt::bdecode_node n = lt::bdecode(*bytes, ec);
            if (!ec) {
                lt::session_params saved = lt::read_session_params(n, lt::session::save_dht_state);
                sp.dht_state = std::move(saved.dht_state);
                m.st.state_loaded = !sp.dht_state.nodes.empty() || !sp.dht_state.nodes6.empty();
                for (const auto* list : {&sp.dht_state.nodes, &sp.dht_state.nodes6}) {
                    for (const auto& ep : *list) {
                        if (m.saved_nodes.size() < max_saved_nodes) {
                            m.saved_nodes.push_back(ep);
                        }
                    }
                }
            }
        }
    }
    sp.disk_io_constructor = lt::disabled_disk_io_constructor; // no torrents: no disk threads
    sp.extensions.push_back(std::make_shared<key_plugin>(node_key.public_key));
    m.ses = std::make_unique<lt::session>(std::move(sp));

    // Wait for the UDP socket(s): start-up is the one place where waiting is allowed, and a
    // relay that cannot bind its DHT port must say so rather than run deaf.
    std::string failures;
    auto deadline = steady::now() + std::chrono::seconds(5);
    size_t outcomes = 0;
    while (steady::now() < deadline && outcomes < opts.bind_addresses.size()) {
        m.ses->wait_for_alert(std::chrono::milliseconds(50));
        std::vector<lt::alert*> alerts;
        m.ses->pop_alerts(&alerts);
        for (lt::alert* a : alerts) {
            if (auto* ok = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
                if (ok->socket_type == lt::socket_type_t::utp) {
                    m.port = static_cast<uint16_t>(ok->port);
                    ++outcomes;
                }
            } else if (auto* f = lt::alert_cast<lt::listen_failed_alert>(a)) {
                if (f->socket_type == lt::socket_type_t::utp || f->socket_type == lt::socket_type_t::tcp) {
                    failures += (failures.empty() ? "" : "; ") + f->message();
                    ++outcomes;
                }
            }
        }
    }
    if (m.port == 0) {
        m.ses.reset();
        throw std::runtime_error("dht: cannot bind UDP " + listen_interfaces(opts) + ": " +
                                 (failures.empty() ? std::string("no socket within 5 s") : failures));
    }
    m.last_save = m.last_stats_post = steady::now();
    m.ses->post_dht_stats();
    m.bootstrap();
}

dht_node::~dht_node()
{
    if (_impl && _impl->ses) {
        save_state();
    }
}

bool dht_node::publish(const relay_record& r0)
{
    impl& m = *_impl;
    relay_record r = r0;
    r.node_key = m.key.public_key;
    r.seq = 0;
    std::string value = encode_record(r);
    if (value.size() > max_value_size) {
        return false;
    }
    {
        std::lock_guard g(m.put->lock);
        m.put->value = std::move(value);
        m.put->floor = std::max<int64_t>(m.put->floor, static_cast<int64_t>(r.timestamp) * 1000);
    }
    if (!m.published || m.published->region != r.region) {
        m.st.announce_seen = false; // a new rendezvous: not seen there yet
    }
    m.published = r;
    m.withdrawn = false;
    m.announce_boosts = 0;
    m.self_checks = 0;
    if (m.st.puts == 0 && m.st.routing_nodes < bootstrap_until_nodes) {
        m.deferred_since = steady::now(); // poll() makes the first put
        return true;
    }
    m.start_put();
    m.announce();
    return true;
}

void dht_node::withdraw()
{
    impl& m = *_impl;
    if (!m.published) {
        return;
    }
    uint64_t now = std::max(unix_now(), m.now_unix);
    relay_record r = *m.published;
    r.timestamp = now;
    r.expiry = now;
    {
        std::lock_guard g(m.put->lock);
        m.put->value = encode_record(r);
        m.put->floor = std::max<int64_t>(m.put->floor, static_cast<int64_t>(now) * 1000);
    }
    m.published = r;
    m.withdrawn = true;
    m.deferred_since.reset();
    m.start_put();
}

uint64_t dht_node::lookup_region(const std::string& region)
{
    return _impl->start_lookup(region_rendezvous(region));
}

uint64_t dht_node::lookup_prefix(const config::prefix& prefix)
{
    return _impl->start_lookup(prefix_rendezvous(prefix));
}

std::vector<relay_record> dht_node::poll(uint64_t now_unix_s)
{
    impl& m = *_impl;
    m.now_unix = now_unix_s;
    std::vector<lt::alert*> alerts;
    m.ses->pop_alerts(&alerts);
    for (lt::alert* a : alerts) {
        switch (a->type()) {
        case lt::dht_get_peers_reply_alert::alert_type:
            m.on_peers(*lt::alert_cast<lt::dht_get_peers_reply_alert>(a));
            break;
        case lt::dht_direct_response_alert::alert_type:
            m.on_key(*lt::alert_cast<lt::dht_direct_response_alert>(a));
            break;
        case lt::dht_mutable_item_alert::alert_type:
            m.on_item(*lt::alert_cast<lt::dht_mutable_item_alert>(a));
            break;
        case lt::dht_put_alert::alert_type:
            m.on_put(*lt::alert_cast<lt::dht_put_alert>(a));
            break;
        case lt::dht_stats_alert::alert_type:
            m.on_stats(*lt::alert_cast<lt::dht_stats_alert>(a));
            break;
        default:
            break;
        }
    }
    auto now = steady::now();
    m.expire_key_attempts(now);
    m.end_lookups(now);
    if (now - m.last_stats_post >= stats_interval) {
        m.ses->post_dht_stats();
        m.last_stats_post = now;
        std::erase_if(m.key_cache, [&](const auto& e) { return now - e.second.second >= key_cache_ttl; });
    }
    if (m.st.routing_nodes < bootstrap_until_nodes &&
        now - m.last_bootstrap >= (m.st.joined ? std::chrono::seconds(30) : std::chrono::seconds(2))) {
        m.bootstrap();
    }
    if (m.deferred_since &&
        (m.st.routing_nodes >= bootstrap_until_nodes || now - *m.deferred_since >= first_publish_wait ||
         (m.st.joined && now - m.last_growth >= table_settled_after))) {
        m.deferred_since.reset();
        m.start_put();
        m.announce();
    }
    if (m.self_check_at && now >= *m.self_check_at) {
        m.self_check_at.reset();
        if (m.published && !m.withdrawn && !m.st.announce_seen && m.self_check_id == 0) {
            ++m.self_checks;
            ++m.st.self_checks;
            m.self_check_id = m.start_lookup(region_rendezvous(m.published->region), true);
        }
    }
    if (m.retry_put_at && now >= *m.retry_put_at) {
        m.retry_put_at.reset();
        m.start_put();
        if (!m.withdrawn) {
            m.announce();
        }
    }
    // Announces report no success count, and the first ones are made with the thin routing
    // table of a node that just joined; they are repeated 15 s and 60 s after a publish.
    static constexpr std::chrono::seconds boost_after[] = {std::chrono::seconds(15), std::chrono::seconds(45)};
    if (m.published && !m.withdrawn && !m.deferred_since && m.announce_boosts < 2 &&
        now - m.last_announce >= boost_after[m.announce_boosts]) {
        ++m.announce_boosts;
        m.start_put(); // the item too: the first put went to whoever the thin table knew
        m.announce();
    }
    if (m.published && !m.withdrawn && !m.deferred_since &&
        now - m.last_announce >= std::chrono::seconds(m.opts.reannounce_interval_s)) {
        m.start_put();
        m.announce();
    }
    if (!m.opts.state_file.empty() &&
        now - m.last_save >= std::chrono::seconds(m.opts.state_save_interval_s)) {
        save_state();
    }
    return std::exchange(m.fresh, {});
}

std::vector<lookup_result> dht_node::take_finished_lookups() { return std::exchange(_impl->finished, {}); }

std::optional<relay_record> dht_node::record_of(const std::array<uint8_t, 32>& node_key) const
{
    auto it = _impl->records.find(node_key);
    if (it == _impl->records.end()) {
        return std::nullopt;
    }
    return it->second;
}

dht_stats dht_node::stats() const { return _impl->st; }

bool dht_node::joined() const { return _impl->st.joined; }

uint16_t dht_node::port() const { return _impl->port; }

bool dht_node::save_state()
{
    impl& m = *_impl;
    m.last_save = steady::now();
    if (m.opts.state_file.empty()) {
        return true;
    }
    // session_state() waits for the network thread to copy the routing table: a short,
    // bounded wait, done every few minutes and at stop.
    lt::session_params sp = m.ses->session_state(lt::session::save_dht_state);
    std::vector<char> buf = lt::write_session_params_buf(sp, lt::session::save_dht_state);
    std::string err = write_file_atomic(m.opts.state_file, std::string(buf.begin(), buf.end()));
    if (!err.empty()) {
        ++m.st.state_save_errors;
        return false;
    }
    ++m.st.state_saves;
    return true;
}

void dht_node::put_raw(const signed_item& item)
{
    impl& m = *_impl;
    ++m.st.puts;
    std::string value = item.value;
    std::array<char, 64> signature;
    std::memcpy(signature.data(), item.signature.data(), 64);
    int64_t item_seq = item.seq;
    m.ses->dht_put_item(
        lt_key(item.key),
        [value, signature, item_seq](lt::entry& v, std::array<char, 64>& sig, std::int64_t& seq,
                                     std::string const&) {
            lt::error_code ec;
            lt::bdecode_node n = lt::bdecode(value, ec);
            if (ec) {
                v = lt::entry(value);
            } else {
                v = n;
            }
            sig = signature;
            seq = item_seq;
        },
        item.salt);
}

} // namespace edgerelay::cp::dht
