// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-loadgen: paced WireGuard transport load over one DPDK port, NDR/PDR search, latency.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "common/crypto/aead_burst.hh"
#include "common/wire/bytes.hh"
#include "common/wire/checksum.hh"
#include "common/wire/wireguard.hh"
#include "perf/loadgen/traffic.hh"

namespace edgerelay::perf {
namespace {

constexpr uint16_t burst = 32;
constexpr size_t outer_len = 14 + 20 + 8; // Ethernet + IPv4 + UDP
constexpr size_t wg_off = outer_len;
constexpr size_t inner_off = outer_len + wire::wg_transport_header_len;
constexpr size_t tunnel_mtu = 1420;

struct options {
    uint32_t peers = 1;
    uint16_t queues = 1;       // queue pairs; peer i is sent on queue i mod N (one worker each)
    uint64_t seed = 1;
    std::string write_program;
    uint32_t idle_peers = 0;   // --write-program: installed peers that never send (table size)
    uint32_t extra_routes = 0; // --write-program: more /24 routes (table size)
    std::string vdev = "net_memif0,role=server,socket=/run/edgerelay-perf.sock,mac=02:00:00:00:00:02";
    std::string lcore = "1";
    std::vector<size_mix> mixes{size_mix::s64, size_mix::imix, size_mix::s1420};
    bool echo = false;         // the far end sends our frames back as they are (testpmd io)
    bool aead_ceiling = false; // only measure open+seal per packet on this CPU
    double trial_s = 2.0;
    unsigned steps = 8;
    double pdr_loss = 0.005;
    double rate = 0;           // one trial at this rate (pps) instead of the search
    std::vector<double> latency_points{0.1, 0.5, 0.9};
    unsigned verify_every = 4; // open one received frame in N (latency samples come from these)
    uint64_t counter_base = 0;
    double link_wait_s = 20;
    std::string write_pcap;   // write pre-sealed frames to this pcap and exit (perf/pktgen)
    uint64_t count = 65536;   // frames in that pcap
    bool no_huge = false;     // DPDK memory from plain pages (a shared machine's hugepages may vanish)
    std::string start_file; // wait for this file (the relay is programmed) before the first trial
};

void usage()
{
    std::printf(R"(Usage: edgerelay-loadgen [options]

Plays P WireGuard peers against an edgerelay dataplane over one DPDK port (net_memif by
default), plus the peer the relay forwards to (the "sink", also this program). Frames are
Ethernet/IPv4/UDP/WireGuard transport, sealed on the fly (ChaCha20-Poly1305, ipsec-mb) with
a fresh counter each (never a replay); the inner payload carries the send TSC. Sends in
bursts of 32 paced with rte_rdtsc; opens 1 in N returned frames (checks the tag and reads the
latency). By default, for each size mix: NDR (zero loss) and PDR (loss <= --pdr-loss) by
binary search on the offered rate, then latency at fractions of the NDR.

Options:
  --peers P             sending peers (default 1); each has its own keys, index, endpoint, /24
  --seed S              derive keys and addresses from S (default 1)
  --queues N            N queue pairs on the port (default 1): peer i always goes out on
                        queue i mod N, so each relay worker owns whole peers; P must be a
                        multiple of N. For memif the far end must configure N queues too.
  --write-program FILE  write the er-program file for (P, S) and exit (no DPDK)
  --idle-peers N        with --write-program: N more peers (keypair, allowed /24 in 13/8 up)
                        that never send, so the relay's tables hold P+1+N peers
  --extra-routes N      with --write-program: N more /24 routes (11.0.0.0 up) via the sink
  --mix LIST            comma list of 64, imix, 1420 (default all three)
  --echo                the far end returns frames unchanged (dpdk-testpmd io mode): frames
                        are sealed once ahead, the TSC travels in the source MAC
  --write-pcap FILE     write --count frames (default 65536) of the first --mix to a pcap
                        and exit (no DPDK port): for Pktgen-DPDK replay, see perf/pktgen/
  --count N             frames in that pcap; each peer's counters run from --counter-base
  --aead-ceiling        measure one open + one seal per packet (bursts of 32) on this CPU
                        for each mix and print packets/s; no port is opened
  --trial S             seconds per trial (default 2)
  --steps N             binary-search steps per figure (default 8)
  --pdr-loss F          PDR loss bound (default 0.005)
  --rate PPS            one trial at this rate instead of the search
  --latency LIST        fractions of NDR for latency trials (default 0.1,0.5,0.9; none = skip);
                        of the maximum forwarding rate (rx at full load) when the NDR is 0
  --verify-every N      open one returned frame in N (default 4; 1 = all)
  --counter-base N      first WireGuard counter of every peer (default 0)
  --vdev ARGS           the DPDK vdev (default %s)
  --lcore N             the CPU to run on (default 1)
  --no-huge             run DPDK without hugepages (memif copies through memfd regions anyway)
  --start-file PATH     after link up, wait (up to 1800 s) until PATH exists before the first
                        trial: perf/run creates it once er-program has programmed the relay
  -h, --help            this text

Output: one line per trial and per result, key=value, e.g.
  ndr mix=64 pps=812345 ...   pdr mix=64 pps=...   latency mix=64 frac=0.50 p50_us=...
  latency_cdf mix=64 frac=0.50 samples=N q_us=0:12.1,0.01:12.9,...,1:950.2 (every percent + tail)
then `results done` once every trial has run (the device under test may stop then).
)", options{}.vdev.c_str());
}

bool split_list(const std::string& s, std::vector<std::string>& out)
{
    size_t a = 0;
    while (a <= s.size()) {
        size_t b = s.find(',', a);
        if (b == std::string::npos) {
            b = s.size();
        }
        out.push_back(s.substr(a, b - a));
        a = b + 1;
    }
    return true;
}

bool parse_args(int argc, char** argv, options& o)
{
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "edgerelay-loadgen: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            usage();
            std::exit(0);
        } else if (a == "--peers") {
            o.peers = static_cast<uint32_t>(std::stoul(val()));
        } else if (a == "--queues") {
            o.queues = static_cast<uint16_t>(std::stoul(val()));
        } else if (a == "--seed") {
            o.seed = std::stoull(val());
        } else if (a == "--write-program") {
            o.write_program = val();
        } else if (a == "--idle-peers") {
            o.idle_peers = static_cast<uint32_t>(std::stoul(val()));
        } else if (a == "--extra-routes") {
            o.extra_routes = static_cast<uint32_t>(std::stoul(val()));
        } else if (a == "--mix") {
            std::vector<std::string> l;
            split_list(val(), l);
            o.mixes.clear();
            for (auto& s : l) {
                size_mix m;
                if (!parse_mix(s, m)) {
                    std::fprintf(stderr, "edgerelay-loadgen: unknown mix %s (64, imix, 1420)\n", s.c_str());
                    return false;
                }
                o.mixes.push_back(m);
            }
        } else if (a == "--echo") {
            o.echo = true;
        } else if (a == "--aead-ceiling") {
            o.aead_ceiling = true;
        } else if (a == "--trial") {
            o.trial_s = std::stod(val());
        } else if (a == "--steps") {
            o.steps = static_cast<unsigned>(std::stoul(val()));
        } else if (a == "--pdr-loss") {
            o.pdr_loss = std::stod(val());
        } else if (a == "--rate") {
            o.rate = std::stod(val());
        } else if (a == "--latency") {
            std::string v = val();
            o.latency_points.clear();
            if (v != "none") {
                std::vector<std::string> l;
                split_list(v, l);
                for (auto& s : l) {
                    o.latency_points.push_back(std::stod(s));
                }
            }
        } else if (a == "--verify-every") {
            o.verify_every = std::max(1u, static_cast<unsigned>(std::stoul(val())));
        } else if (a == "--counter-base") {
            o.counter_base = std::stoull(val());
        } else if (a == "--vdev") {
            o.vdev = val();
        } else if (a == "--write-pcap") {
            o.write_pcap = val();
        } else if (a == "--count") {
            o.count = std::stoull(val());
        } else if (a == "--no-huge") {
            o.no_huge = true;
        } else if (a == "--start-file") {
            o.start_file = val();
        } else if (a == "--lcore") {
            o.lcore = val();
        } else {
            std::fprintf(stderr, "edgerelay-loadgen: unknown option %s (see --help)\n", a.c_str());
            return false;
        }
    }
    if (o.idle_peers > 1'000'000 || o.extra_routes > 1'000'000) {
        std::fprintf(stderr, "edgerelay-loadgen: --idle-peers and --extra-routes are at most 1000000\n");
        return false;
    }
    if (o.queues == 0 || o.queues > 16 || o.peers % o.queues != 0) {
        std::fprintf(stderr, "edgerelay-loadgen: --queues must be 1..16 and divide --peers\n");
        return false;
    }
    if (o.peers == 0 || o.peers > 16384) {
        std::fprintf(stderr, "edgerelay-loadgen: --peers must be 1..16384\n");
        return false;
    }
    return true;
}

