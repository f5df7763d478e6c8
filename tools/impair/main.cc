// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// impair: a seeded userspace link impairer between two interfaces (loss, delay, reorder,
// duplicates, corruption) and a garbage flooder, for netns drills.
//
// The test kernels have no netem, so drills put this tool in a namespace holding two unbridged
// veths and let it carry every frame across. Everything is seeded so a failing drill can be
// rerun with the same decisions, and every count is printed so drills can assert exact totals.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <linux/if_packet.h>
#include <map>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <set>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t max_frame = 65536;
// Bounds on every queue: a drill with absurd settings degrades (counted as queue_full drops)
// instead of eating the machine's memory.
constexpr size_t max_queued = 200000;

volatile sig_atomic_t g_stop = 0;
void on_signal(int)
{
    g_stop = 1;
}

uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

[[noreturn]] void usage(int rc)
{
    std::fprintf(rc == 0 ? stdout : stderr, R"(Usage: impair [options] IF_A IF_B
       impair flood --to ADDR:PORT [flood options]

Forward mode: carries every frame between interfaces IF_A and IF_B (both in this namespace,
not bridged by the kernel) through AF_PACKET sockets, impairing them on the way. Direction
"ab" is frames read on IF_A and written to IF_B, "ba" the reverse.

  --seed N               random seed (default: from the clock); printed at start
  --direction ab|ba|both which direction the impairment options AFTER it apply to
                         (default both); repeat it to give each direction its own settings
  --loss P               drop each packet with probability P (Bernoulli)
  --loss-burst P,R       Gilbert-Elliott loss: P = chance to enter the bad state, R = chance
                         to leave it; every packet is dropped while in the bad state
  --delay MS             add MS milliseconds of delay
  --jitter MS            plus a random delay: uniform in [-MS, MS] (or, with --jitter-normal,
                         normal with standard deviation MS), clamped at zero. Packets leave in
                         time order, so jitter reorders; that is intended
  --jitter-normal        draw jitter from a normal distribution instead of uniform
  --reorder P            hold a packet back with probability P ...
  --reorder-depth N      ... behind 1..N (uniform) later packets of the same direction
  --reorder-timeout MS   release a held packet after MS ms even if fewer later packets came
                         (default 200), so the tail of a flow is not held forever
  --duplicate P          send a packet twice (the copy right after it)
  --duplicate-late P,N   with probability P, send a copy again N packets later (replay-like)
  --corrupt P            flip one random byte after the Ethernet header (as netem does: a
                         flip in the IP or UDP header or payload usually fails a checksum and
                         the receiving kernel drops it)
  --corrupt-payload P    flip one random byte of the UDP payload and recompute the UDP
                         checksum, so the damage reaches the application (its AEAD must catch
                         it); counted as corrupted too
  --only-udp-port N      impair only UDP (IPv4/IPv6) frames from or to port N; forward
                         everything else untouched (ARP, neighbour discovery)
  --wg-window W          oracle: for transport messages (UDP payload type 4) written in each
                         direction, predict a receiver's anti-replay verdict with a window of
                         W counters (accept iff not seen and counter + W >= highest seen);
                         reports wg_accepted / wg_replayed / wg_stale
  --duration S           stop after S seconds (default: until SIGINT/SIGTERM)

Flood mode: sends garbage at a WireGuard port, as fast as --rate allows, and reports how many
of each kind went out and which drop reason a relay should count for each.
  --to ADDR:PORT         target (IPv4 or [IPv6])
  --from ADDR            bind to this source address (default: any)
  --rate PPS             packets per second (default 10000)
  --count N              packets to send (default 10000)
  --seed N               random seed
  --index N              a receiver index the target knows: used for forged transport
                         messages with a bad tag (default 0 = skip that kind)

Output: one JSON line on stdout at exit (SIGINT, SIGTERM, --duration, or end of flood).
)");
    std::exit(rc);
}

double parse_prob(const char* s)
{
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || v < 0 || v > 1) {
        std::fprintf(stderr, "impair: bad probability '%s'\n", s);
        usage(2);
    }
    return v;
}

