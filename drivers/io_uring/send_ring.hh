// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The send half of an io_uring port queue, shared by the UDP and TUN ports.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <liburing.h>
#include <rte_mbuf.h>

#include "drivers/io_uring/uring_common.hh"
#include "drivers/io_uring/uring_internal.hh"

namespace edgerelay::drv::uring_detail {

/// A queue's sends in io_uring mode. The ring is the queue's own (not shared with the
/// receive side) so that a burst reaps only send completions. Each request in flight owns a
/// slot: the mbuf it sends (freed when the kernel completes it) and whatever the request
/// points at (iovecs, msghdr, address), which must stay put until then. `Slot` is the port's
/// own record and has a member `rte_mbuf* m`.
template <class Slot>
struct send_ring {
    io_uring ring{};
    bool ok = false; ///< the ring exists (teardown must quiesce and exit it)
    std::vector<Slot> slots;
    std::vector<uint16_t> free_slots; ///< capacity reserved at set-up: push_back never allocates
    unsigned inflight = 0;

    /// Start-up: the ring with `entries` SQEs and as many slots, all free.
    /// @throws std::runtime_error naming `who`, the cause and the fix.
    void setup(unsigned entries, const std::string& who)
    {
        ring_init(&ring, entries, entries * 2, who);
        ok = true;
        slots.resize(entries);
        free_slots.reserve(entries);
        for (unsigned i = entries; i-- > 0;) {
            free_slots.push_back(static_cast<uint16_t>(i)); // pop_back hands out slot 0 first
        }
    }

    /// Fast path: frees the mbufs of completed sends and counts them (a negative result is a
    /// packet the kernel refused: tx_errors).
    void reap(uring_queue_stats& st) noexcept
    {
        unsigned head;
        unsigned seen = 0;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(&ring, head, cqe)
        {
            const auto idx = static_cast<uint16_t>(cqe->user_data);
            if (cqe->res < 0) {
                ++st.tx_errors;
            } else {
                ++st.tx_packets;
                st.tx_bytes += static_cast<uint64_t>(cqe->res);
            }
            rte_pktmbuf_free(slots[idx].m);
            slots[idx].m = nullptr;
            free_slots.push_back(idx);
            ++seen;
        }
        io_uring_cq_advance(&ring, seen);
        inflight -= seen;
    }

    /// Fast path: one request per packet and one io_uring_submit() for the burst.
    /// `fill(Slot&, rte_mbuf*) -> bool` records what the request needs, false for a packet
    /// this port can never send (dropped, counted in tx_errors); `prep(io_uring_sqe*, Slot&)`
    /// writes the request. Both are inlined (templates), so no indirect call per packet.
    /// @return packets accepted (owned by the port now); fewer than pkts.size() only when
    ///         every slot or SQE is in use — the caller keeps the rest.
    template <class Fill, class Prep>
    uint16_t send(std::span<rte_mbuf* const> pkts, uring_queue_stats& st, Fill&& fill,
                  Prep&& prep) noexcept
    {
        if (inflight > 0) {
            reap(st);
        }
        unsigned accepted = 0;
        unsigned queued = 0;
        for (; accepted < pkts.size(); ++accepted) {
            if (free_slots.empty() || io_uring_sq_space_left(&ring) == 0) {
                break;
            }
            const uint16_t idx = free_slots.back();
            Slot& s = slots[idx];
            rte_mbuf* m = pkts[accepted];
            if (!fill(s, m)) {
                ++st.tx_errors;
                rte_pktmbuf_free(m);
                continue;
            }
            free_slots.pop_back();
            s.m = m;
            io_uring_sqe* sqe = io_uring_get_sqe(&ring);
            prep(sqe, s);
            io_uring_sqe_set_data64(sqe, idx);
            ++queued;
        }
        if (queued > 0) {
            inflight += queued;
            // On failure the SQEs stay queued and go out with the next submit.
            io_uring_submit(&ring);
        }
        return static_cast<uint16_t>(accepted);
    }

    /// Teardown: cancels what is in flight, frees its mbufs once the kernel let go of them,
    /// and closes the ring.
    void close() noexcept
    {
        if (!ok) {
            return;
        }
        ring_quiesce(&ring, inflight, [this](const io_uring_cqe& c) {
            rte_pktmbuf_free(slots[c.user_data].m);
            --inflight;
        });
        io_uring_queue_exit(&ring);
        ok = false;
    }
};

} // namespace edgerelay::drv::uring_detail
