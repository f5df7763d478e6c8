// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// uring_tun_port: a multi-queue TUN device read and written through io_uring or read/writev.
#include "drivers/io_uring/tun_port.hh"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <liburing.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "drivers/io_uring/send_ring.hh"
#include "drivers/io_uring/uring_internal.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::drv {

namespace {

using uring_detail::errno_text;

constexpr unsigned max_batch = 64; // packets handled per call; callers burst 32
constexpr unsigned max_segs = 8;

struct tun_tx_slot {
    iovec iov[max_segs];
    unsigned n_iov;
    rte_mbuf* m;
};

void meta_rx(rte_mbuf* m, uint32_t len, uint16_t port_index) noexcept
{
    m->data_len = static_cast<uint16_t>(len);
    m->pkt_len = len;
    m->port = port_index;
    pkt_meta& pm = meta(m);
    pm = pkt_meta{};
    pm.port_index = port_index;
    pm.payload_off = 0;
    pm.payload_len = static_cast<uint16_t>(len);
}

unsigned iov_fill(iovec* iov, rte_mbuf* m) noexcept
{
    if (m->nb_segs > max_segs) {
        return 0;
    }
    unsigned n = 0;
    for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
        iov[n].iov_base = rte_pktmbuf_mtod(seg, void*);
        iov[n].iov_len = seg->data_len;
        ++n;
    }
    return n;
}

int tun_open(const std::string& ifname, bool nonblock, std::string& actual)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENXIO || err == ENODEV) {
            throw std::runtime_error("uring_tun_port: no /dev/net/tun (" +
                                     std::string(std::strerror(err)) +
                                     "): load the tun module (modprobe tun) or, in a "
                                     "container, pass the device in (--device /dev/net/tun)");
        }
        if (err == EACCES || err == EPERM) {
            throw std::runtime_error("uring_tun_port: opening /dev/net/tun is not permitted: "
                                     "run as root or with CAP_NET_ADMIN and access to the "
                                     "device node");
        }
        throw std::runtime_error(errno_text("uring_tun_port: open /dev/net/tun", err));
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
    std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        close(fd);
        switch (err) {
        case EPERM:
        case EACCES:
            throw std::runtime_error("uring_tun_port: creating TUN device " + ifname +
                                     " needs CAP_NET_ADMIN (run as root, or "
                                     "AmbientCapabilities=CAP_NET_ADMIN in the systemd unit)");
        case EINVAL:
            throw std::runtime_error("uring_tun_port: device " + ifname +
                                     " exists but is not a multi-queue TUN device; delete it "
                                     "(ip link del " + ifname + ") or choose another name");
        case EBUSY:
            throw std::runtime_error("uring_tun_port: device " + ifname +
                                     " is busy (another process holds it, or too many queues); "
                                     "stop that process or choose another name");
        default:
            throw std::runtime_error(errno_text(("uring_tun_port: TUNSETIFF " + ifname).c_str(),
                                                err));
        }
    }
    actual = ifr.ifr_name;
    return fd;
}

// MTU and link flags go through an ordinary socket's ioctls (SIOCSIFMTU, SIOCSIFFLAGS).
void link_setup(const std::string& ifname, uint32_t mtu, bool up, int& ifindex)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        throw std::runtime_error(errno_text("uring_tun_port: socket for link ioctls", errno));
    }
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.data(), std::min<size_t>(ifname.size(), IFNAMSIZ - 1));
    std::string err;
    if (ioctl(s, SIOCGIFINDEX, &ifr) == 0) {
        ifindex = ifr.ifr_ifindex;
    }
    if (mtu != 0) {
        ifr.ifr_mtu = static_cast<int>(mtu);
        if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
            err = errno_text(("setting MTU " + std::to_string(mtu) + " on " + ifname).c_str(),
                             errno) + " (TUN accepts 68..65535)";
        }
    }
    if (err.empty() && up) {
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
            err = errno_text(("reading flags of " + ifname).c_str(), errno);
        } else {
            ifr.ifr_flags |= IFF_UP;
            if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
                err = errno_text(("bringing " + ifname + " up").c_str(), errno) +
                      " (needs CAP_NET_ADMIN)";
            }
        }
    }
    close(s);
    if (!err.empty()) {
        throw std::runtime_error("uring_tun_port: " + err);
    }
}

} // namespace

struct uring_tun_port::queue {
    int fd = -1;
    io_uring rx{};
    bool rx_ring_ok = false;
    std::vector<rte_mbuf*> rx_mbuf;  // slot -> mbuf a read targets (nullptr: none yet)
    std::vector<uint16_t> rx_idle;   // slots without a read in flight
    unsigned rx_inflight = 0;
    uring_detail::send_ring<tun_tx_slot> send;
    rte_mbuf* spare[max_batch] = {}; // fallback: mbufs ready for read()
    unsigned n_spare = 0;
    uring_queue_stats st;
};