double parse_num(const char* s)
{
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || v < 0) {
        std::fprintf(stderr, "impair: bad number '%s'\n", s);
        usage(2);
    }
    return v;
}

std::pair<std::string, std::string> split_comma(const char* s)
{
    std::string v(s);
    auto c = v.find(',');
    if (c == std::string::npos) {
        std::fprintf(stderr, "impair: expected P,X in '%s'\n", s);
        usage(2);
    }
    return {v.substr(0, c), v.substr(c + 1)};
}

struct impairment {
    double loss = 0;
    double ge_enter = 0, ge_leave = 0;
    double delay_ms = 0, jitter_ms = 0;
    bool jitter_normal = false;
    double reorder = 0;
    unsigned reorder_depth = 0;
    double reorder_timeout_ms = 200;
    double duplicate = 0;
    double dup_late = 0;
    unsigned dup_late_n = 0;
    double corrupt = 0;
    double corrupt_payload = 0;
};

struct counters {
    uint64_t received = 0, forwarded = 0, passthrough = 0, dropped = 0, duplicated = 0,
             reordered = 0, corrupted = 0, queue_full = 0, send_errors = 0;
    uint64_t wg_accepted = 0, wg_replayed = 0, wg_stale = 0;
};

using frame = std::vector<uint8_t>;

// Our own trivially correct model of an anti-replay window (a set plus the highest
// counter), independent of the dataplane's bitmap, so a drill compares two implementations.
struct wg_oracle {
    struct peer {
        bool any = false;
        uint64_t top = 0;
        std::set<uint64_t> seen;
    };
    uint64_t window = 0;
    std::unordered_map<uint32_t, peer> peers;

    void judge(const uint8_t* udp_payload, size_t n, counters& c)
    {
        if (window == 0 || n < 32 || udp_payload[0] != 4 || udp_payload[1] || udp_payload[2] ||
            udp_payload[3]) {
            return;
        }
        uint32_t index = 0;
        uint64_t ctr = 0;
        std::memcpy(&index, udp_payload + 4, 4);
        for (int i = 7; i >= 0; i--) {
            ctr = (ctr << 8) | udp_payload[8 + i]; // little-endian on the wire
        }
        peer& p = peers[index];
        if (p.any && ctr + window < p.top) {
            c.wg_stale++;
            return;
        }
        if (!p.seen.insert(ctr).second) {
            c.wg_replayed++;
            return;
        }
        c.wg_accepted++;
        if (!p.any || ctr > p.top) {
            p.top = ctr;
            p.any = true;
        }
        // Keep the set small: anything below the window is judged by the bound alone.
        while (!p.seen.empty() && *p.seen.begin() + window < p.top) {
            p.seen.erase(p.seen.begin());
        }
    }
};

// Finds the UDP header of an Ethernet frame; returns its offset or 0 when not UDP.
size_t udp_offset(const uint8_t* f, size_t n)
{
    if (n < 14) {
        return 0;
    }
    size_t off = 12;
    uint16_t et = uint16_t(f[off] << 8 | f[off + 1]);
    off += 2;
    if (et == 0x8100 && n >= 18) {
        et = uint16_t(f[off + 2] << 8 | f[off + 3]);
        off += 4;
    }
    if (et == 0x0800 && n >= off + 20) {
        size_t ihl = size_t(f[off] & 0x0f) * 4;
        if (f[off + 9] != 17 || ihl < 20 || n < off + ihl + 8) {
            return 0;
        }
        return off + ihl;
    }
    if (et == 0x86dd && n >= off + 48 && f[off + 6] == 17) {
        return off + 40;
    }
    return 0;
}

uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return uint16_t(sum);
}

uint32_t sum_bytes(const uint8_t* p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += uint32_t(p[i] << 8 | p[i + 1]);
    }
    if (n & 1) {
        sum += uint32_t(p[n - 1] << 8);
    }
    return sum;
}

