// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// encrypt: seal each inner packet for its next hop with that peer's current keypair, in
// place: [transport header 16][ciphertext = inner + zero padding][tag 16].
//
// Uses: meta.hop. Sets: meta.peer = hop.
// Next: encap; inactive peer, no keypair, expired or exhausted keypair, no room → drop.
// Counters: one atomic add per run of packets on one keypair, not one per packet.
// Raises: rekey_needed (REKEY_AFTER_MESSAGES, or REKEY_AFTER_TIME for the initiator),
// keypair_expired — each once per keypair; handshake_wanted (no usable current keypair) at
// most once per REKEY_TIMEOUT per peer.
#include <algorithm>
#include <cstring>
#include <span>

#include "common/crypto/aead_burst.hh"
#include "common/wire/wireguard.hh"
#include "dataplane/stages/pkt_window.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

constexpr uint16_t transport_hdr = 16;
constexpr uint16_t tag_len = 16;
constexpr uint16_t outer_room = 14 + 4 + 40 + 8; // Ethernet + VLAN + IPv6 + UDP, for encap

// Room for the transport header and the outer headers in front, padding and tag behind.
bool has_room(const pkt* m, uint16_t grow) noexcept
{
    return rte_pktmbuf_tailroom(m) >= grow &&
           rte_pktmbuf_headroom(m) >= transport_hdr + outer_room;
}

// With nothing to send with, WireGuard starts a handshake: ask the control plane, at most
// once per REKEY_TIMEOUT for the peer whichever worker asks (it spaces initiations the same
// way). A responder's unconfirmed `next` does not count: only the peer can confirm it.
void want_handshake(worker_ctx& c, const peer& p) noexcept
{
    uint64_t last = p.handshake_wanted_tsc.load(std::memory_order_relaxed);
    if (c.handshake_wanted_every != 0 && c.now_tsc - last >= c.handshake_wanted_every &&
        p.handshake_wanted_tsc.compare_exchange_strong(last, c.now_tsc,
                                                       std::memory_order_relaxed)) {
        c.raise({dp_event::handshake_wanted, 0, p.id, 0, {}});
    }
}

// The keypair to send with: current, or a responder's next that the peer has used already
// (a worker saw it and raised keypair_confirmed; the applier's promotion is on its way: the
// reply to the packet that confirmed it must not wait, nor start a needless handshake).
keypair* sending_keypair(const peer& p) noexcept
{
    keypair* kp = p.current.load(std::memory_order_acquire);
    if (kp == nullptr) [[unlikely]] {
        keypair* nxt = p.next.load(std::memory_order_acquire);
        if (nxt != nullptr && nxt->confirmed_signalled.load(std::memory_order_relaxed) != 0) {
            return nxt;
        }
    }
    return kp;
}

// The peer's current keypair if it may still send, or drops.
keypair* usable_keypair(worker_ctx& c, pkt* m, const peer& p) noexcept
{
    keypair* kp = sending_keypair(p);
    if (kp == nullptr) [[unlikely]] {
        want_handshake(c, p);
        c.drop(m, drop_reason::no_keypair);
        return nullptr;
    }
    if (c.now_tsc >= kp->reject_tsc) [[unlikely]] {
        if (kp->expired_signalled.exchange(1, std::memory_order_relaxed) == 0) {
            c.raise({dp_event::keypair_expired, 0, kp->peer, kp->local_index, {}});
        }
        want_handshake(c, p);
        c.drop(m, drop_reason::keypair_expired);
        return nullptr;
    }
    return kp;
}

// Counters are reserved with one atomic add per run of packets on the same keypair (several
// workers may send to the same peer; counters are never reused). `last` is the highest
// counter of the run: the rekey limits are checked once for the run.
void note_rekey(worker_ctx& c, keypair* kp, uint64_t last) noexcept
{
    if ((last >= rekey_after_messages || c.now_tsc >= kp->rekey_tsc) &&
        kp->rekey_signalled.load(std::memory_order_relaxed) == 0) [[unlikely]] {
        if (kp->rekey_signalled.exchange(1, std::memory_order_relaxed) == 0) {
            c.raise({dp_event::rekey_needed, 0, kp->peer, kp->local_index, {}});
        }
    }
}

} // namespace