uring_tun_port::uring_tun_port(const uring_tun_config& cfg)
    : _pool(cfg.pool), _n_queues(cfg.n_queues), _port_index(cfg.port_index)
{
    if (cfg.pool == nullptr) {
        throw std::runtime_error("uring_tun_port: no mbuf pool given (create one with "
                                 "pkt_pool_create())");
    }
    if (cfg.n_queues == 0 || cfg.ifname.empty() || cfg.ifname.size() >= IFNAMSIZ) {
        throw std::runtime_error("uring_tun_port: need n_queues >= 1 and an interface name of "
                                 "1.." + std::to_string(IFNAMSIZ - 1) + " characters");
    }
    if (cfg.rx_reads == 0 || cfg.rx_reads > 4096 || cfg.ring_entries == 0 ||
        cfg.ring_entries > 32768) {
        throw std::runtime_error("uring_tun_port: rx_reads must be in 1..4096 and ring_entries "
                                 "in 1..32768");
    }
    const unsigned room = rte_pktmbuf_data_room_size(cfg.pool) - RTE_PKTMBUF_HEADROOM;
    if (cfg.mtu > room) {
        throw std::runtime_error("uring_tun_port: MTU " + std::to_string(cfg.mtu) +
                                 " does not fit the pool's " + std::to_string(room) +
                                 "-byte mbufs; lower the MTU");
    }

    if (cfg.force_fallback) {
        _fallback_reason = "forced by configuration (force_fallback)";
    } else {
        uring_probe_result pr = uring_probe();
        _uring = pr.usable;
        _fallback_reason = pr.reason;
    }

    _queues = std::make_unique<queue[]>(cfg.n_queues);
    try {
        _ifname = cfg.ifname;
        for (uint16_t qi = 0; qi < cfg.n_queues; ++qi) {
            queue& q = _queues[qi];
            // io_uring needs a blocking fd: on an O_NONBLOCK file a read with no packet
            // completes with -EAGAIN instead of waiting in the kernel.
            std::string actual;
            q.fd = tun_open(qi == 0 ? cfg.ifname : _ifname, !_uring, actual);
            _ifname = actual;
            if (_uring) {
                const std::string who = "uring_tun_port queue " + std::to_string(qi);
                uring_detail::ring_init(&q.rx, cfg.rx_reads, cfg.rx_reads * 2, who);
                q.rx_ring_ok = true;
                q.send.setup(cfg.ring_entries, who);
                q.rx_mbuf.assign(cfg.rx_reads, nullptr);
                for (unsigned i = cfg.rx_reads; i-- > 0;) {
                    q.rx_idle.push_back(static_cast<uint16_t>(i));
                }
            }
        }
        link_setup(_ifname, cfg.mtu, cfg.set_up, _ifindex);
    } catch (...) {
        close_all();
        throw;
    }
    _name = "uring:tun:" + _ifname;
}

uring_tun_port::~uring_tun_port()
{
    close_all();
}

void uring_tun_port::close_all() noexcept
{
    if (!_queues) {
        return;
    }
    for (uint16_t qi = 0; qi < _n_queues; ++qi) {
        queue& q = _queues[qi];
        if (q.rx_ring_ok) {
            // Reads write into mbufs: the mbufs go back to the pool only once cancelled.
            uring_detail::ring_quiesce(&q.rx, q.rx_inflight,
                                       [&](const io_uring_cqe&) { --q.rx_inflight; });
            if (q.rx_inflight == 0) {
                for (rte_mbuf* m : q.rx_mbuf) {
                    rte_pktmbuf_free(m);
                }
            }
            io_uring_queue_exit(&q.rx);
            q.rx_ring_ok = false;
        }
        q.send.close();
        if (q.n_spare > 0) {
            rte_pktmbuf_free_bulk(q.spare, q.n_spare);
            q.n_spare = 0;
        }
        if (q.fd >= 0) {
            close(q.fd);
            q.fd = -1;
        }
    }
    _queues.reset();
}

const uring_queue_stats& uring_tun_port::stats(uint16_t queue) const noexcept
{
    return _queues[queue < _n_queues ? queue : 0].st;
}

uint16_t uring_tun_port::rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept
{
    if (queue >= _n_queues || pkts.empty()) {
        return 0;
    }
    return _uring ? rx_uring(_queues[queue], pkts) : rx_read(_queues[queue], pkts);
}

uint16_t uring_tun_port::tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept
{
    if (queue >= _n_queues || pkts.empty()) {
        return 0;
    }
    return _uring ? tx_uring(_queues[queue], pkts) : tx_write(_queues[queue], pkts);
}

// ---- io_uring mode ----

