// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the whole relay pass, with frames the fuzzer can seal as valid transport.
//
// The relay is tests/lib/relay_harness with two peers whose keys come from fixed bytes, so a
// saved input replays the same way in any process:
//
//   peer A (10.0.0.2:51820, eth port)  allowed 192.168.1.0/24, fd01::/64
//   peer B ([fd00::3]:51820, udp port) allowed 192.168.2.0/24, fd02::/64
//   10.99.0.0/16 and fd99::/64 → the access port
//
// Input: byte 0 picks the input port (value % 3: 0 underlay_eth, 1 underlay_udp, 2 access_ip).
// Then up to 32 records, each [ctl][len lo][len hi][len bytes] (a short last record takes what is
// left). ctl bits:
//   0  seal (underlay ports): the bytes are counter (8, LE) + inner packet, sealed with the
//      sending peer's key into a transport message, so decrypt, cryptokey, route, encrypt and
//      encap are reached and not only the parser; otherwise the bytes are the frame itself
//   1  the sender is peer B rather than A (key, receiver index, source endpoint)
//   2  fix the inner packet's IP length field (IPv4 total length or IPv6 payload length)
//   3  pad the plaintext to 16 as WireGuard senders do
//   4  send from a port next to the peer's endpoint (an authenticated roam)
//   5  add an 802.1Q tag (eth port, sealed frames)
//
// Checks per input: every frame is accounted exactly once (forwarded + punted + dropped +
// keepalives == frames in); drops by reason sum to drops_total; every frame sent on an
// underlay port opens with exactly one peer's key; every frame for the access port parses as an
// inner IP packet of its own length; no mbuf is lost.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common/crypto/aead.hh"
#include "common/wire/build.hh"
#include "common/wire/bytes.hh"
#include "common/wire/parse.hh"
#include "common/wire/wireguard.hh"
#include "dataplane/drop_reason.hh"
#include "drivers/pkt_meta.hh"
#include "tests/lib/relay_harness.hh"

namespace {

using namespace edgerelay;
using test::relay_harness;

constexpr size_t max_frames = 32;
constexpr uint16_t ports[3] = {relay_harness::port_eth, relay_harness::port_udp,
                               relay_harness::port_access};

enum ctl_bit : uint8_t {
    ctl_seal = 1u << 0,
    ctl_peer_b = 1u << 1,
    ctl_fix_len = 1u << 2,
    ctl_pad = 1u << 3,
    ctl_roam = 1u << 4,
    ctl_vlan = 1u << 5,
};

relay_harness* h = nullptr;
unsigned pool_size = 0;
bool verbose = false; // EDGERELAY_FUZZ_VERBOSE: one line per input, to check what seeds reach

// Abort rather than return: libFuzzer reports an abort as a crash with the input saved.
void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_pipeline: invariant violated: %s\n", what);
        std::abort();
    }
}

// A peer as relay_harness::add_peer makes one, but with keys from fixed bytes (a crash input
// must replay the same in any process) and a path that honours alignas(64): add_peer callocs
// it, which UBSan reports as a misaligned access before the first input.
test::test_peer& add_peer(dp::peer_id id, const std::string& remote, uint16_t port, uint8_t seed)
{
    static dp::path paths[2];
    auto tp = std::make_unique<test::test_peer>();
    tp->id = id;
    tp->remote = test::parse_endpoint(remote);
    for (uint8_t i = 0; i < 32; i++) {
        tp->peer_send_key[i] = static_cast<uint8_t>(seed + i);
        tp->peer_recv_key[i] = static_cast<uint8_t>(seed + 0x80 + i);
    }
    tp->relay_index = 0x1000 + id * 7;
    tp->peer_index = 0x9000 + id;

    auto& t = *h->tables;
    require(t.peers().activate(id) == 0, "peer activate");
    dp::path* via = &paths[h->peers.size()];
    via->remote = tp->remote;
    via->local = test::relay_endpoint(tp->remote.family);
    via->port_index = port;
    const uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x10 + id)};
    std::memcpy(via->src_mac, src_mac, 6);
    std::memcpy(via->dst_mac, dst_mac, 6);
    t.peers().swap_path(id, via);

    dp::keypair* kp = dp::keypair_create();
    require(kp != nullptr, "keypair_create");
    std::memcpy(kp->recv_key, tp->peer_send_key, 32);
    std::memcpy(kp->send_key, tp->peer_recv_key, 32);
    kp->local_index = tp->relay_index;
    kp->remote_index = tp->peer_index;
    kp->peer = id;
    kp->rekey_tsc = UINT64_MAX;
    require(t.index().add(kp->local_index, kp) == 0, "index add");
    t.peers().swap_keypair(id, dp::keypair_slot::current, kp);
    tp->kp = kp;
    h->peers.push_back(std::move(tp));
    return *h->peers.back();
}