// Writes Ethernet/IPv4/UDP (UDP checksum 0) for a datagram of udp_payload bytes.
void write_outer(uint8_t* f, const uint8_t src_mac[6], const uint8_t dst_mac[6], uint32_t src,
                 uint32_t dst, uint16_t port, size_t udp_payload)
{
    std::memcpy(f, dst_mac, 6);
    std::memcpy(f + 6, src_mac, 6);
    wire::store_be16(f + 12, 0x0800);
    uint8_t* ip = f + 14;
    std::memset(ip, 0, 20);
    ip[0] = 0x45;
    wire::store_be16(ip + 2, static_cast<uint16_t>(20 + 8 + udp_payload));
    ip[6] = 0x40; // DF
    ip[8] = 64;
    ip[9] = 17;
    wire::store_be32(ip + 12, src);
    wire::store_be32(ip + 16, dst);
    wire::store_be16(ip + 10, wire::inet_checksum(ip, 20));
    uint8_t* udp = ip + 20;
    wire::store_be16(udp, port);
    wire::store_be16(udp + 2, port);
    wire::store_be16(udp + 4, static_cast<uint16_t>(8 + udp_payload));
    wire::store_be16(udp + 6, 0);
}

// The inner IPv4/UDP header of a packet of `len` bytes (payload left as is).
void write_inner(uint8_t* ip, uint32_t src, uint32_t dst, uint16_t len)
{
    std::memset(ip, 0, 28);
    ip[0] = 0x45;
    wire::store_be16(ip + 2, len);
    ip[8] = 64;
    ip[9] = 17;
    wire::store_be32(ip + 12, src);
    wire::store_be32(ip + 16, dst);
    wire::store_be16(ip + 10, wire::inet_checksum(ip, 20));
    wire::store_be16(ip + 20, 9000);
    wire::store_be16(ip + 22, 9001);
    wire::store_be16(ip + 24, static_cast<uint16_t>(len - 20));
}

