// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// uring_udp_port: SO_REUSEPORT UDP sockets driven by io_uring, or by recvmmsg/sendmmsg.
#include "drivers/io_uring/udp_port.hh"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "drivers/io_uring/send_ring.hh"
#include "drivers/io_uring/uring_internal.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::drv {

namespace {

using uring_detail::errno_text;

constexpr unsigned max_batch = 64;  // packets handled per call; callers burst 32 (dp::max_burst)
constexpr unsigned max_segs = 8;    // iovecs per sent packet (chained mbufs)
constexpr uint64_t rx_tag = 1;      // user_data of the multishot receive
// Room for IP_PKTINFO and IPV6_PKTINFO: dual-stack sockets may deliver both for IPv4.
constexpr size_t rx_ctrl_len = CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(in6_pktinfo));
constexpr size_t tx_ctrl_len = CMSG_SPACE(sizeof(in6_pktinfo));

// Everything a sendmsg needs until the kernel completes it.
struct tx_slot {
    msghdr msg;
    iovec iov[max_segs];
    sockaddr_storage dst;
    alignas(cmsghdr) uint8_t ctrl[tx_ctrl_len];
    rte_mbuf* m;
};

struct rx_ctrl {
    alignas(cmsghdr) uint8_t b[rx_ctrl_len];
};

// Reads our address from one ancillary message; IPv4-mapped addresses become IPv4.
void apply_cmsg(const cmsghdr* c, wire::endpoint& local) noexcept
{
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        local.family = 4;
        std::memset(local.addr, 0, sizeof(local.addr));
        std::memcpy(local.addr, &pi.ipi_addr, 4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        std::memset(local.addr, 0, sizeof(local.addr));
        if (IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr)) {
            local.family = 4;
            std::memcpy(local.addr, &pi.ipi6_addr.s6_addr[12], 4);
        } else {
            local.family = 6;
            std::memcpy(local.addr, &pi.ipi6_addr, 16);
        }
    }
}

// Fills slot for m; returns false when m's destination cannot be reached by this socket.
bool slot_fill(tx_slot& s, rte_mbuf* m, int sock_family) noexcept
{
    const pkt_meta& pm = meta(m);
    socklen_t alen = endpoint_to_sockaddr(pm.remote, sock_family, s.dst);
    if (alen == 0 || m->nb_segs > max_segs) {
        return false;
    }
    unsigned n = 0;
    for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
        s.iov[n].iov_base = rte_pktmbuf_mtod(seg, void*);
        s.iov[n].iov_len = seg->data_len;
        ++n;
    }
    s.msg = msghdr{};
    s.msg.msg_name = &s.dst;
    s.msg.msg_namelen = alen;
    s.msg.msg_iov = s.iov;
    s.msg.msg_iovlen = n;
    s.m = m;
    // Sticky source address: answer from the address the peer talked to.
    if (!pm.local.empty() && pm.local.family == pm.remote.family) {
        auto* c = reinterpret_cast<cmsghdr*>(s.ctrl);
        if (sock_family == AF_INET) {
            in_pktinfo pi{};
            std::memcpy(&pi.ipi_spec_dst, pm.local.addr, 4);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(pi));
            std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
            s.msg.msg_controllen = CMSG_SPACE(sizeof(pi));
        } else {
            in6_pktinfo pi{};
            if (pm.local.family == 4) {
                pi.ipi6_addr.s6_addr[10] = 0xff;
                pi.ipi6_addr.s6_addr[11] = 0xff;
                std::memcpy(&pi.ipi6_addr.s6_addr[12], pm.local.addr, 4);
            } else {
                std::memcpy(&pi.ipi6_addr, pm.local.addr, 16);
            }
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(pi));
            std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
            s.msg.msg_controllen = CMSG_SPACE(sizeof(pi));
        }
        s.msg.msg_control = s.ctrl;
    }
    return true;
}

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

std::string bind_error(int err, uint16_t port, const std::string& addr)
{
    const std::string where = "UDP port " + std::to_string(port);
    switch (err) {
    case EADDRINUSE:
        return where + " is already bound by another process (find it with `ss -ulpn 'sport = :" +
               std::to_string(port) + "'`); stop it or choose another listen_port";
    case EACCES:
        return "binding " + where + " is not permitted: ports below 1024 need "
                                    "CAP_NET_BIND_SERVICE (or choose a port >= 1024)";
    case EADDRNOTAVAIL:
        return "bind address " + addr + " is not configured on this host; use an address of "
                                        "one of its interfaces or leave bind_address empty";
    default:
        return errno_text(("binding " + where).c_str(), err);
    }
}

} // namespace