void start_eal()
{
    // No hugepages and no runtime files, as the unit tests: fuzzers run unprivileged and in
    // parallel. Errors only: libFuzzer's own output must stay readable.
    std::vector<std::string> args{"fuzz_pipeline", "-l",       "0",
                                  "--no-huge",     "-m",       "1024",
                                  "--no-shconf",   "--no-pci", "--log-level=*:error"};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        std::fprintf(stderr, "fuzz_pipeline: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
        std::abort();
    }
}

// Per input, the state a previous input left behind is put back, so an input's outcome does
// not depend on what ran before it (replay windows, send counters, one-shot event flags, age).
void reset_keypairs()
{
    for (auto& p : h->peers) {
        dp::keypair* kp = p->kp;
        kp->replay.reset();
        kp->send_counter.store(0);
        kp->rekey_signalled.store(0);
        kp->expired_signalled.store(0);
        kp->confirmed_signalled.store(0);
        kp->birth_tsc = rte_rdtsc();
        kp->reject_tsc = kp->birth_tsc + dp::reject_after_time_s * rte_get_tsc_hz();
    }
    h->ctx.events.n = 0;
}

void fix_inner_length(std::vector<uint8_t>& p)
{
    if (p.empty()) {
        return;
    }
    if (p[0] >> 4 == 6 && p.size() >= 40) {
        wire::store_be16(p.data() + 4, static_cast<uint16_t>(p.size() - 40));
    } else if (p.size() >= 20) {
        if (p[0] >> 4 != 4) {
            p[0] = 0x45;
        }
        wire::store_be16(p.data() + 2, static_cast<uint16_t>(p.size()));
    }
}

// Appends len bytes to m, or as many as fit; returns where they go.
uint8_t* append(rte_mbuf* m, size_t len)
{
    size_t room = rte_pktmbuf_tailroom(m);
    auto* at = rte_pktmbuf_append(m, static_cast<uint16_t>(len < room ? len : room));
    return reinterpret_cast<uint8_t*>(at);
}

// One frame as the input describes it, as a driver would hand it to the relay on `port`.
rte_mbuf* make_frame(uint16_t port, uint8_t ctl, std::span<const uint8_t> body)
{
    const test::test_peer& from = *h->peers[(ctl & ctl_peer_b) != 0 ? 1 : 0];
    wire::endpoint remote = from.remote;
    if ((ctl & ctl_roam) != 0) {
        remote.port ^= 1;
    }
    rte_mbuf* m = h->alloc();
    auto& md = drv::meta(m);
    md.port_index = port;

    if (port == relay_harness::port_access || (ctl & ctl_seal) == 0) {
        std::vector<uint8_t> bytes(body.begin(), body.end());
        if (port == relay_harness::port_access && (ctl & ctl_fix_len) != 0) {
            fix_inner_length(bytes);
        }
        uint8_t* at = append(m, bytes.size());
        if (rte_pktmbuf_data_len(m) != 0) { // bytes.data() may be null when empty
            std::memcpy(at, bytes.data(), rte_pktmbuf_data_len(m));
        }
        if (port == relay_harness::port_udp) {
            md.remote = remote;
            md.local = test::relay_endpoint(remote.family);
        }
        return m;
    }

    // Sealed: counter, then the inner packet, as the peer's WireGuard would send it.
    uint64_t counter = 0;
    if (body.size() >= 8) {
        counter = wire::load_le64(body.data());
        body = body.subspan(8);
    } else {
        body = {};
    }
    std::vector<uint8_t> plain(body.begin(), body.end());
    if ((ctl & ctl_fix_len) != 0) {
        fix_inner_length(plain);
    }
    if ((ctl & ctl_pad) != 0) {
        plain.resize(wire::transport_padded_len(plain.size(), h->ctx.mtu), 0);
    }
    std::vector<uint8_t> msg(wire::wg_transport_min_len + plain.size());
    wire::write_transport_header(msg.data(), from.relay_index, counter);
    crypto::chacha20poly1305_seal(msg.data() + wire::wg_transport_header_len, plain, {}, counter,
                                  from.peer_send_key);

    if (port == relay_harness::port_udp) {
        uint8_t* at = append(m, msg.size());
        std::memcpy(at, msg.data(), rte_pktmbuf_data_len(m));
        md.remote = remote;
        md.local = test::relay_endpoint(remote.family);
        return m;
    }
    wire::outer_template t;
    t.src = remote;
    t.dst = test::relay_endpoint(remote.family);
    const uint8_t relay_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::memcpy(t.dst_mac, relay_mac, 6);
    t.vlan = (ctl & ctl_vlan) != 0;
    t.vlan_tci = 100;
    size_t hl = wire::outer_header_len(t.dst.family, t.vlan);
    if (hl + msg.size() > rte_pktmbuf_tailroom(m) || msg.size() > UINT16_MAX) {
        // Too long to seal into one mbuf: send the message's head unframed (a parser drop).
        uint8_t* at = append(m, msg.size());
        std::memcpy(at, msg.data(), rte_pktmbuf_data_len(m));
        return m;
    }
    auto* at = append(m, hl + msg.size());
    std::memcpy(at + hl, msg.data(), msg.size());
    wire::write_outer(at, t, at + hl, static_cast<uint16_t>(msg.size()));
    return m;
}