uint16_t encrypt_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    // Pass 1: every check but the counter's, in the order of the packets. A run of packets
    // to one hop (the usual burst) looks its peer and keypair up once.
    keypair* kps[max_burst];
    uint16_t lens[max_burst];
    uint16_t paddeds[max_burst];
    uint16_t live = 0;
    uint32_t run_hop = no_peer;
    keypair* run_kp = nullptr;
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        const auto& md = drv::meta(m);
        const uint16_t len = rte_pktmbuf_data_len(m);
        const auto padded = static_cast<uint16_t>(wire::transport_padded_len(len, c.mtu));
        const uint16_t grow = static_cast<uint16_t>(padded - len + tag_len);
        if (md.hop != run_hop || run_kp == nullptr) {
            run_hop = md.hop;
            run_kp = nullptr;
            const peer* p = c.tables->peers().get(md.hop);
            if (p == nullptr) [[unlikely]] {
                c.drop(m, drop_reason::peer_gone);
                continue;
            }
            if (!has_room(m, grow)) [[unlikely]] {
                c.drop(m, drop_reason::too_big);
                continue;
            }
            run_kp = usable_keypair(c, m, *p);
            if (run_kp == nullptr) {
                continue;
            }
        } else if (!has_room(m, grow)) [[unlikely]] {
            c.drop(m, drop_reason::too_big);
            continue;
        }
        kps[live] = run_kp;
        lens[live] = len;
        paddeds[live] = padded;
        pkts[live++] = m;
    }

    // Pass 2: counters (one atomic add per run of one keypair), then seal in place.
    crypto::aead_op ops[max_burst];
    uint16_t kept = 0;
    for (uint16_t i = 0; i < live;) {
        keypair* kp = kps[i];
        uint16_t run = 1;
        while (i + run < live && kps[i + run] == kp) {
            run++;
        }
        const uint64_t base = kp->send_counter.fetch_add(run, std::memory_order_relaxed);
        peer_counters& pc = c.peer_stats[drv::meta(pkts[i]).hop]; // one hop per keypair
        uint64_t run_pkts = 0, run_bytes = 0;
        for (uint16_t j = 0; j < run; j++) {
            pkt* m = pkts[i + j];
            const uint64_t counter = base + j;
            if (counter >= reject_after_messages) [[unlikely]] {
                c.drop(m, drop_reason::keypair_exhausted);
                continue;
            }
            auto& md = drv::meta(m);
            const uint16_t len = lens[i + j];
            const uint16_t padded = paddeds[i + j];
            // Room was checked in pass 1.
            uint8_t* hdr = pkt_widen(m, transport_hdr, static_cast<uint16_t>(padded - len + tag_len));
            if (padded != len) { // 64-byte and 1420-byte inner packets need no padding
                std::memset(hdr + transport_hdr + len, 0, padded - len);
            }
            wire::write_transport_header(hdr, kp->remote_index, counter);
            ops[kept] = {kp->send_key, counter, hdr + transport_hdr, hdr + transport_hdr, padded,
                         hdr + transport_hdr + padded, false};
            md.peer = md.hop;
            run_pkts++;
            run_bytes += len;
            pkts[kept++] = m;
        }
        abi::counter_add(pc.tx_packets, run_pkts);
        abi::counter_add(pc.tx_bytes, run_bytes);
        // Only counters that were used count (as when each packet took its own).
        const uint64_t used_end = std::min<uint64_t>(base + run, reject_after_messages);
        if (used_end > base) {
            note_rekey(c, kp, used_end - 1);
        }
        i = static_cast<uint16_t>(i + run);
    }
    c.aead->seal(std::span(ops, kept));
    c.counters->encrypted += kept;
    return kept;
}

} // namespace edgerelay::dp