// Frames a veth hands to a packet socket may carry a partial L4 checksum (checksum offload:
// only the pseudo-header sum is filled in). Written to the other veth as is, the receiving
// kernel would verify and drop them, so compute the full checksum here.
void complete_checksum(uint8_t* f, size_t n)
{
    if (n < 14) {
        return;
    }
    size_t off = 14;
    uint16_t et = uint16_t(f[12] << 8 | f[13]);
    uint8_t proto = 0;
    size_t l4 = 0, l4len = 0;
    uint32_t sum = 0;
    if (et == 0x0800 && n >= off + 20) {
        size_t ihl = size_t(f[off] & 0x0f) * 4;
        size_t tot = size_t(f[off + 2] << 8 | f[off + 3]);
        if (tot > n - off || tot < ihl) {
            return;
        }
        proto = f[off + 9];
        l4 = off + ihl;
        l4len = tot - ihl;
        sum = sum_bytes(f + off + 12, 8, 0);
    } else if (et == 0x86dd && n >= off + 40) {
        size_t plen = size_t(f[off + 4] << 8 | f[off + 5]);
        if (plen > n - off - 40) {
            return;
        }
        proto = f[off + 6];
        l4 = off + 40;
        l4len = plen;
        sum = sum_bytes(f + off + 8, 32, 0);
    } else {
        return;
    }
    size_t csum_at;
    if (proto == 17 && l4len >= 8) {
        csum_at = l4 + 6;
    } else if (proto == 6 && l4len >= 20) {
        csum_at = l4 + 16;
    } else {
        return;
    }
    sum += proto;
    sum += uint32_t(l4len);
    f[csum_at] = f[csum_at + 1] = 0;
    uint16_t c = uint16_t(~fold(sum_bytes(f + l4, l4len, sum)));
    if (proto == 17 && c == 0) {
        c = 0xffff;
    }
    f[csum_at] = uint8_t(c >> 8);
    f[csum_at + 1] = uint8_t(c);
}

int open_port(const char* ifname)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0) {
        std::fprintf(stderr, "impair: no interface %s: %s\n", ifname, std::strerror(errno));
        std::exit(3);
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) {
        std::perror("impair: socket(AF_PACKET)");
        std::exit(3);
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = int(idx);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
        std::perror("impair: bind");
        std::exit(3);
    }
    int one = 1;
    // Without this, our own writes to the interface come back on the same socket.
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
        std::perror("impair: PACKET_IGNORE_OUTGOING");
        std::exit(3);
    }
    // To learn which frames still need their checksum completed.
    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
    // A frame addressed to the far side's MAC is "other host" on this veth: promiscuous mode
    // keeps any driver-level filter from hiding it.
    packet_mreq mr{};
    mr.mr_ifindex = int(idx);
    mr.mr_type = PACKET_MR_PROMISC;
    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
    int buf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    return fd;
}

struct direction {
    const char* name = "";
    int in = -1, out = -1;
    impairment cfg;
    counters c;
    wg_oracle oracle;
    bool ge_bad = false;
    uint64_t index = 0; // impaired packets seen so far: the clock for reorder and late copies
    struct held {
        uint64_t release_at_index;
        uint64_t deadline_ns;
        frame f;
    };
    std::deque<held> holding;
    std::multimap<uint64_t, frame> delayed; // due time → frame; equal times keep FIFO order
    std::multimap<uint64_t, frame> late;    // packet index → late copy
};

struct forwarder {
    std::mt19937_64 rng;
    std::uniform_real_distribution<double> u01{0.0, 1.0};
    uint16_t only_port = 0;
    bool only = false;

    bool chance(double p) { return p > 0 && u01(rng) < p; }

    void transmit(direction& d, const frame& f)
    {
        ssize_t r = send(d.out, f.data(), f.size(), 0);
        if (r < 0) {
            d.c.send_errors++;
            return;
        }
        d.c.forwarded++;
        if (d.oracle.window != 0) {
            size_t u = udp_offset(f.data(), f.size());
            if (u != 0) {
                d.oracle.judge(f.data() + u + 8, f.size() - u - 8, d.c);
            }
        }
    }

