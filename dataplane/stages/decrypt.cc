// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// decrypt: receiver index → keypair → replay pre-check → AEAD open (one ipsec-mb burst) →
// replay update → strip to the inner packet.
//
// Uses: meta.payload_off, meta.payload_len, meta.remote. Sets: meta.peer.
// Next: authenticated packets → cryptokey; keepalives counted and consumed; unknown index,
// expired or exhausted keypair, replay, bad tag → drop.
// Raises: keypair_expired (once per keypair), endpoint_roamed, keypair_confirmed (once).
#include <span>

#include "common/crypto/aead_burst.hh"
#include "common/wire/parse.hh"
#include "common/wire/parse_fast.hh"
#include "common/wire/wireguard.hh"
#include "dataplane/stages/pkt_window.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

constexpr uint16_t transport_hdr = 16;
constexpr uint16_t tag_len = 16;

// A keypair past REJECT_AFTER_TIME is refused on receive as on send (WireGuard
// keypair validity), even when the control plane is gone and cannot retire it.
bool keypair_usable(worker_ctx& c, keypair* kp, pkt* m) noexcept
{
    if (c.now_tsc >= kp->reject_tsc) [[unlikely]] {
        if (kp->expired_signalled.exchange(1, std::memory_order_relaxed) == 0) {
            c.raise({dp_event::keypair_expired, drv::meta(m).port_index, kp->peer,
                     kp->local_index, {}});
        }
        c.drop(m, drop_reason::keypair_expired);
        return false;
    }
    return true;
}

// After authentication, once per run of one keypair: confirmation of a responder's `next`
// keypair (raised once per keypair).
void note_keypair(worker_ctx& c, keypair* kp, const drv::pkt_meta& md) noexcept
{
    const peer* p = c.tables->peers().get(kp->peer);
    if (p != nullptr && p->next.load(std::memory_order_relaxed) == kp &&
        kp->confirmed_signalled.exchange(1, std::memory_order_relaxed) == 0) [[unlikely]] {
        c.raise({dp_event::keypair_confirmed, md.port_index, kp->peer, kp->local_index, md.remote});
    }
}

// After authentication, per packet: only an authenticated packet may move a peer's endpoint
// (WireGuard roaming), and each packet of a run may come from elsewhere.
void note_endpoint(worker_ctx& c, keypair* kp, const drv::pkt_meta& md) noexcept
{
    const peer* p = c.tables->peers().get(kp->peer);
    if (p == nullptr) [[unlikely]] {
        return;
    }
    const path* route = p->route_path.load(std::memory_order_acquire);
    if (route == nullptr || !(route->remote == md.remote)) [[unlikely]] {
        c.raise({dp_event::endpoint_roamed, md.port_index, kp->peer, kp->local_index, md.remote});
    }
}

// Adds a run's packets and bytes to its peer's receive counters.
void flush_rx(peer_counters* pc, uint64_t& pkts, uint64_t& bytes) noexcept
{
    if (pc != nullptr && pkts != 0) {
        abi::counter_add(pc->rx_packets, pkts);
        abi::counter_add(pc->rx_bytes, bytes);
    }
    pkts = 0;
    bytes = 0;
}

// The transport message of a classified packet.
uint8_t* msg_of(pkt* m) noexcept
{
    return rte_pktmbuf_mtod_offset(m, uint8_t*, drv::meta(m).payload_off);
}

} // namespace