struct trial_result {
    double offered_pps = 0;   // attempted sends per second (what the far end was offered)
    double requested_pps = 0;
    double rx_pps = 0;
    uint64_t tx = 0, rx = 0, bad = 0, other = 0, verified = 0;
    double loss = 0;
    double p50_us = 0, p99_us = 0, p999_us = 0;
    uint64_t samples = 0;
    std::vector<double> cdf_us; // latency at each of cdf_quantiles (perf/plot.py draws the CDF)
};

// Quantiles of the latency CDF a latency trial prints: every percent, then the tail.
std::vector<double> cdf_quantiles()
{
    std::vector<double> q;
    for (int i = 0; i < 100; i++) {
        q.push_back(i / 100.0);
    }
    for (double t : {0.995, 0.999, 0.9995, 0.9999, 1.0}) {
        q.push_back(t);
    }
    return q;
}

class loadgen {
public:
    loadgen(const options& o, traffic_plan plan) : _o(o), _plan(std::move(plan)) {}

    bool open_port();
    trial_result trial(size_mix mix, double pps, double seconds);
    void run_search(size_mix mix);

private:
    void build_burst(size_mix mix, rte_mbuf** m, uint64_t tsc, uint16_t q);
    void receive(uint64_t t_end);
    void drain(double seconds);

    const options& _o;
    traffic_plan _plan;
    uint16_t _port = 0;
    rte_mempool* _pool = nullptr;
    crypto::aead_burst_engine _aead;
    uint8_t _mac[6] = {}, _relay_mac[6] = {};
    uint64_t _seq = 0;                     // packets built so far (selects peer and size)
    std::vector<uint64_t> _qseq;           // --queues > 1: packets built so far per queue
    uint16_t _next_q = 0;
    std::vector<uint64_t> _counter;        // next counter per sending peer
    std::vector<std::vector<uint8_t>> _echo_frames; // --echo: frames sealed once
    // Per-trial receive state.
    uint64_t _rx = 0, _bad = 0, _other = 0, _verified = 0, _rx_seen = 0;
    std::vector<uint64_t> _lat; // TSC cycles
    bool _record = false;
};