    // Last stage: delay and jitter, then out.
    void schedule(direction& d, frame f, uint64_t now)
    {
        const impairment& k = d.cfg;
        if (k.delay_ms <= 0 && k.jitter_ms <= 0) {
            transmit(d, f);
            return;
        }
        double ms = k.delay_ms;
        if (k.jitter_ms > 0) {
            if (k.jitter_normal) {
                ms += std::normal_distribution<double>(0.0, k.jitter_ms)(rng);
            } else {
                ms += std::uniform_real_distribution<double>(-k.jitter_ms, k.jitter_ms)(rng);
            }
        }
        ms = std::max(ms, 0.0);
        if (d.delayed.size() >= max_queued) {
            d.c.queue_full++;
            return;
        }
        d.delayed.emplace(now + uint64_t(ms * 1e6), std::move(f));
    }

    // Reorder stage: a held packet leaves after enough later packets passed it.
    void reorder_stage(direction& d, frame f, uint64_t now, bool may_hold)
    {
        const impairment& k = d.cfg;
        if (may_hold && k.reorder_depth > 0 && chance(k.reorder) && d.holding.size() < max_queued) {
            uint64_t behind = 1 + rng() % k.reorder_depth;
            d.holding.push_back(
                {d.index + behind, now + uint64_t(k.reorder_timeout_ms * 1e6), std::move(f)});
            d.c.reordered++;
            return;
        }
        schedule(d, std::move(f), now);
    }

    // Frees held packets whose turn came (by count or by timeout), oldest first.
    void release_held(direction& d, uint64_t now)
    {
        for (auto it = d.holding.begin(); it != d.holding.end();) {
            if (it->release_at_index <= d.index || it->deadline_ns <= now) {
                schedule(d, std::move(it->f), now);
                it = d.holding.erase(it);
            } else {
                ++it;
            }
        }
    }

    void on_frame(direction& d, frame f, uint64_t now)
    {
        d.c.received++;
        if (only) {
            size_t u = udp_offset(f.data(), f.size());
            bool match = false;
            if (u != 0) {
                uint16_t sp = uint16_t(f[u] << 8 | f[u + 1]);
                uint16_t dp = uint16_t(f[u + 2] << 8 | f[u + 3]);
                match = sp == only_port || dp == only_port;
            }
            if (!match) {
                d.c.passthrough++;
                transmit(d, f);
                return;
            }
        }
        const impairment& k = d.cfg;
        d.index++;
        // Late copies due at this packet go out before it, as a replay would.
        while (!d.late.empty() && d.late.begin()->first <= d.index) {
            frame copy = std::move(d.late.begin()->second);
            d.late.erase(d.late.begin());
            d.c.duplicated++;
            reorder_stage(d, std::move(copy), now, false);
        }
        bool drop = false;
        if (k.ge_enter > 0) {
            if (d.ge_bad) {
                if (chance(k.ge_leave)) {
                    d.ge_bad = false;
                }
            } else if (chance(k.ge_enter)) {
                d.ge_bad = true;
            }
            drop = d.ge_bad;
        }
        if (!drop && chance(k.loss)) {
            drop = true;
        }
        if (drop) {
            d.c.dropped++;
            release_held(d, now);
            return;
        }
        if (chance(k.corrupt) && f.size() > 14) {
            size_t at = 14 + rng() % (f.size() - 14);
            f[at] ^= uint8_t(1 + rng() % 255);
            d.c.corrupted++;
        }
        if (chance(k.corrupt_payload)) {
            size_t u = udp_offset(f.data(), f.size());
            if (u != 0 && f.size() > u + 8) {
                size_t at = u + 8 + rng() % (f.size() - u - 8);
                f[at] ^= uint8_t(1 + rng() % 255);
                complete_checksum(f.data(), f.size());
                d.c.corrupted++;
            }
        }
        if (k.dup_late_n > 0 && chance(k.dup_late)) {
            if (d.late.size() < max_queued) {
                d.late.emplace(d.index + k.dup_late_n, f);
            } else {
                d.c.queue_full++;
            }
        }
        bool twice = chance(k.duplicate);
        frame copy;
        if (twice) {
            copy = f;
        }
        reorder_stage(d, std::move(f), now, true);
        if (twice) {
            d.c.duplicated++;
            reorder_stage(d, std::move(copy), now, false);
        }
        release_held(d, now);
    }