uint16_t decrypt_process(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    // A burst usually holds runs of one peer's packets (one flow per queue, GRO-like
    // trains): each run's receiver index is hashed and looked up once, not once per packet.
    uint32_t index[max_burst] = {}; // initialised: gcc cannot see that n <= max_burst
    uint8_t run_of[max_burst];
    uint64_t counter[max_burst];
    uint16_t runs = 0;
    for (uint16_t i = 0; i < n; i++) {
        const auto& md = drv::meta(pkts[i]);
        const uint8_t* msg = rte_pktmbuf_mtod_offset(pkts[i], const uint8_t*, md.payload_off);
        const uint32_t idx = wire::transport_receiver_index(msg);
        if (runs == 0 || index[runs - 1] != idx) {
            index[runs++] = idx;
        }
        run_of[i] = static_cast<uint8_t>(runs - 1);
        counter[i] = wire::transport_counter(msg);
    }
    keypair* run_kp[max_burst];
    c.tables->index().lookup_bulk(index, runs, run_kp);

    // Pre-check everything that is cheap before paying for the AEAD.
    crypto::aead_op ops[max_burst];
    pkt* live[max_burst];
    keypair* live_kp[max_burst];
    uint16_t k = 0;
    for (uint16_t i = 0; i < n; i++) {
        pkt* m = pkts[i];
        keypair* kp = run_kp[run_of[i]];
        if (kp == nullptr) [[unlikely]] {
            c.drop(m, drop_reason::unknown_receiver);
            continue;
        }
        if (!keypair_usable(c, kp, m)) {
            continue;
        }
        if (!kp->replay.check(counter[i])) [[unlikely]] {
            c.drop(m, counter[i] >= reject_after_messages ? drop_reason::keypair_exhausted
                                                         : drop_reason::replay);
            continue;
        }
        const auto& md = drv::meta(m);
        uint8_t* msg = rte_pktmbuf_mtod_offset(m, uint8_t*, md.payload_off);
        const uint32_t clen = md.payload_len - transport_hdr - tag_len;
        ops[k] = {kp->recv_key, counter[i], msg + transport_hdr, msg + transport_hdr, clen,
                  msg + transport_hdr + clen, false};
        live[k] = m;
        live_kp[k] = kp;
        k++;
    }
    c.aead->open(std::span(ops, k));

    // Per-peer counters are added once per run of packets from one keypair, and the peer's
    // state is looked up once per run (runs: see above).
    uint16_t kept = 0;
    uint64_t decrypted = 0;
    keypair* counted_kp = nullptr;
    peer_counters* pc = nullptr;
    uint64_t run_pkts = 0, run_bytes = 0;
    for (uint16_t i = 0; i < k; i++) {
        pkt* m = live[i];
        keypair* kp = live_kp[i];
        auto& md = drv::meta(m);
        if (!ops[i].ok) [[unlikely]] {
            c.drop(m, drop_reason::auth_failed);
            continue;
        }
        // Only now may the window move: a forged packet must not advance it (RFC 6479 §2).
        if (!kp->replay.update(ops[i].counter)) [[unlikely]] {
            c.drop(m, drop_reason::replay);
            continue;
        }
        decrypted++;
        if (kp != counted_kp) {
            flush_rx(pc, run_pkts, run_bytes);
            counted_kp = kp;
            pc = &c.peer_stats[kp->peer];
            note_keypair(c, kp, md);
        }
        note_endpoint(c, kp, md);
        md.peer = kp->peer;
        run_pkts++;
        if (ops[i].len == 0) {
            c.counters->keepalives_rx++;
            c.consume(m); // consumed, not a drop: freed with the drops
            continue;
        }
        // Strip to the inner packet and WireGuard's padding, using the inner header's length.
        auto ip = std::span(msg_of(m) + transport_hdr, ops[i].len);
        uint32_t length;
        if (!wire::inner_length_fast(ip, length)) [[unlikely]] {
            wire::inner_info in;
            wire::verdict v = wire::parse_inner(ip, in);
            if (v != wire::verdict::ok) [[unlikely]] {
                c.drop(m, drop_reason_of(v));
                continue;
            }
            length = in.length;
        }
        pkt_narrow(m, static_cast<uint16_t>(md.payload_off + transport_hdr),
                   static_cast<uint16_t>(length));
        run_bytes += length;
        pkts[kept++] = m;
    }
    flush_rx(pc, run_pkts, run_bytes);
    c.counters->decrypted += decrypted;
    return kept;
}

} // namespace edgerelay::dp