struct uring_udp_port::queue {
    int fd = -1;
    // io_uring mode: separate receive and send rings so each burst reaps only its own
    // completions (a shared CQ would make tx_burst consume receive CQEs or vice versa).
    io_uring rx{};
    bool rx_ring_ok = false;
    uring_detail::buf_ring bufs;
    msghdr rx_msg{};         // multishot template: only namelen and controllen matter
    bool rx_armed = false;   // a multishot receive is in flight (or queued in the SQ)
    bool rx_unsubmitted = false;
    unsigned rx_inflight = 0;
    bool rx_ever_armed = false;
    uring_detail::send_ring<tx_slot> send;
    // fallback mode (sendmmsg builds its messages in send.slots)
    std::vector<mmsghdr> mm;
    std::vector<iovec> rx_iov;
    std::vector<sockaddr_storage> rx_names;
    std::vector<rx_ctrl> rx_ctrls;
    rte_mbuf* spare[max_batch] = {};
    unsigned n_spare = 0;
    uring_queue_stats st;
};

uring_udp_port::uring_udp_port(const uring_udp_config& cfg)
    : _pool(cfg.pool), _n_queues(cfg.n_queues), _port_index(cfg.port_index), _uring(false)
{
    if (cfg.pool == nullptr) {
        throw std::runtime_error("uring_udp_port: no mbuf pool given (create one with "
                                 "pkt_pool_create())");
    }
    if (cfg.n_queues == 0) {
        throw std::runtime_error("uring_udp_port: n_queues must be at least 1");
    }
    if (cfg.rx_buffers == 0 || (cfg.rx_buffers & (cfg.rx_buffers - 1)) != 0 ||
        cfg.rx_buffers > 32768) {
        throw std::runtime_error("uring_udp_port: rx_buffers must be a power of two <= 32768, "
                                 "not " + std::to_string(cfg.rx_buffers));
    }
    if (cfg.rx_buffer_size < 512 || cfg.ring_entries == 0 || cfg.ring_entries > 32768) {
        throw std::runtime_error("uring_udp_port: rx_buffer_size must be >= 512 and "
                                 "ring_entries in 1..32768");
    }

    // Address to bind.
    sockaddr_storage ss{};
    socklen_t alen;
    const std::string shown = cfg.bind_address.empty()
                                  ? (cfg.family == udp_family::ipv4 ? "0.0.0.0" : "::")
                                  : cfg.bind_address;
    if (cfg.family == udp_family::ipv4) {
        _sock_family = AF_INET;
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(cfg.listen_port);
        if (inet_pton(AF_INET, shown.c_str(), &in->sin_addr) != 1) {
            throw std::runtime_error("uring_udp_port: bind_address '" + cfg.bind_address +
                                     "' is not a numeric IPv4 address");
        }
        alen = sizeof(sockaddr_in);
    } else {
        _sock_family = AF_INET6;
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(cfg.listen_port);
        if (inet_pton(AF_INET6, shown.c_str(), &in6->sin6_addr) != 1) {
            throw std::runtime_error("uring_udp_port: bind_address '" + cfg.bind_address +
                                     "' is not a numeric IPv6 address");
        }
        if (cfg.family == udp_family::dual && !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
            throw std::runtime_error("uring_udp_port: dual-stack needs the wildcard address "
                                     "'::'; use family ipv6 to bind " + cfg.bind_address);
        }
        alen = sizeof(sockaddr_in6);
    }

    if (cfg.force_fallback) {
        _fallback_reason = "forced by configuration (force_fallback)";
    } else {
        uring_probe_result pr = uring_probe();
        _uring = pr.usable;
        _fallback_reason = pr.reason;
    }

    const auto open_socket = [&](bool reuseport) {
        int fd = socket(_sock_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0) {
            throw std::runtime_error(errno_text("uring_udp_port: socket", errno));
        }
        int one = 1;
        int zero = 0;
        if (reuseport) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
        }
        if (_sock_family == AF_INET6) {
            int v6only = cfg.family == udp_family::ipv6 ? 1 : 0;
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero, sizeof(int));
            setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
            if (cfg.family == udp_family::dual) {
                setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
            }
        } else {
            setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
        }
        if (cfg.socket_buffer_bytes > 0) {
            // The plain options are capped by net.core.[rw]mem_max; the FORCE variants
            // (CAP_NET_ADMIN) are tried first so a root-run appliance gets what it asked.
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &cfg.socket_buffer_bytes,
                           sizeof(int)) < 0) {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg.socket_buffer_bytes, sizeof(int));
            }
            if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &cfg.socket_buffer_bytes,
                           sizeof(int)) < 0) {
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cfg.socket_buffer_bytes, sizeof(int));
            }
        }
        return fd;
    };

    // SO_REUSEPORT would let us share the port with another process of the same user and
    // silently split its traffic: bind once without it to find such a process first.
    if (cfg.listen_port != 0) {
        int probe = open_socket(false);
        if (bind(probe, reinterpret_cast<sockaddr*>(&ss), alen) < 0) {
            int err = errno;
            close(probe);
            throw std::runtime_error("uring_udp_port: " + bind_error(err, cfg.listen_port, shown));
        }
        close(probe);
    }

    _queues = std::make_unique<queue[]>(cfg.n_queues);
    try {
        for (uint16_t qi = 0; qi < cfg.n_queues; ++qi) {
            queue& q = _queues[qi];
            q.fd = open_socket(true);
            if (bind(q.fd, reinterpret_cast<sockaddr*>(&ss), alen) < 0) {
                throw std::runtime_error("uring_udp_port: queue " + std::to_string(qi) + ": " +
                                         bind_error(errno, ntohs(reinterpret_cast<sockaddr_in*>(
                                                                     &ss)->sin_port),
                                                    shown));
            }
            if (qi == 0) {
                sockaddr_storage got{};
                socklen_t gl = sizeof(got);
                getsockname(q.fd, reinterpret_cast<sockaddr*>(&got), &gl);
                // sin_port and sin6_port sit at the same offset.
                _local_port = ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
                reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(_local_port);
            }
            if (_uring) {
                const std::string who = "uring_udp_port queue " + std::to_string(qi);
                // One CQE per datagram, at most one per provided buffer, plus the final one.
                uring_detail::ring_init(&q.rx, 4, cfg.rx_buffers * 2, who);
                q.rx_ring_ok = true;
                q.send.setup(cfg.ring_entries, who);
                int rc = q.bufs.setup(&q.rx, cfg.rx_buffers, cfg.rx_buffer_size, 0);
                if (rc < 0) {
                    throw std::runtime_error(who + ": " +
                                             errno_text("registering provided buffers", -rc) +
                                             " (RLIMIT_MEMLOCK, or set force_fallback)");
                }
                // The kernel lays out [recvmsg_out 16][name msg_namelen][control][payload] in
                // each provided buffer: a name area that is a multiple of 8 keeps the cmsghdr
                // aligned (sockaddr_in6 is 28 bytes; UBSan caught the misaligned access).
                q.rx_msg.msg_namelen = static_cast<socklen_t>(
                    ((_sock_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)) + 7) &
                    ~size_t{7});
                q.rx_msg.msg_controllen = rx_ctrl_len;
            } else {
                q.send.slots.resize(max_batch);
                q.mm.resize(max_batch);
                q.rx_iov.resize(max_batch);
                q.rx_names.resize(max_batch);
                q.rx_ctrls.resize(max_batch);
            }
        }
    } catch (...) {
        close_all();
        throw;
    }

    _name = std::string("uring:") +
            (cfg.family == udp_family::ipv4   ? "udp4"
             : cfg.family == udp_family::ipv6 ? "udp6"
                                              : "udp") +
            ":" + std::to_string(_local_port);
}