    void flush_due(direction& d, uint64_t now)
    {
        if (!d.holding.empty() && d.holding.front().deadline_ns <= now) {
            release_held(d, now);
        }
        while (!d.delayed.empty() && d.delayed.begin()->first <= now) {
            transmit(d, d.delayed.begin()->second);
            d.delayed.erase(d.delayed.begin());
        }
    }
};

void print_dir(const direction& d, bool oracle)
{
    const counters& c = d.c;
    std::printf("\"%s\":{\"received\":%lu,\"forwarded\":%lu,\"passthrough\":%lu,\"dropped\":%lu,"
                "\"duplicated\":%lu,\"reordered\":%lu,\"corrupted\":%lu,\"queue_full\":%lu,"
                "\"send_errors\":%lu,\"pending\":%zu",
                d.name, c.received, c.forwarded, c.passthrough, c.dropped, c.duplicated,
                c.reordered, c.corrupted, c.queue_full, c.send_errors,
                d.holding.size() + d.delayed.size());
    if (oracle) {
        std::printf(",\"wg_accepted\":%lu,\"wg_replayed\":%lu,\"wg_stale\":%lu", c.wg_accepted,
                    c.wg_replayed, c.wg_stale);
    }
    std::printf("}");
}

int run_forward(int argc, char** argv, uint64_t seed, double duration, uint16_t only_port,
                bool only, uint64_t window, impairment ab, impairment ba)
{
    if (argc != 2) {
        usage(2);
    }
    forwarder fw;
    fw.rng.seed(seed);
    fw.only = only;
    fw.only_port = only_port;
    direction dirs[2];
    int a = open_port(argv[0]), b = open_port(argv[1]);
    dirs[0].name = "ab";
    dirs[0].in = a;
    dirs[0].out = b;
    dirs[0].cfg = ab;
    dirs[1].name = "ba";
    dirs[1].in = b;
    dirs[1].out = a;
    dirs[1].cfg = ba;
    for (auto& d : dirs) {
        d.oracle.window = window;
    }
    std::printf("impair: seed=%lu %s <-> %s\n", seed, argv[0], argv[1]);
    std::fflush(stdout);

    const uint64_t start = now_ns();
    const uint64_t end = duration > 0 ? start + uint64_t(duration * 1e9) : UINT64_MAX;
    std::vector<uint8_t> buf(max_frame);
    while (!g_stop) {
        uint64_t now = now_ns();
        if (now >= end) {
            break;
        }
        uint64_t next = end;
        for (auto& d : dirs) {
            fw.flush_due(d, now);
            if (!d.delayed.empty()) {
                next = std::min(next, d.delayed.begin()->first);
            }
            if (!d.holding.empty()) {
                next = std::min(next, d.holding.front().deadline_ns);
            }
        }
        int timeout_ms = -1;
        if (next != UINT64_MAX) {
            uint64_t wait = next > now ? next - now : 0;
            // Round up, so we never spin on a sub-millisecond wait.
            timeout_ms = int(std::min<uint64_t>((wait + 999999) / 1000000, 1000));
        }
        pollfd pfd[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        int r = poll(pfd, 2, timeout_ms);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::perror("impair: poll");
            break;
        }
        now = now_ns();
        for (int i = 0; i < 2; i++) {
            if (!(pfd[i].revents & POLLIN)) {
                continue;
            }
            // Drain in bounded batches so one busy direction cannot starve the other.
            for (int n = 0; n < 256; n++) {
                char cbuf[CMSG_SPACE(sizeof(tpacket_auxdata))];
                iovec iov{buf.data(), buf.size()};
                msghdr mh{};
                mh.msg_iov = &iov;
                mh.msg_iovlen = 1;
                mh.msg_control = cbuf;
                mh.msg_controllen = sizeof cbuf;
                ssize_t len = recvmsg(dirs[i].in, &mh, MSG_DONTWAIT);
                if (len <= 0) {
                    break;
                }
                frame f(buf.begin(), buf.begin() + len);
                for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                    if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
                        tpacket_auxdata aux{};
                        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
                        if (aux.tp_status & TP_STATUS_CSUMNOTREADY) {
                            complete_checksum(f.data(), f.size());
                        }
                    }
                }
                fw.on_frame(dirs[i], std::move(f), now);
            }
        }
    }
    std::printf("{\"mode\":\"forward\",\"seed\":%lu,", seed);
    print_dir(dirs[0], window != 0);
    std::printf(",");
    print_dir(dirs[1], window != 0);
    std::printf("}\n");
    std::fflush(stdout);
    return 0;
}