bool loadgen::open_port()
{
    if (rte_eth_dev_count_avail() == 0) {
        std::fprintf(stderr, "edgerelay-loadgen: no DPDK port (check --vdev)\n");
        return false;
    }
    _pool = rte_pktmbuf_pool_create("lg_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    if (_pool == nullptr) {
        std::fprintf(stderr, "edgerelay-loadgen: no mbuf pool (hugepages?)\n");
        return false;
    }
    rte_eth_conf conf{};
    bool ok = rte_eth_dev_configure(_port, _o.queues, _o.queues, &conf) == 0;
    for (uint16_t q = 0; ok && q < _o.queues; q++) {
        ok = rte_eth_rx_queue_setup(_port, q, 1024, rte_eth_dev_socket_id(_port), nullptr, _pool) == 0 &&
             rte_eth_tx_queue_setup(_port, q, 1024, rte_eth_dev_socket_id(_port), nullptr) == 0;
    }
    _qseq.assign(_o.queues, 0);
    if (!ok || rte_eth_dev_start(_port) < 0) {
        std::fprintf(stderr, "edgerelay-loadgen: cannot start port 0\n");
        return false;
    }
    std::printf("port started\n");
    std::fflush(stdout);
    rte_ether_addr a;
    rte_eth_macaddr_get(_port, &a);
    std::memcpy(_mac, a.addr_bytes, 6);
    const uint8_t relay[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::memcpy(_relay_mac, relay, 6);
    // Wait for the far end (the memif client) to connect.
    uint64_t deadline = rte_rdtsc() + static_cast<uint64_t>(_o.link_wait_s * rte_get_tsc_hz());
    rte_eth_link link{};
    while (rte_rdtsc() < deadline) {
        rte_eth_link_get_nowait(_port, &link);
        if (link.link_status == RTE_ETH_LINK_UP) {
            break;
        }
        rte_delay_ms(50);
    }
    if (link.link_status != RTE_ETH_LINK_UP) {
        std::fprintf(stderr, "edgerelay-loadgen: link did not come up in %.0f s\n", _o.link_wait_s);
        return false;
    }
    std::printf("link up\n");
    std::fflush(stdout);
    if (!_o.start_file.empty()) {
        deadline = rte_rdtsc() + 1800 * rte_get_tsc_hz(); // 100 000 peers take minutes to program
        while (access(_o.start_file.c_str(), F_OK) != 0) {
            if (rte_rdtsc() > deadline) {
                std::fprintf(stderr, "edgerelay-loadgen: %s did not appear\n", _o.start_file.c_str());
                return false;
            }
            rte_delay_ms(50);
        }
    }
    _counter.assign(_plan.peers.size(), _o.counter_base);
    return true;
}

void loadgen::build_burst(size_mix mix, rte_mbuf** m, uint64_t tsc, uint16_t q)
{
    crypto::aead_op ops[burst];
    const auto n_peers = static_cast<uint32_t>(_plan.peers.size());
    const uint32_t nq = _o.queues, per_q = n_peers / nq;
    for (uint16_t i = 0; i < burst; i++, _seq++) {
        // One queue: peers round robin. N queues: queue q sends peers q, q+N, q+2N ... only.
        const uint64_t k = nq == 1 ? _seq : _qseq[q]++;
        const uint32_t pi = static_cast<uint32_t>((k % per_q) * nq + q);
        const lg_peer& p = _plan.peers[pi];
        const uint16_t len = mix_size(mix, k / per_q);
        if (_o.echo) {
            // The frame of (peer, size) sealed once; the TSC goes in the source MAC.
            size_t key = (static_cast<size_t>(pi) * 3) + (len == 64 ? 0 : len == 576 ? 1 : 2);
            const auto& f = _echo_frames[key];
            uint8_t* d = rte_pktmbuf_mtod(m[i], uint8_t*);
            std::memcpy(d, f.data(), f.size());
            for (int b = 0; b < 6; b++) {
                d[6 + b] = static_cast<uint8_t>(tsc >> (8 * (5 - b)));
            }
            m[i]->data_len = static_cast<uint16_t>(f.size());
            m[i]->pkt_len = f.size();
            continue;
        }
        const size_t padded = wire::transport_padded_len(len, tunnel_mtu);
        const size_t msg = wire::transport_message_len(0) + padded;
        uint8_t* d = rte_pktmbuf_mtod(m[i], uint8_t*);
        write_outer(d, _mac, _relay_mac, p.underlay, _plan.relay_addr, _plan.port, msg);
        const uint64_t ctr = _counter[pi]++;
        wire::write_transport_header(d + wg_off, p.relay_index, ctr);
        uint8_t* in = d + inner_off;
        write_inner(in, p.inner_src, _plan.inner_dst, len);
        wire::store_le64(in + 28, tsc);
        wire::store_le64(in + 36, _seq);
        std::memset(in + len, 0, padded - len);
        ops[i] = {p.key, ctr, in, in, static_cast<uint32_t>(padded), in + padded, false};
        m[i]->data_len = static_cast<uint16_t>(outer_len + msg);
        m[i]->pkt_len = outer_len + msg;
    }
    if (!_o.echo) {
        _aead.seal(std::span(ops, burst));
    }
}

void loadgen::receive(uint64_t t_end)
{
    rte_mbuf* m[burst];
    uint16_t n = 0;
    for (uint16_t q = 0; q < _o.queues && n == 0; q++) {
        n = rte_eth_rx_burst(_port, static_cast<uint16_t>((_next_q + q) % _o.queues), m, burst);
    }
    _next_q = static_cast<uint16_t>((_next_q + 1) % _o.queues);
    if (n == 0) {
        return;
    }
    const uint64_t now = rte_rdtsc();
    crypto::aead_op ops[burst];
    uint8_t* inners[burst];
    unsigned n_ops = 0;
    for (uint16_t i = 0; i < n; i++) {
        uint8_t* d = rte_pktmbuf_mtod(m[i], uint8_t*);
        const size_t dl = rte_pktmbuf_data_len(m[i]);
        if (dl < inner_off + wire::wg_aead_tag_len || wire::load_be16(d + 12) != 0x0800 ||
            d[wg_off] != wire::message_type_transport) {
            _other++;
            continue;
        }
        const uint32_t idx = wire::transport_receiver_index(d + wg_off);
        const uint8_t* key = nullptr;
        if (_o.echo) {
            if (idx >= 1'000'000 && idx < 1'000'000 + _plan.peers.size()) {
                key = _plan.peers[idx - 1'000'000].key;
            }
        } else if (idx == _plan.sink.peer_index) {
            key = _plan.sink.relay_key;
        }
        if (key == nullptr) {
            _other++;
            continue;
        }
        _rx++;
        const uint64_t k = _rx_seen++;
        if (_o.echo) {
            if (_record && k % _o.verify_every == 0) {
                uint64_t t = 0;
                for (int b = 0; b < 6; b++) {
                    t = (t << 8) | d[6 + b];
                }
                _lat.push_back(((now & 0xffffffffffffull) - t) & 0xffffffffffffull);
            }
            if (k % (_o.verify_every * 64ull) != 0) {
                continue; // the ceiling mostly skips decryption: a few tags are checked
            }
        } else if (k % _o.verify_every != 0) {
            continue;
        }
        uint8_t* in = d + inner_off;
        const auto clen = static_cast<uint32_t>(dl - inner_off - wire::wg_aead_tag_len);
        ops[n_ops] = {key, wire::transport_counter(d + wg_off), in, in, clen, in + clen, false};
        inners[n_ops] = in;
        n_ops++;
    }
    if (n_ops != 0) {
        _aead.open(std::span(ops, n_ops));
        for (unsigned k = 0; k < n_ops; k++) {
            if (!ops[k].ok) {
                _bad++;
                continue;
            }
            _verified++;
            if (!_o.echo && _record) {
                uint64_t t = wire::load_le64(inners[k] + 28);
                if (t <= now && now <= t_end + rte_get_tsc_hz()) {
                    _lat.push_back(now - t);
                }
            }
        }
    }
    rte_pktmbuf_free_bulk(m, n);
}

void loadgen::drain(double seconds)
{
    uint64_t end = rte_rdtsc() + static_cast<uint64_t>(seconds * rte_get_tsc_hz());
    while (rte_rdtsc() < end) {
        receive(end);
    }
}

trial_result loadgen::trial(size_mix mix, double pps, double seconds)
{
    drain(0.05);
    if (_o.echo && _echo_frames.empty()) {
        // Seal each (peer, size) frame once.
        for (const auto& p : _plan.peers) {
            for (uint16_t len : {uint16_t(64), uint16_t(576), uint16_t(1420)}) {
                const size_t padded = wire::transport_padded_len(len, tunnel_mtu);
                const size_t msg = wire::transport_message_len(0) + padded;
                std::vector<uint8_t> f(outer_len + msg);
                write_outer(f.data(), _mac, _relay_mac, p.underlay, _plan.relay_addr, _plan.port, msg);
                wire::write_transport_header(f.data() + wg_off, p.relay_index, 0);
                uint8_t* in = f.data() + inner_off;
                write_inner(in, p.inner_src, _plan.inner_dst, len);
                crypto::aead_op op{p.key, 0, in, in, static_cast<uint32_t>(padded), in + padded, false};
                _aead.seal(std::span(&op, 1));
                _echo_frames.push_back(std::move(f));
            }
        }
    }
    _rx = _bad = _other = _verified = _rx_seen = 0;
    _lat.clear();
    _lat.reserve(1 << 22);
    _record = true;
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t t0 = rte_rdtsc();
    const uint64_t t_end = t0 + static_cast<uint64_t>(seconds * hz);
    const double per_burst = static_cast<double>(hz) * burst / pps;
    double next = static_cast<double>(t0);
    uint64_t tx = 0;
    rte_mbuf* m[burst];
    uint64_t now = t0;
    while (now < t_end) {
        if (static_cast<double>(now) >= next) {
            if (static_cast<double>(now) - next > static_cast<double>(hz) / 1000) {
                next = static_cast<double>(now); // more than 1 ms behind: we cannot keep this rate
            }
            next += per_burst;
            if (rte_pktmbuf_alloc_bulk(_pool, m, burst) == 0) {
                const auto q = static_cast<uint16_t>((tx / burst) % _o.queues);
                build_burst(mix, m, now, q);
                uint16_t sent = rte_eth_tx_burst(_port, q, m, burst);
                if (sent < burst) {
                    rte_pktmbuf_free_bulk(m + sent, burst - sent); // the far end's ring is full: lost
                }
                tx += burst;
            }
        }
        receive(t_end);
        now = rte_rdtsc();
    }
    const double elapsed = static_cast<double>(now - t0) / static_cast<double>(hz);
    drain(0.1); // what is still in flight
    _record = false;
    trial_result r;
    r.requested_pps = pps;
    r.tx = tx;
    r.rx = _rx;
    r.bad = _bad;
    r.other = _other;
    r.verified = _verified;
    r.offered_pps = static_cast<double>(tx) / elapsed;
    r.rx_pps = static_cast<double>(_rx) / elapsed;
    r.loss = tx == 0 ? 1.0 : std::max(0.0, 1.0 - static_cast<double>(_rx) / static_cast<double>(tx));
    if (!_lat.empty()) {
        std::sort(_lat.begin(), _lat.end());
        auto pct = [&](double q) {
            size_t i = std::min(_lat.size() - 1, static_cast<size_t>(q * static_cast<double>(_lat.size())));
            return static_cast<double>(_lat[i]) * 1e6 / static_cast<double>(hz);
        };
        r.p50_us = pct(0.50);
        r.p99_us = pct(0.99);
        r.p999_us = pct(0.999);
        r.samples = _lat.size();
        for (double q : cdf_quantiles()) {
            r.cdf_us.push_back(pct(q));
        }
    }
    std::printf("trial mix=%s peers=%zu requested_pps=%.0f offered_pps=%.0f rx_pps=%.0f tx=%" PRIu64
                " rx=%" PRIu64 " loss=%.6f bad_tag=%" PRIu64 " other=%" PRIu64 " verified=%" PRIu64
                " p50_us=%.2f p99_us=%.2f p999_us=%.2f\n",
                mix_name(mix), _plan.peers.size(), pps, r.offered_pps, r.rx_pps, r.tx, r.rx, r.loss,
                r.bad, r.other, r.verified, r.p50_us, r.p99_us, r.p999_us);
    std::fflush(stdout);
    return r;
}

void loadgen::run_search(size_mix mix)
{
    if (_o.rate > 0) {
        trial(mix, _o.rate, _o.trial_s);
        return;
    }
    // The loadgen's own limit: offer as fast as it can build frames.
    trial_result top = trial(mix, 1e9, _o.trial_s);
    const double max_rate = top.offered_pps;
    auto search = [&](double lo, double hi, double bound, const char* name) {
        double best = lo;
        trial_result best_r{};
        bool limited = false;
        if (top.loss <= bound) {
            best = max_rate; // the far end kept up with everything we could send
            best_r = top;
            limited = true;
        } else {
            for (unsigned s = 0; s < _o.steps; s++) {
                double mid = (lo + hi) / 2;
                trial_result r = trial(mix, mid, _o.trial_s);
                if (r.loss <= bound) {
                    lo = mid;
                    best = mid;
                    best_r = r;
                    limited = r.offered_pps < 0.98 * mid;
                } else {
                    hi = mid;
                }
            }
        }
        std::printf("%s mix=%s peers=%zu pps=%.0f offered_pps=%.0f loss=%.6f loadgen_max_pps=%.0f "
                    "loadgen_limited=%d\n",
                    name, mix_name(mix), _plan.peers.size(), best, best_r.offered_pps, best_r.loss,
                    max_rate, limited ? 1 : 0);
        std::fflush(stdout);
        return best;
    };
    // Search below twice what came back at full load (not the loadgen's own maximum, which can
    // be ten times higher): the steps then resolve the region where NDR and PDR lie.
    const double hi = std::min(max_rate, std::max(2.0 * top.rx_pps, max_rate / 64));
    double ndr = search(0, hi, 0.0, "ndr");
    double pdr = _o.pdr_loss > 0 ? search(ndr, hi, _o.pdr_loss, "pdr") : ndr;
    (void)pdr;
    // Latency at fractions of the NDR; when nothing passed without loss (a busy machine), of
    // the maximum forwarding rate (what came back at full offered load) instead.
    const bool of_ndr = ndr > 0;
    const double base = of_ndr ? ndr : top.rx_pps;
    for (double f : _o.latency_points) {
        if (base <= 0) {
            break;
        }
        trial_result r = trial(mix, f * base, _o.trial_s);
        std::printf("latency mix=%s peers=%zu base=%s frac=%.2f pps=%.0f loss=%.6f p50_us=%.2f "
                    "p99_us=%.2f p999_us=%.2f\n",
                    mix_name(mix), _plan.peers.size(), of_ndr ? "ndr" : "mfr", f, r.offered_pps, r.loss,
                    r.p50_us, r.p99_us, r.p999_us);
        // The whole CDF of the opened frames' round-trip latency (quantile:µs pairs).
        std::printf("latency_cdf mix=%s peers=%zu base=%s frac=%.2f samples=%" PRIu64 " q_us=",
                    mix_name(mix), _plan.peers.size(), of_ndr ? "ndr" : "mfr", f, r.samples);
        const auto qs = cdf_quantiles();
        for (size_t i = 0; i < r.cdf_us.size(); i++) {
            std::printf("%s%g:%.2f", i == 0 ? "" : ",", qs[i], r.cdf_us[i]);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
}

// Frames as the live loadgen sends them (TSC 0), sealed once, in a classic pcap file.
int write_pcap(const options& o)
{
    const traffic_plan plan = make_plan(o.peers, o.seed);
    crypto::aead_burst_engine aead;
    std::FILE* f = std::fopen(o.write_pcap.c_str(), "wb");
    if (f == nullptr) {
        std::perror(o.write_pcap.c_str());
        return 1;
    }
    const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1}; // v2.4, Ethernet
    std::fwrite(hdr, sizeof hdr, 1, f);
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x02}, relay_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::vector<uint64_t> counter(plan.peers.size(), o.counter_base);
    std::vector<uint8_t> frame(2048);
    const auto n_peers = static_cast<uint32_t>(plan.peers.size());
    for (uint64_t seq = 0; seq < o.count; seq++) {
        const uint32_t pi = static_cast<uint32_t>(seq % n_peers);
        const lg_peer& p = plan.peers[pi];
        const uint16_t len = mix_size(o.mixes.front(), seq / n_peers);
        const size_t padded = wire::transport_padded_len(len, tunnel_mtu);
        const size_t msg = wire::transport_message_len(0) + padded;
        uint8_t* d = frame.data();
        write_outer(d, mac, relay_mac, p.underlay, plan.relay_addr, plan.port, msg);
        const uint64_t ctr = counter[pi]++;
        wire::write_transport_header(d + wg_off, p.relay_index, ctr);
        uint8_t* in = d + inner_off;
        write_inner(in, p.inner_src, plan.inner_dst, len);
        wire::store_le64(in + 28, 0);
        wire::store_le64(in + 36, seq);
        std::memset(in + len, 0, padded - len);
        crypto::aead_op op{p.key, ctr, in, in, static_cast<uint32_t>(padded), in + padded, false};
        aead.seal(std::span(&op, 1));
        const auto flen = static_cast<uint32_t>(outer_len + msg);
        const uint32_t rec[4] = {static_cast<uint32_t>(seq / 1000000), static_cast<uint32_t>(seq % 1000000),
                                 flen, flen};
        std::fwrite(rec, sizeof rec, 1, f);
        std::fwrite(d, flen, 1, f);
    }
    return std::fclose(f) == 0 ? 0 : 1;
}

// One open + one seal per packet, bursts of 32, in place: what a relay's crypto alone allows.
void aead_ceiling(const options& o)
{
    crypto::aead_burst_engine engine;
    uint8_t key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = static_cast<uint8_t>(i * 7 + 1);
    }
    const double hz = static_cast<double>(rte_get_tsc_hz());
    for (auto mix : o.mixes) {
        std::vector<std::vector<uint8_t>> bufs;
        crypto::aead_op ops[burst];
        for (uint16_t i = 0; i < burst; i++) {
            size_t len = wire::transport_padded_len(mix_size(mix, i), tunnel_mtu);
            bufs.emplace_back(len + 16, 0x5a);
        }
        auto fill = [&](uint64_t ctr) {
            for (uint16_t i = 0; i < burst; i++) {
                auto len = static_cast<uint32_t>(bufs[i].size() - 16);
                ops[i] = {key, ctr, bufs[i].data(), bufs[i].data(), len, bufs[i].data() + len, false};
            }
        };
        fill(0);
        engine.seal(std::span(ops, burst));
        uint64_t pkts = 0, bad = 0;
        const uint64_t t0 = rte_rdtsc();
        const uint64_t end = t0 + static_cast<uint64_t>(o.trial_s * hz);
        uint64_t now = t0;
        while (now < end) {
            fill(0);
            engine.open(std::span(ops, burst));
            for (auto& op : ops) {
                bad += op.ok ? 0 : 1;
            }
            fill(0);
            engine.seal(std::span(ops, burst));
            pkts += burst;
            now = rte_rdtsc();
        }
        const double s = static_cast<double>(now - t0) / hz;
        std::printf("aead_ceiling mix=%s pps=%.0f cycles_per_pkt=%.1f arch=%s bad=%" PRIu64 "\n",
                    mix_name(mix), static_cast<double>(pkts) / s,
                    static_cast<double>(now - t0) / static_cast<double>(pkts), engine.arch(), bad);
        std::fflush(stdout);
    }
}

