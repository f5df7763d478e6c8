// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// One relay worker's state in-process, plus the peers' side of the wire, for tests and benches.
#include "tests/lib/relay_harness.hh"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "common/crypto/aead.hh"
#include "common/crypto/secret.hh"
#include "common/wire/build.hh"
#include "common/wire/parse.hh"
#include "common/wire/wireguard.hh"
#include "dataplane/stages/stages.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::test {
namespace {

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "relay_harness: %s\n", what.c_str());
    std::abort();
}

// "10.1.0.0/16" → (family, addr[16], len)
void parse_prefix(const std::string& text, uint8_t& family, uint8_t addr[16], uint8_t& len)
{
    auto slash = text.find('/');
    std::string a = text.substr(0, slash);
    std::memset(addr, 0, 16);
    if (inet_pton(AF_INET, a.c_str(), addr) == 1) {
        family = 4;
    } else if (inet_pton(AF_INET6, a.c_str(), addr) == 1) {
        family = 6;
    } else {
        die("bad prefix " + text);
    }
    len = slash == std::string::npos ? (family == 4 ? 32 : 128)
                                     : static_cast<uint8_t>(std::stoi(text.substr(slash + 1)));
}

unsigned counter_id = 0;

} // namespace

wire::endpoint parse_endpoint(const std::string& text)
{
    wire::endpoint e;
    std::string host;
    std::string port;
    if (text[0] == '[') {
        auto close = text.find(']');
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (inet_pton(AF_INET, host.c_str(), e.addr) == 1) {
        e.family = 4;
    } else if (inet_pton(AF_INET6, host.c_str(), e.addr) == 1) {
        e.family = 6;
    } else {
        die("bad endpoint " + text);
    }
    e.port = static_cast<uint16_t>(std::stoi(port));
    return e;
}

wire::endpoint relay_endpoint(uint8_t family)
{
    return parse_endpoint(family == 4 ? "10.0.0.1:51820" : "[fd00::1]:51820");
}

relay_harness::relay_harness(const dp::table_set_config& cfg, unsigned pool_size)
    : _tx(3)
{
    tables = dp::table_set::create(cfg);
    if (!tables) {
        die("table_set::create failed");
    }
    std::string name = "harness" + std::to_string(counter_id++);
    pool = drv::pkt_pool_create(name.c_str(), pool_size, SOCKET_ID_ANY);
    if (pool == nullptr) {
        die("pkt_pool_create failed");
    }
    peer_stats = std::vector<dp::peer_counters>(cfg.max_peers); // atomics: not resizable
    tables->register_reader(0);
    // The test thread is both writer and reader: it is offline while it changes tables
    // (a writer waiting for its own quiescent state would time out) and online in run().
    rte_rcu_qsbr_thread_offline(tables->qsbr(), 0);
    ctx.tables = tables.get();
    ctx.aead = &aead;
    ctx.counters = &counters;
    ctx.peer_stats = peer_stats.data();
    ctx.max_peers = cfg.max_peers;
    ctx.n_ports = 3;
    ctx.port_kinds[port_eth] = drv::port_kind::underlay_eth;
    ctx.port_kinds[port_udp] = drv::port_kind::underlay_udp;
    ctx.port_kinds[port_access] = drv::port_kind::access_ip;
    ctx.access_port = port_access;
}

relay_harness::~relay_harness()
{
    for (auto& q : _tx) {
        for (auto* m : q) {
            rte_pktmbuf_free(m);
        }
    }
    for (auto* m : punted) {
        rte_pktmbuf_free(m);
    }
    tables->unregister_reader(0);
    tables.reset();
    rte_mempool_free(pool);
}

test_peer& relay_harness::add_peer(dp::peer_id id, const std::string& remote, uint16_t port)
{
    auto tp = std::make_unique<test_peer>();
    tp->id = id;
    tp->remote = parse_endpoint(remote);
    crypto::random_bytes(tp->peer_send_key, 32);
    crypto::random_bytes(tp->peer_recv_key, 32);
    tp->relay_index = 0x1000 + id * 7;
    tp->peer_index = 0x9000 + id;

    auto& t = *tables;
    if (t.peers().activate(id) != 0) {
        die("peer activate failed");
    }
    // dp::path is cache-line aligned: calloc's 16-byte alignment is not enough (UBSan).
    auto* via = new (std::aligned_alloc(alignof(dp::path), sizeof(dp::path))) dp::path{};
    via->remote = tp->remote;
    via->local = relay_endpoint(tp->remote.family);
    via->port_index = port;
    const uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x10 + id)};
    std::memcpy(via->src_mac, src_mac, 6);
    std::memcpy(via->dst_mac, dst_mac, 6);
    t.peers().swap_path(id, via);

    dp::keypair* kp = dp::keypair_create();
    std::memcpy(kp->recv_key, tp->peer_send_key, 32);
    std::memcpy(kp->send_key, tp->peer_recv_key, 32);
    kp->local_index = tp->relay_index;
    kp->remote_index = tp->peer_index;
    kp->peer = id;
    kp->birth_tsc = rte_rdtsc();
    kp->reject_tsc = kp->birth_tsc + dp::reject_after_time_s * rte_get_tsc_hz();
    kp->rekey_tsc = UINT64_MAX;
    t.index().add(kp->local_index, kp);
    t.peers().swap_keypair(id, dp::keypair_slot::current, kp);
    tp->kp = kp;
    peers.push_back(std::move(tp));
    return *peers.back();
}

