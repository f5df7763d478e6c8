// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Run-time io_uring probe and the helpers shared by the UDP and TUN ports.
#include "drivers/io_uring/uring_common.hh"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/io_uring/uring_internal.hh"

namespace edgerelay::drv {
namespace uring_detail {

int buf_ring::setup(io_uring* ring, unsigned n, unsigned sz, uint16_t group)
{
    if (n == 0 || (n & (n - 1)) != 0 || n > 32768 || sz == 0) {
        return -EINVAL;
    }
    count = n;
    size = sz;
    bgid = group;
    mask = io_uring_buf_ring_mask(n);
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    ring_bytes = (n * sizeof(io_uring_buf) + page - 1) / page * page;
    void* r = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    if (r == MAP_FAILED) {
        return -errno;
    }
    br = static_cast<io_uring_buf_ring*>(r);
    mem_bytes = static_cast<size_t>(n) * sz;
    void* m = mmap(nullptr, mem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        int err = errno;
        destroy(nullptr);
        return -err;
    }
    mem = static_cast<uint8_t*>(m);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uintptr_t>(br);
    reg.ring_entries = n;
    reg.bgid = group;
    int rc = io_uring_register_buf_ring(ring, &reg, 0);
    if (rc < 0) {
        destroy(nullptr);
        return rc;
    }
    io_uring_buf_ring_init(br);
    for (unsigned i = 0; i < n; ++i) {
        stage(i, static_cast<int>(i));
    }
    publish(static_cast<int>(n));
    return 0;
}

void buf_ring::destroy(io_uring* ring) noexcept
{
    if (ring != nullptr && br != nullptr) {
        io_uring_unregister_buf_ring(ring, bgid);
    }
    if (mem != nullptr) {
        munmap(mem, mem_bytes);
        mem = nullptr;
    }
    if (br != nullptr) {
        munmap(br, ring_bytes);
        br = nullptr;
    }
}

void ring_quiesce(io_uring* ring, const unsigned& inflight,
                  const std::function<void(const io_uring_cqe&)>& on_cqe) noexcept
{
    if (inflight == 0) {
        return;
    }
    if (io_uring_sqe* sqe = io_uring_get_sqe(ring)) {
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
        io_uring_sqe_set_data64(sqe, UINT64_MAX);
        io_uring_submit(ring);
    }
    // Bounded: a request the kernel cannot cancel must not hang shutdown forever.
    for (int tries = 0; inflight > 0 && tries < 20; ++tries) {
        __kernel_timespec ts{0, 50'000'000};
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe_timeout(ring, &cqe, &ts) < 0 || cqe == nullptr) {
            continue;
        }
        unsigned head;
        unsigned seen = 0;
        io_uring_for_each_cqe(ring, head, cqe)
        {
            if (cqe->user_data != UINT64_MAX) {
                on_cqe(*cqe);
            }
            ++seen;
        }
        io_uring_cq_advance(ring, seen);
    }
}

std::string errno_text(const char* what, int err)
{
    return std::string(what) + ": " + std::strerror(err);
}

void ring_init(io_uring* ring, unsigned entries, unsigned cq_entries, const std::string& who)
{
    io_uring_params p{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = cq_entries;
    int rc = io_uring_queue_init_params(entries, ring, &p);
    if (rc == -ENOMEM) {
        throw std::runtime_error(who + ": io_uring_queue_init: out of locked memory; raise "
                                       "RLIMIT_MEMLOCK (LimitMEMLOCK= in the systemd unit) or "
                                       "use smaller rings");
    }
    if (rc < 0) {
        throw std::runtime_error(who + ": " + errno_text("io_uring_queue_init", -rc) +
                                 " (set driver force_fallback to use recvmmsg/read instead)");
    }
}

} // namespace uring_detail

namespace {

std::string setup_error_reason(int err)
{
    switch (err) {
    case ENOSYS:
        return "io_uring_setup: not implemented (kernel built without CONFIG_IO_URING, or a "
               "seccomp filter answers ENOSYS as Docker's default profile does)";
    case EPERM:
        return "io_uring_setup: not permitted (seccomp filter, or kernel.io_uring_disabled=1 "
               "and this user is not in kernel.io_uring_group)";
    default:
        return uring_detail::errno_text("io_uring_setup", err);
    }
}

} // namespace

uring_probe_result uring_probe()
{
    using namespace uring_detail;
    uring_probe_result res;
    {
        std::ifstream f("/proc/sys/kernel/io_uring_disabled");
        int v = 0;
        if (f >> v && v == 2) {
            res.reason = "kernel.io_uring_disabled=2 (sysctl -w kernel.io_uring_disabled=0 to "
                         "enable io_uring)";
            return res;
        }
    }
    io_uring ring;
    int rc = io_uring_queue_init(8, &ring, 0);
    if (rc < 0) {
        res.reason = setup_error_reason(-rc);
        return res;
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (probe == nullptr) {
        io_uring_queue_exit(&ring);
        res.reason = "IORING_REGISTER_PROBE failed (kernel older than 5.6)";
        return res;
    }
    const int needed[] = {IORING_OP_RECVMSG, IORING_OP_SENDMSG, IORING_OP_READ, IORING_OP_WRITE,
                          IORING_OP_ASYNC_CANCEL};
    for (int op : needed) {
        if (!io_uring_opcode_supported(probe, op)) {
            io_uring_free_probe(probe);
            io_uring_queue_exit(&ring);
            res.reason = "io_uring lacks opcode " + std::to_string(op) + " (kernel too old)";
            return res;
        }
    }
    io_uring_free_probe(probe);

    buf_ring br;
    rc = br.setup(&ring, 8, 256, 0);
    if (rc < 0) {
        io_uring_queue_exit(&ring);
        res.reason = errno_text("provided-buffer ring registration", -rc) +
                     " (needs Linux >= 5.19)";
        return res;
    }

    // Multishot recvmsg (Linux 6.0) has no opcode of its own: try it on a socket pair, which
    // needs no network (the probe may run in a fresh namespace whose lo is down).
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
        br.destroy(&ring);
        io_uring_queue_exit(&ring);
        res.reason = errno_text("socketpair", errno);
        return res;
    }
    msghdr msg{};
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recvmsg_multishot(sqe, sv[0], &msg, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_uring_sqe_set_data64(sqe, 1);
    io_uring_submit(&ring);
    const char ping[] = "probe";
    bool ok = false;
    std::string why = "no completion within 1 s";
    if (send(sv[1], ping, sizeof(ping), 0) == static_cast<ssize_t>(sizeof(ping))) {
        __kernel_timespec ts{1, 0};
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == 0 && cqe != nullptr) {
            if (cqe->res >= 0 && (cqe->flags & IORING_CQE_F_BUFFER) != 0) {
                ok = true;
            } else if (cqe->res < 0) {
                why = errno_text("multishot recvmsg", -cqe->res) + " (needs Linux >= 6.0)";
            }
            io_uring_cqe_seen(&ring, cqe);
        }
    }
    close(sv[0]);
    close(sv[1]);
    unsigned inflight = 1;
    ring_quiesce(&ring, inflight, [&](const io_uring_cqe& c) {
        if ((c.flags & IORING_CQE_F_MORE) == 0) {
            inflight = 0;
        }
    });
    br.destroy(&ring);
    io_uring_queue_exit(&ring);
    if (!ok) {
        res.reason = why;
        return res;
    }
    res.usable = true;
    return res;
}

} // namespace edgerelay::drv