// ---- flood mode ----

// What a WireGuard relay's parser makes of a UDP payload, mirroring the framing rules of the
// protocol (type byte 1-4, three zero bytes, fixed sizes 148/92/64, transport at least 32).
const char* expected_reason(const std::vector<uint8_t>& p)
{
    if (p.size() < 4) {
        return "wg_truncated";
    }
    if (p[0] < 1 || p[0] > 4) {
        return "wg_unknown_type";
    }
    if (p[1] | p[2] | p[3]) {
        return "wg_reserved_nonzero";
    }
    static const size_t sizes[] = {0, 148, 92, 64};
    if (p[0] < 4) {
        return p.size() == sizes[p[0]] ? "punted" : "wg_bad_size";
    }
    return p.size() < 32 ? "wg_transport_truncated" : "unknown_receiver";
}

int run_flood(int argc, char** argv)
{
    std::string to, from;
    double rate = 10000;
    uint64_t count = 10000, seed = now_ns();
    uint32_t known_index = 0;
    for (int i = 0; i < argc; i++) {
        std::string o = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) {
                usage(2);
            }
            return argv[++i];
        };
        if (o == "--to") {
            to = val();
        } else if (o == "--from") {
            from = val();
        } else if (o == "--rate") {
            rate = parse_num(val());
        } else if (o == "--count") {
            count = uint64_t(parse_num(val()));
        } else if (o == "--seed") {
            seed = std::strtoull(val(), nullptr, 0);
        } else if (o == "--index") {
            known_index = uint32_t(std::strtoul(val(), nullptr, 0));
        } else if (o == "-h" || o == "--help") {
            usage(0);
        } else {
            std::fprintf(stderr, "impair flood: unknown option %s\n", o.c_str());
            usage(2);
        }
    }
    auto colon = to.rfind(':');
    if (to.empty() || colon == std::string::npos) {
        usage(2);
    }
    std::string host = to.substr(0, colon);
    uint16_t port = uint16_t(std::atoi(to.c_str() + colon + 1));
    if (!host.empty() && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
    }
    sockaddr_storage dst{};
    socklen_t dlen;
    int fam;
    if (host.find(':') != std::string::npos) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&dst);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        if (inet_pton(AF_INET6, host.c_str(), &s6->sin6_addr) != 1) {
            usage(2);
        }
        dlen = sizeof *s6;
        fam = AF_INET6;
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&dst);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        if (inet_pton(AF_INET, host.c_str(), &s4->sin_addr) != 1) {
            usage(2);
        }
        dlen = sizeof *s4;
        fam = AF_INET;
    }
    int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("impair flood: socket");
        return 3;
    }
    if (!from.empty()) {
        sockaddr_storage src{};
        socklen_t slen;
        if (fam == AF_INET6) {
            auto* s6 = reinterpret_cast<sockaddr_in6*>(&src);
            s6->sin6_family = AF_INET6;
            inet_pton(AF_INET6, from.c_str(), &s6->sin6_addr);
            slen = sizeof *s6;
        } else {
            auto* s4 = reinterpret_cast<sockaddr_in*>(&src);
            s4->sin_family = AF_INET;
            inet_pton(AF_INET, from.c_str(), &s4->sin_addr);
            slen = sizeof *s4;
        }
        if (bind(fd, reinterpret_cast<sockaddr*>(&src), slen) < 0) {
            std::perror("impair flood: bind");
            return 3;
        }
    }
    std::printf("impair: flood seed=%lu to %s\n", seed, to.c_str());
    std::fflush(stdout);

    std::mt19937_64 rng(seed);
    auto rnd = [&](uint64_t n) { return rng() % n; };
    // The kinds, picked uniformly; each knows how to build one message.
    enum kind {
        random_bytes,
        trunc_init,
        trunc_resp,
        trunc_cookie,
        trunc_transport,
        trunc_header,
        unknown_index,
        bad_tag,
        bad_mac1,
        n_kinds
    };
    static const char* kind_names[] = {"random",
                                       "truncated_initiation",
                                       "truncated_response",
                                       "truncated_cookie",
                                       "truncated_transport",
                                       "truncated_header",
                                       "forged_unknown_index",
                                       "forged_bad_tag",
                                       "forged_initiation_bad_mac1"};
    uint64_t sent[n_kinds] = {}, errors = 0;
    std::map<std::string, uint64_t> expect;
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < count && !g_stop; i++) {
        int k = int(rnd(n_kinds));
        if (k == bad_tag && known_index == 0) {
            k = unknown_index;
        }
        std::vector<uint8_t> p;
        auto fill_random = [&](size_t n) {
            p.resize(n);
            for (auto& b : p) {
                b = uint8_t(rng());
            }
        };
        auto header = [&](uint8_t type) {
            p[0] = type;
            p[1] = p[2] = p[3] = 0;
        };
        const char* reason;
        switch (k) {
        case random_bytes:
            fill_random(rnd(200));
            reason = expected_reason(p);
            break;
        case trunc_init: // shorter than 148 but a full header
            fill_random(4 + rnd(144));
            header(1);
            reason = "wg_bad_size";
            break;
        case trunc_resp:
            fill_random(4 + rnd(88));
            header(2);
            reason = "wg_bad_size";
            break;
        case trunc_cookie:
            fill_random(4 + rnd(60));
            header(3);
            reason = "wg_bad_size";
            break;
        case trunc_transport: // header fits, tag does not
            fill_random(4 + rnd(28));
            header(4);
            reason = "wg_transport_truncated";
            break;
        case trunc_header: // not even the 4-byte header
            fill_random(rnd(4));
            reason = "wg_truncated";
            break;
        case unknown_index: {
            fill_random(32 + 16 * rnd(8));
            header(4);
            // Random receiver indexes never equal the known one: that would be a bad tag.
            uint32_t idx;
            do {
                idx = uint32_t(rng());
            } while (idx == known_index);
            std::memcpy(&p[4], &idx, 4);
            reason = "unknown_receiver";
            break;
        }
        case bad_tag: {
            fill_random(32 + 16 * rnd(8));
            header(4);
            std::memcpy(&p[4], &known_index, 4);
            // A counter far ahead of any real flow passes the replay pre-check, so the tag
            // is what fails; it is never marked, so every forged one fails the same way.
            uint64_t ctr = (uint64_t(1) << 50) + (rng() >> 20);
            for (int b = 0; b < 8; b++) {
                p[8 + b] = uint8_t(ctr >> (8 * b));
            }
            reason = "auth_failed";
            break;
        }
        default: // bad_mac1: a correctly sized initiation full of noise; only the control
                 // plane can tell, the dataplane punts it
            fill_random(148);
            header(1);
            reason = "punted";
            break;
        }
        sent[k]++;
        expect[reason]++;
        if (sendto(fd, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&dst), dlen) < 0) {
            errors++;
        }
        if (rate > 0) {
            uint64_t due = start + uint64_t(double(i + 1) * 1e9 / rate);
            uint64_t now = now_ns();
            if (due > now) {
                timespec ts{time_t((due - now) / 1000000000ull), long((due - now) % 1000000000ull)};
                nanosleep(&ts, nullptr);
            }
        }
    }
    uint64_t total = 0;
    for (uint64_t s : sent) {
        total += s;
    }
    std::printf("{\"mode\":\"flood\",\"seed\":%lu,\"sent\":%lu,\"send_errors\":%lu", seed, total,
                errors);
    for (int k = 0; k < n_kinds; k++) {
        std::printf(",\"%s\":%lu", kind_names[k], sent[k]);
    }
    // What the target should count, by its counter names.
    std::printf(",\"expect\":{");
    bool first = true;
    for (const auto& [reason, n] : expect) {
        std::printf("%s\"%s\":%lu", first ? "" : ",", reason.c_str(), n);
        first = false;
    }
    std::printf("}}\n");
    std::fflush(stdout);
    return errors == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (argc >= 2 && std::string(argv[1]) == "flood") {
        return run_flood(argc - 2, argv + 2);
    }
    uint64_t seed = now_ns();
    double duration = 0;
    uint16_t only_port = 0;
    bool only = false;
    uint64_t window = 0;
    impairment ab, ba;
    int scope = 3; // bit 0: ab, bit 1: ba
    std::vector<char*> pos;
    for (int i = 1; i < argc; i++) {
        std::string o = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "impair: %s needs a value\n", o.c_str());
                usage(2);
            }
            return argv[++i];
        };
        auto apply = [&](auto fn) {
            if (scope & 1) {
                fn(ab);
            }
            if (scope & 2) {
                fn(ba);
            }
        };
        if (o == "-h" || o == "--help") {
            usage(0);
        } else if (o == "--seed") {
            seed = std::strtoull(val(), nullptr, 0);
        } else if (o == "--duration") {
            duration = parse_num(val());
        } else if (o == "--only-udp-port") {
            only_port = uint16_t(std::atoi(val()));
            only = true;
        } else if (o == "--wg-window") {
            window = uint64_t(parse_num(val()));
        } else if (o == "--direction") {
            std::string v = val();
            scope = v == "ab" ? 1 : v == "ba" ? 2 : v == "both" ? 3 : 0;
            if (scope == 0) {
                usage(2);
            }
        } else if (o == "--loss") {
            double p = parse_prob(val());
            apply([&](impairment& k) { k.loss = p; });
        } else if (o == "--loss-burst") {
            auto [p, r] = split_comma(val());
            double pe = parse_prob(p.c_str()), pr = parse_prob(r.c_str());
            apply([&](impairment& k) {
                k.ge_enter = pe;
                k.ge_leave = pr;
            });
        } else if (o == "--delay") {
            double v = parse_num(val());
            apply([&](impairment& k) { k.delay_ms = v; });
        } else if (o == "--jitter") {
            double v = parse_num(val());
            apply([&](impairment& k) { k.jitter_ms = v; });
        } else if (o == "--jitter-normal") {
            apply([&](impairment& k) { k.jitter_normal = true; });
        } else if (o == "--reorder") {
            double p = parse_prob(val());
            apply([&](impairment& k) { k.reorder = p; });
        } else if (o == "--reorder-depth") {
            unsigned v = unsigned(parse_num(val()));
            apply([&](impairment& k) { k.reorder_depth = v; });
        } else if (o == "--reorder-timeout") {
            double v = parse_num(val());
            apply([&](impairment& k) { k.reorder_timeout_ms = v; });
        } else if (o == "--duplicate") {
            double p = parse_prob(val());
            apply([&](impairment& k) { k.duplicate = p; });
        } else if (o == "--duplicate-late") {
            auto [p, n] = split_comma(val());
            double pp = parse_prob(p.c_str());
            unsigned nn = unsigned(parse_num(n.c_str()));
            apply([&](impairment& k) {
                k.dup_late = pp;
                k.dup_late_n = nn;
            });
        } else if (o == "--corrupt") {
            double p = parse_prob(val());
            apply([&](impairment& k) { k.corrupt = p; });
        } else if (o == "--corrupt-payload") {
            double p = parse_prob(val());
            apply([&](impairment& k) { k.corrupt_payload = p; });
        } else if (!o.empty() && o[0] == '-') {
            std::fprintf(stderr, "impair: unknown option %s\n", o.c_str());
            usage(2);
        } else {
            pos.push_back(argv[i]);
        }
    }
    return run_forward(int(pos.size()), pos.data(), seed, duration, only_port, only, window, ab,
                       ba);
}