void relay_harness::allow(dp::peer_id id, const std::string& prefix)
{
    uint8_t family = 0, len = 0, addr[16];
    parse_prefix(prefix, family, addr, len);
    int rc = family == 4 ? tables->allowed4().add(ntohl(*reinterpret_cast<uint32_t*>(addr)), len, id)
                         : tables->allowed6().add(addr, len, id);
    if (rc != 0) {
        die("allow " + prefix + " failed: " + std::to_string(rc));
    }
}

void relay_harness::route(const std::string& prefix, dp::next_hop hop)
{
    uint8_t family = 0, len = 0, addr[16];
    parse_prefix(prefix, family, addr, len);
    int rc = family == 4 ? tables->routes4().add(ntohl(*reinterpret_cast<uint32_t*>(addr)), len, hop)
                         : tables->routes6().add(addr, len, hop);
    if (rc != 0) {
        die("route " + prefix + " failed: " + std::to_string(rc));
    }
}

std::vector<uint8_t> relay_harness::inner_packet(const std::string& src, const std::string& dst,
                                                 uint16_t len, uint8_t fill) const
{
    std::vector<uint8_t> p(len, fill);
    uint8_t s[16] = {}, d[16] = {};
    if (inet_pton(AF_INET, src.c_str(), s) == 1) {
        inet_pton(AF_INET, dst.c_str(), d);
        p[0] = 0x45;
        p[1] = 0;
        p[2] = static_cast<uint8_t>(len >> 8);
        p[3] = static_cast<uint8_t>(len);
        p[4] = p[5] = p[6] = p[7] = 0;
        p[8] = 64;
        p[9] = 17;
        p[10] = p[11] = 0;
        std::memcpy(&p[12], s, 4);
        std::memcpy(&p[16], d, 4);
    } else {
        inet_pton(AF_INET6, src.c_str(), s);
        inet_pton(AF_INET6, dst.c_str(), d);
        p[0] = 0x60;
        p[1] = p[2] = p[3] = 0;
        p[4] = static_cast<uint8_t>((len - 40) >> 8);
        p[5] = static_cast<uint8_t>(len - 40);
        p[6] = 17;
        p[7] = 64;
        std::memcpy(&p[8], s, 16);
        std::memcpy(&p[24], d, 16);
    }
    return p;
}

rte_mbuf* relay_harness::alloc() const
{
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
        die("pool empty");
    }
    drv::meta(m) = drv::pkt_meta{};
    return m;
}