uring_udp_port::~uring_udp_port()
{
    close_all();
}

void uring_udp_port::close_all() noexcept
{
    if (!_queues) {
        return;
    }
    for (uint16_t qi = 0; qi < _n_queues; ++qi) {
        queue& q = _queues[qi];
        if (q.rx_ring_ok) {
            uring_detail::ring_quiesce(&q.rx, q.rx_inflight, [&](const io_uring_cqe& c) {
                if ((c.flags & IORING_CQE_F_MORE) == 0) {
                    q.rx_inflight = 0;
                }
            });
            q.bufs.destroy(&q.rx);
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

int uring_udp_port::fd(uint16_t queue) const noexcept
{
    return queue < _n_queues ? _queues[queue].fd : -1;
}

const uring_queue_stats& uring_udp_port::stats(uint16_t queue) const noexcept
{
    return _queues[queue < _n_queues ? queue : 0].st;
}

uint16_t uring_udp_port::rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept
{
    if (queue >= _n_queues || pkts.empty()) {
        return 0;
    }
    return _uring ? rx_uring(_queues[queue], pkts) : rx_mmsg(_queues[queue], pkts);
}

uint16_t uring_udp_port::tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept
{
    if (queue >= _n_queues || pkts.empty()) {
        return 0;
    }
    return _uring ? tx_uring(_queues[queue], pkts) : tx_mmsg(_queues[queue], pkts);
}

// ---- io_uring mode ----

void uring_udp_port::rx_arm(queue& q) noexcept
{
    if (!q.rx_armed) {
        io_uring_sqe* sqe = io_uring_get_sqe(&q.rx);
        if (sqe == nullptr) {
            return;
        }
        io_uring_prep_recvmsg_multishot(sqe, q.fd, &q.rx_msg, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = q.bufs.bgid;
        io_uring_sqe_set_data64(sqe, rx_tag);
        q.rx_armed = true;
        q.rx_unsubmitted = true;
        q.rx_inflight = 1;
        if (q.rx_ever_armed) {
            ++q.st.rx_rearms;
        }
        q.rx_ever_armed = true;
    }
    // A failed submit (e.g. -EBUSY) leaves the SQE queued: retry on the next burst.
    if (q.rx_unsubmitted && io_uring_submit(&q.rx) >= 1) {
        q.rx_unsubmitted = false;
    }
}

uint16_t uring_udp_port::rx_uring(queue& q, std::span<pkt*> pkts) noexcept
{
    if (q.send.inflight > 0 && io_uring_cq_ready(&q.send.ring) > 0) {
        q.send.reap(q.st); // same thread owns both rings: return sent mbufs to the pool early
    }
    if (!q.rx_armed || q.rx_unsubmitted) [[unlikely]] {
        rx_arm(q);
    }
    io_uring_cqe* cqes[max_batch];
    const unsigned want = std::min<size_t>(pkts.size(), max_batch);
    const unsigned got = io_uring_peek_batch_cqe(&q.rx, cqes, want);
    if (got == 0) {
        return 0;
    }
    rte_mbuf* mb[max_batch];
    const bool have_mbufs = rte_pktmbuf_alloc_bulk(_pool, mb, got) == 0;
    unsigned out = 0;
    int staged = 0;
    for (unsigned i = 0; i < got; ++i) {
        const io_uring_cqe* cqe = cqes[i];
        if ((cqe->flags & IORING_CQE_F_MORE) == 0) {
            q.rx_armed = false;
            q.rx_inflight = 0;
        }
        if (cqe->res < 0) {
            if (cqe->res == -ENOBUFS) {
                ++q.st.rx_ring_empty; // the datagram waits in the socket until re-armed
            } else if (cqe->res != -ECANCELED) {
                ++q.st.rx_errors;
            }
            continue;
        }
        if ((cqe->flags & IORING_CQE_F_BUFFER) == 0) {
            ++q.st.rx_errors;
            continue;
        }
        const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        uint8_t* buf = q.bufs.buf(bid);
        io_uring_recvmsg_out* o = io_uring_recvmsg_validate(buf, cqe->res, &q.rx_msg);
        if (o == nullptr) {
            ++q.st.rx_errors;
        } else if ((o->flags & MSG_TRUNC) != 0) {
            ++q.st.rx_truncated;
        } else if (!have_mbufs) {
            ++q.st.rx_nombuf;
        } else {
            const unsigned len = io_uring_recvmsg_payload_length(o, cqe->res, &q.rx_msg);
            rte_mbuf* m = mb[out];
            if (len > rte_pktmbuf_tailroom(m)) {
                ++q.st.rx_truncated;
            } else {
                std::memcpy(rte_pktmbuf_mtod(m, void*), io_uring_recvmsg_payload(o, &q.rx_msg),
                            len);
                meta_rx(m, len, _port_index);
                pkt_meta& pm = meta(m);
                endpoint_from_sockaddr(io_uring_recvmsg_name(o), o->namelen, pm.remote);
                for (cmsghdr* c = io_uring_recvmsg_cmsg_firsthdr(o, &q.rx_msg); c != nullptr;
                     c = io_uring_recvmsg_cmsg_nexthdr(o, &q.rx_msg, c)) {
                    apply_cmsg(c, pm.local);
                }
                if (!pm.local.empty()) {
                    pm.local.port = _local_port;
                }
                pkts[out++] = m;
                q.st.rx_bytes += len;
            }
        }
        q.bufs.stage(bid, staged++);
    }
    q.bufs.publish(staged);
    io_uring_cq_advance(&q.rx, got);
    if (have_mbufs && out < got) {
        rte_pktmbuf_free_bulk(mb + out, got - out);
    }
    q.st.rx_packets += out;
    if (!q.rx_armed) [[unlikely]] {
        rx_arm(q); // after recycling, so a receive ended by ENOBUFS finds buffers again
    }
    return static_cast<uint16_t>(out);
}

uint16_t uring_udp_port::tx_uring(queue& q, std::span<pkt* const> pkts) noexcept
{
    // A packet unreachable through this socket's family fails slot_fill: dropped.
    return q.send.send(
        pkts, q.st, [this](tx_slot& s, rte_mbuf* m) { return slot_fill(s, m, _sock_family); },
        [&q](io_uring_sqe* sqe, tx_slot& s) { io_uring_prep_sendmsg(sqe, q.fd, &s.msg, 0); });
}

// ---- recvmmsg/sendmmsg fallback ----

uint16_t uring_udp_port::rx_mmsg(queue& q, std::span<pkt*> pkts) noexcept
{
    const unsigned want = std::min<size_t>(pkts.size(), max_batch);
    if (q.n_spare < want) {
        // Receive straight into mbufs; the spares are kept across calls so an idle poll
        // does not allocate and free a burst every time.
        if (rte_pktmbuf_alloc_bulk(_pool, q.spare + q.n_spare, want - q.n_spare) == 0) {
            q.n_spare = want;
        }
    }
    const unsigned n = std::min(want, q.n_spare);
    if (n == 0) {
        return 0;
    }
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = q.spare[i];
        q.rx_iov[i].iov_base = rte_pktmbuf_mtod(m, void*);
        q.rx_iov[i].iov_len = rte_pktmbuf_tailroom(m);
        msghdr& h = q.mm[i].msg_hdr;
        h = msghdr{};
        h.msg_name = &q.rx_names[i];
        h.msg_namelen = sizeof(sockaddr_storage);
        h.msg_iov = &q.rx_iov[i];
        h.msg_iovlen = 1;
        h.msg_control = q.rx_ctrls[i].b;
        h.msg_controllen = rx_ctrl_len;
        q.mm[i].msg_len = 0;
    }
    int r = recvmmsg(q.fd, q.mm.data(), n, MSG_DONTWAIT, nullptr);
    if (r <= 0) {
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            ++q.st.rx_errors;
        }
        return 0;
    }
    unsigned out = 0;
    unsigned keep = 0;
    for (unsigned i = 0; i < static_cast<unsigned>(r); ++i) {
        rte_mbuf* m = q.spare[i];
        msghdr& h = q.mm[i].msg_hdr;
        if ((h.msg_flags & MSG_TRUNC) != 0) {
            ++q.st.rx_truncated;
            q.spare[keep++] = m; // reuse for the next receive
            continue;
        }
        meta_rx(m, q.mm[i].msg_len, _port_index);
        pkt_meta& pm = meta(m);
        endpoint_from_sockaddr(h.msg_name, h.msg_namelen, pm.remote);
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
            apply_cmsg(c, pm.local);
        }
        if (!pm.local.empty()) {
            pm.local.port = _local_port;
        }
        q.st.rx_bytes += q.mm[i].msg_len;
        pkts[out++] = m;
    }
    for (unsigned i = static_cast<unsigned>(r); i < q.n_spare; ++i) {
        q.spare[keep++] = q.spare[i];
    }
    q.n_spare = keep;
    q.st.rx_packets += out;
    return static_cast<uint16_t>(out);
}

uint16_t uring_udp_port::tx_mmsg(queue& q, std::span<pkt* const> pkts) noexcept
{
    const unsigned total = std::min<size_t>(pkts.size(), max_batch);
    unsigned accepted = 0;
    while (accepted < total) {
        unsigned k = 0;
        while (accepted + k < total && slot_fill(q.send.slots[k], pkts[accepted + k], _sock_family)) {
            q.mm[k].msg_hdr = q.send.slots[k].msg;
            q.mm[k].msg_len = 0;
            ++k;
        }
        if (k == 0) {
            ++q.st.tx_errors; // unreachable through this socket's family: drop
            rte_pktmbuf_free(pkts[accepted++]);
            continue;
        }
        int r = sendmmsg(q.fd, q.mm.data(), k, MSG_DONTWAIT);
        if (r > 0) {
            for (int i = 0; i < r; ++i) {
                ++q.st.tx_packets;
                q.st.tx_bytes += q.mm[i].msg_len;
                rte_pktmbuf_free(pkts[accepted + i]);
            }
            accepted += static_cast<unsigned>(r);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            break; // socket buffer full: the caller keeps the rest and retries
        }
        ++q.st.tx_errors; // the first message was refused (no route, too big): drop it
        rte_pktmbuf_free(pkts[accepted++]);
    }
    return static_cast<uint16_t>(accepted);
}

} // namespace edgerelay::drv