// Which peers a frame the relay transmitted opens for (it must be exactly one).
int openers(rte_mbuf* m)
{
    int n = 0;
    for (auto& p : h->peers) {
        n += h->open_for(*p, m).has_value() ? 1 : 0;
    }
    return n;
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/)
{
    verbose = std::getenv("EDGERELAY_FUZZ_VERBOSE") != nullptr;
    start_eal();
    dp::table_set_config cfg;
    cfg.max_peers = 64;
    pool_size = 1024;
    h = new relay_harness(cfg, pool_size); // kept until exit: EAL memory is not given back
    add_peer(1, "10.0.0.2:51820", relay_harness::port_eth, 0x11);
    add_peer(2, "[fd00::3]:51820", relay_harness::port_udp, 0x22);
    h->allow(1, "192.168.1.0/24");
    h->allow(1, "fd01::/64");
    h->allow(2, "192.168.2.0/24");
    h->allow(2, "fd02::/64");
    h->route("192.168.1.0/24", 1);
    h->route("192.168.2.0/24", 2);
    h->route("fd01::/64", 1);
    h->route("fd02::/64", 2);
    h->route("10.99.0.0/16", dp::next_hop_local);
    h->route("fd99::/64", dp::next_hop_local);
    return 0;
}

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const uint16_t port = ports[data[0] % 3];
    std::span<const uint8_t> in(data + 1, size - 1);

    std::vector<rte_mbuf*> burst;
    while (!in.empty() && burst.size() < max_frames) {
        uint8_t ctl = in[0];
        size_t len = in.size() >= 3 ? size_t{in[1]} | size_t{in[2]} << 8 : 0;
        in = in.subspan(in.size() >= 3 ? 3 : in.size());
        len = len < in.size() ? len : in.size();
        burst.push_back(make_frame(port, ctl, in.first(len)));
        in = in.subspan(len);
    }
    if (burst.empty()) {
        return 0;
    }

    reset_keypairs();
    const dp::worker_counters before = h->counters;
    const uint64_t frames = burst.size();
    h->run(std::move(burst), port);
    h->ctx.events.n = 0; // the worker loop drains events after every burst; run() does not

    uint64_t forwarded = 0;
    for (uint16_t p : ports) {
        for (rte_mbuf* m : h->take_tx(p)) {
            forwarded++;
            if (p == relay_harness::port_access) {
                wire::inner_info info;
                auto bytes =
                    std::span(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
                require(wire::parse_inner(bytes, info) == wire::verdict::ok,
                        "access output is an inner IP packet");
                require(info.length == bytes.size(), "access output trimmed to its IP length");
            } else {
                require(openers(m) == 1, "underlay output opens for exactly one peer");
            }
            rte_pktmbuf_free(m);
        }
    }
    const uint64_t punted = h->punted.size();
    for (rte_mbuf* m : h->punted) {
        rte_pktmbuf_free(m);
    }
    h->punted.clear();

    const dp::worker_counters& after = h->counters;
    const uint64_t drops = after.drops_total - before.drops_total;
    const uint64_t keepalives = after.keepalives_rx - before.keepalives_rx;
    require(forwarded + punted + drops + keepalives == frames,
            "forwarded + punted + drops + keepalives == frames in");
    uint64_t sum = 0;
    for (uint64_t d : after.drops) {
        sum += d;
    }
    require(sum == after.drops_total, "drops by reason sum to drops_total");
    require(rte_mempool_avail_count(h->pool) == pool_size, "every mbuf back in the pool");
    if (verbose) {
        std::fprintf(stderr,
                     "port %u: %lu in, %lu forwarded, %lu punted, %lu keepalives, drops:", port,
                     static_cast<unsigned long>(frames), static_cast<unsigned long>(forwarded),
                     static_cast<unsigned long>(punted), static_cast<unsigned long>(keepalives));
        for (size_t r = 0; r < dp::drop_reason_count; r++) {
            if (after.drops[r] != before.drops[r]) {
                std::fprintf(stderr, " %s", dp::drop_reason_name(static_cast<dp::drop_reason>(r)));
            }
        }
        std::fprintf(stderr, "\n");
    }
    return 0;
}