rte_mbuf* relay_harness::seal_from(const test_peer& from, uint64_t counter,
                                   std::span<const uint8_t> inner, uint16_t port, uint16_t mtu)
{
    const size_t padded = wire::transport_padded_len(inner.size(), mtu);
    std::vector<uint8_t> plain(padded, 0);
    if (!inner.empty()) { // a keepalive has no plaintext (and maybe no data pointer)
        std::memcpy(plain.data(), inner.data(), inner.size());
    }
    std::vector<uint8_t> msg(16 + padded + 16);
    wire::write_transport_header(msg.data(), from.relay_index, counter);
    crypto::chacha20poly1305_seal(msg.data() + 16, plain, {}, counter, from.peer_send_key);

    rte_mbuf* m = alloc();
    auto& md = drv::meta(m);
    if (port == port_eth) {
        wire::outer_template t;
        t.src = from.remote;
        t.dst = relay_endpoint(from.remote.family);
        const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
        std::memcpy(t.dst_mac, dst_mac, 6);
        size_t hl = wire::outer_header_len(t.dst.family, false);
        auto* at = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(hl + msg.size())));
        std::memcpy(at + hl, msg.data(), msg.size());
        wire::write_outer(at, t, at + hl, static_cast<uint16_t>(msg.size()));
    } else {
        auto* at = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(msg.size())));
        std::memcpy(at, msg.data(), msg.size());
        md.remote = from.remote;
        md.local = relay_endpoint(from.remote.family);
    }
    md.port_index = port;
    return m;
}

std::optional<std::vector<uint8_t>> relay_harness::open_for(const test_peer& to, rte_mbuf* m,
                                                            uint64_t* counter) const
{
    const auto& md = drv::meta(m);
    std::span<const uint8_t> msg;
    if (ctx.port_kinds[md.port_index] == drv::port_kind::underlay_eth) {
        wire::outer_info o;
        auto frame = std::span(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
        if (wire::parse_outer(frame, o) != wire::verdict::ok || !(o.dst == to.remote) ||
            !(o.src == relay_endpoint(to.remote.family))) {
            return std::nullopt;
        }
        msg = frame.subspan(o.payload_offset, o.payload_len);
    } else {
        if (!(md.remote == to.remote)) {
            return std::nullopt;
        }
        msg = std::span(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
    }
    uint8_t type = 0;
    if (wire::classify_wg(msg, type) != wire::verdict::ok || type != 4 ||
        wire::transport_receiver_index(msg.data()) != to.peer_index) {
        return std::nullopt;
    }
    uint64_t ctr = wire::transport_counter(msg.data());
    std::vector<uint8_t> plain(msg.size() - 32);
    if (!crypto::chacha20poly1305_open(plain.data(), msg.subspan(16), {}, ctr, to.peer_recv_key)) {
        return std::nullopt;
    }
    if (counter != nullptr) {
        *counter = ctr;
    }
    return plain;
}

void relay_harness::run(std::vector<rte_mbuf*> burst, uint16_t port)
{
    rte_rcu_qsbr_thread_online(tables->qsbr(), 0);
    for (size_t off = 0; off < burst.size(); off += dp::max_burst) {
        auto n = static_cast<uint16_t>(std::min<size_t>(dp::max_burst, burst.size() - off));
        ctx.now_tsc = rte_rdtsc();
        if (port == port_access) {
            dp::relay_access_input(ctx, burst.data() + off, n, ctx.port_kinds[port]);
        } else {
            dp::relay_underlay_input(ctx, burst.data() + off, n, ctx.port_kinds[port]);
        }
        ctx.flush_drops();
        for (uint16_t p = 0; p < ctx.n_ports; p++) {
            for (uint16_t i = 0; i < ctx.tx[p].n; i++) {
                _tx[p].push_back(ctx.tx[p].pkts[i]);
            }
            ctx.tx[p].n = 0;
        }
        for (uint16_t i = 0; i < ctx.n_punted; i++) {
            punted.push_back(ctx.punted[i]);
        }
        ctx.n_punted = 0;
        tables->quiescent(0);
    }
    rte_rcu_qsbr_thread_offline(tables->qsbr(), 0);
}

std::vector<rte_mbuf*> relay_harness::take_tx(uint16_t port)
{
    return std::exchange(_tx[port], {});
}

} // namespace edgerelay::test