int run(int argc, char** argv)
{
    options o;
    if (!parse_args(argc, argv, o)) {
        return 2;
    }
    if (!o.write_program.empty()) {
        std::ofstream f(o.write_program);
        f << program_text(make_plan(o.peers, o.seed), o.idle_peers, o.extra_routes);
        return f.good() ? 0 : 1;
    }
    if (!o.write_pcap.empty()) {
        return write_pcap(o);
    }
    std::vector<std::string> eal{"edgerelay-loadgen", "-l", o.lcore, "--no-pci", "--log-level=*:warning"};
    if (o.aead_ceiling) {
        eal.insert(eal.end(), {"--no-huge", "-m", "64", "--no-shconf"});
    } else {
        if (o.no_huge) {
            eal.insert(eal.end(), {"--no-huge", "-m", "512", "--no-shconf"});
        } else {
            eal.push_back("--in-memory");
        }
        eal.insert(eal.end(), {"--vdev", o.vdev});
    }
    std::vector<char*> av;
    for (auto& s : eal) {
        av.push_back(s.data());
    }
    if (rte_eal_init(static_cast<int>(av.size()), av.data()) < 0) {
        std::fprintf(stderr, "edgerelay-loadgen: EAL init failed (hugepages? CPU %s taken?)\n", o.lcore.c_str());
        return 3;
    }
    int rc = 0;
    if (o.aead_ceiling) {
        aead_ceiling(o);
    } else {
        auto* lg = new loadgen(o, make_plan(o.peers, o.seed));
        if (!lg->open_port()) {
            rc = 3;
        } else {
            for (auto mix : o.mixes) {
                lg->run_search(mix);
            }
            // perf/run stops the device when it reads this, before the loadgen exits: with
            // two busy-polling workers on both CPUs, the exit's unmapping could wait for minutes.
            std::printf("results done\n");
            std::fflush(stdout);
        }
        rte_eth_dev_stop(0);
        rte_eth_dev_close(0);
        delete lg;
    }
    // No rte_eal_cleanup(): DPDK 22.11's memif server frees its listener socket on close without
    // unregistering the listener's interrupt callback, so the EAL interrupt thread keeps a
    // source whose handle lives in DPDK heap memory; rte_eal_cleanup() unmaps that memory while
    // the thread still runs, and the thread faults in rte_intr_fd_get() (seen with --no-huge).
    // Exiting releases everything (memfd/--in-memory pages included) with all threads at once.
    std::fflush(stdout);
    return rc;
}

} // namespace
} // namespace edgerelay::perf

int main(int argc, char** argv)
{
    return edgerelay::perf::run(argc, argv);
}
