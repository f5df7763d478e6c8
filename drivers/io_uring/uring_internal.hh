// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Private helpers of the io_uring driver's ports: provided-buffer rings, teardown, errors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <liburing.h>

namespace edgerelay::drv::uring_detail {

/// A provided-buffer ring (IORING_REGISTER_PBUF_RING) and the buffers it hands out.
/// liburing 2.3 has no io_uring_setup_buf_ring(), so the ring memory is mmap()ed here.
struct buf_ring {
    io_uring_buf_ring* br = nullptr;
    size_t ring_bytes = 0;
    uint8_t* mem = nullptr;
    size_t mem_bytes = 0;
    unsigned count = 0; // power of two
    unsigned size = 0;
    int mask = 0;
    uint16_t bgid = 0;

    /// Maps and registers `count` buffers of `size` bytes as group `bgid`, all given to
    /// the kernel. @return 0 or -errno.
    int setup(io_uring* ring, unsigned count, unsigned size, uint16_t bgid);
    /// Unregisters (when ring is not null) and unmaps.
    void destroy(io_uring* ring) noexcept;

    uint8_t* buf(unsigned bid) const noexcept { return mem + static_cast<size_t>(bid) * size; }
    /// Stages buffer `bid` for return; `offset` counts the buffers staged since the last
    /// publish(). Fast path.
    void stage(unsigned bid, int offset) noexcept
    {
        io_uring_buf_ring_add(br, buf(bid), size, static_cast<unsigned short>(bid), mask,
                              offset);
    }
    /// Makes `n` staged buffers visible to the kernel (one release store).
    void publish(int n) noexcept { io_uring_buf_ring_advance(br, n); }
};

/// Cancels every request on `ring` and reaps completions until `inflight` reaches zero
/// or a second passes, handing each CQE to `on_cqe` (which decrements inflight for the
/// requests it finishes). Teardown only: the kernel may still write into buffers and
/// read mbufs until their requests completed, so memory is freed only afterwards.
void ring_quiesce(io_uring* ring, const unsigned& inflight,
                  const std::function<void(const io_uring_cqe&)>& on_cqe) noexcept;

/// "<what>: <strerror(err)>".
std::string errno_text(const char* what, int err);

/// Creates a ring with `entries` SQEs and `cq_entries` CQEs; throws std::runtime_error
/// naming the cause and fix on failure (start-up only).
void ring_init(io_uring* ring, unsigned entries, unsigned cq_entries, const std::string& who);

} // namespace edgerelay::drv::uring_detail