void uring_tun_port::rx_refill(queue& q) noexcept
{
    rte_mbuf* fresh[max_batch];
    unsigned need = 0;
    for (uint16_t idx : q.rx_idle) {
        need += q.rx_mbuf[idx] == nullptr ? 1 : 0;
    }
    need = std::min(need, max_batch);
    unsigned have = 0;
    if (need > 0 && rte_pktmbuf_alloc_bulk(_pool, fresh, need) == 0) {
        have = need;
    }
    unsigned queued = 0;
    size_t keep = 0;
    for (size_t i = 0; i < q.rx_idle.size(); ++i) {
        const uint16_t idx = q.rx_idle[i];
        if (q.rx_mbuf[idx] == nullptr && have > 0) {
            q.rx_mbuf[idx] = fresh[--have];
        }
        io_uring_sqe* sqe = q.rx_mbuf[idx] != nullptr ? io_uring_get_sqe(&q.rx) : nullptr;
        if (sqe == nullptr) {
            q.rx_idle[keep++] = idx; // no mbuf (pool empty) or SQ full: retry next burst
            continue;
        }
        rte_mbuf* m = q.rx_mbuf[idx];
        io_uring_prep_read(sqe, q.fd, rte_pktmbuf_mtod(m, void*), rte_pktmbuf_tailroom(m), 0);
        io_uring_sqe_set_data64(sqe, idx);
        ++queued;
    }
    q.rx_idle.resize(keep); // shrinks only: no allocation
    if (have > 0) {
        rte_pktmbuf_free_bulk(fresh, have);
    }
    if (queued > 0) {
        q.rx_inflight += queued;
        io_uring_submit(&q.rx); // on failure the SQEs stay queued for the next submit
    }
}

uint16_t uring_tun_port::rx_uring(queue& q, std::span<pkt*> pkts) noexcept
{
    if (q.send.inflight > 0 && io_uring_cq_ready(&q.send.ring) > 0) {
        q.send.reap(q.st); // same thread owns both rings: return sent mbufs to the pool early
    }
    io_uring_cqe* cqes[max_batch];
    const unsigned want = std::min<size_t>(pkts.size(), max_batch);
    const unsigned got = io_uring_peek_batch_cqe(&q.rx, cqes, want);
    unsigned out = 0;
    for (unsigned i = 0; i < got; ++i) {
        const auto idx = static_cast<uint16_t>(cqes[i]->user_data);
        const int res = cqes[i]->res;
        rte_mbuf* m = q.rx_mbuf[idx];
        if (res > 0) {
            meta_rx(m, static_cast<uint32_t>(res), _port_index);
            pkts[out++] = m;
            q.rx_mbuf[idx] = nullptr;
            q.st.rx_bytes += static_cast<uint64_t>(res);
        } else if (res != -ECANCELED && res != -EAGAIN && res != -EINTR) {
            ++q.st.rx_errors; // the mbuf stays in its slot for the next read
        }
        q.rx_idle.push_back(idx); // capacity reserved at start-up: no allocation
    }
    io_uring_cq_advance(&q.rx, got);
    q.rx_inflight -= got;
    q.st.rx_packets += out;
    if (!q.rx_idle.empty()) {
        rx_refill(q);
    }
    return static_cast<uint16_t>(out);
}

uint16_t uring_tun_port::tx_uring(queue& q, std::span<pkt* const> pkts) noexcept
{
    return q.send.send(
        pkts, q.st, [](tun_tx_slot& s, rte_mbuf* m) { return (s.n_iov = iov_fill(s.iov, m)) != 0; },
        [&q](io_uring_sqe* sqe, tun_tx_slot& s) { io_uring_prep_writev(sqe, q.fd, s.iov, s.n_iov, 0); });
}

// ---- read/writev fallback (TUN has no recvmmsg: one system call per packet) ----

uint16_t uring_tun_port::rx_read(queue& q, std::span<pkt*> pkts) noexcept
{
    const unsigned want = std::min<size_t>(pkts.size(), max_batch);
    unsigned out = 0;
    while (out < want) {
        if (q.n_spare == 0) {
            const unsigned n = want - out;
            if (rte_pktmbuf_alloc_bulk(_pool, q.spare, n) != 0) {
                break;
            }
            q.n_spare = n;
        }
        rte_mbuf* m = q.spare[q.n_spare - 1];
        ssize_t r = read(q.fd, rte_pktmbuf_mtod(m, void*), rte_pktmbuf_tailroom(m));
        if (r <= 0) {
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                ++q.st.rx_errors;
            }
            break;
        }
        --q.n_spare;
        meta_rx(m, static_cast<uint32_t>(r), _port_index);
        q.st.rx_bytes += static_cast<uint64_t>(r);
        pkts[out++] = m;
    }
    q.st.rx_packets += out;
    return static_cast<uint16_t>(out);
}

uint16_t uring_tun_port::tx_write(queue& q, std::span<pkt* const> pkts) noexcept
{
    iovec iov[max_segs];
    unsigned accepted = 0;
    for (; accepted < pkts.size(); ++accepted) {
        rte_mbuf* m = pkts[accepted];
        const unsigned n = iov_fill(iov, m);
        ssize_t r = n == 0 ? -1 : writev(q.fd, iov, static_cast<int>(n));
        if (r < 0 && n != 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break; // the caller keeps the rest
        }
        if (r < 0) {
            ++q.st.tx_errors;
        } else {
            ++q.st.tx_packets;
            q.st.tx_bytes += static_cast<uint64_t>(r);
        }
        rte_pktmbuf_free(m);
    }
    return static_cast<uint16_t>(accepted);
}

} // namespace edgerelay::drv
