// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A worker: one pinned core's run-to-completion loop (l3fwd, grout main_loop): read a burst
// from each port, run the relay pass, transmit, and do housekeeping every N loops.
#include "dataplane/worker.hh"

#include <cstring>
#include <stdexcept>
#include <string>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "common/wire/build.hh"
#include "dataplane/applier.hh"
#include "dataplane/punt_record.hh"
#include "dataplane/stages/stages.hh"
#include "dataplane/tables/table_set.hh"
#include "drivers/pkt_meta.hh"

namespace edgerelay::dp {
namespace {

constexpr uint32_t housekeeping_interval = 256; // loops between quiescent reports (grout)
constexpr uint32_t idle_loops_before_sleep = 20000; // roughly a millisecond of empty polls
constexpr unsigned idle_sleep_us = 50;

bool is_underlay(drv::port_kind k) noexcept
{
    return k == drv::port_kind::underlay_eth || k == drv::port_kind::underlay_udp;
}

} // namespace

worker::worker(const worker_config& cfg, table_set& tables, abi::segment& seg, applier& app,
               worker_event_queue& events)
    : _cfg(cfg), _tables(tables), _seg(seg), _app(app), _events(events)
{
    // Per-peer counters are written straight into the segment: the control plane reads them
    // there, so there is nothing to copy at housekeeping (100 000 peers would be 3.2 MB).
    if (cfg.id >= seg.lim().workers || cfg.max_peers > seg.lim().max_peers) {
        throw std::invalid_argument("worker " + std::to_string(cfg.id) + " with " +
            std::to_string(cfg.max_peers) + " peers does not fit the segment's limits");
    }
    _ctx.tables = &_tables;
    _ctx.aead = &_aead;
    _ctx.counters = &_counters;
    _ctx.peer_stats = &seg.peer_counters(cfg.id, 0);
    _ctx.max_peers = cfg.max_peers;
    _ctx.worker_id = cfg.id;
    _ctx.overlay_port = cfg.overlay_port;
    _ctx.mtu = cfg.mtu;
    _ctx.n_ports = static_cast<uint16_t>(cfg.ports.size());
    for (uint16_t i = 0; i < _ctx.n_ports; i++) {
        _ctx.port_kinds[i] = cfg.ports[i].port->kind();
    }
    _ctx.access_port = cfg.access_port;
    std::memcpy(_ctx.access_src_mac, cfg.access_src_mac, 6);
    std::memcpy(_ctx.access_dst_mac, cfg.access_dst_mac, 6);
    _ctx.udp4_checksum = true;
    _ctx.handshake_wanted_every = rte_get_tsc_hz() * rekey_timeout_s;
}

void worker::input(uint16_t port_index, pkt** pkts, uint16_t n) noexcept
{
    const drv::port_kind kind = _ctx.port_kinds[port_index];
    if (is_underlay(kind)) {
        relay_underlay_input(_ctx, pkts, n, kind);
    } else {
        relay_access_input(_ctx, pkts, n, kind);
    }
    flush();
}

void worker::flush() noexcept
{
    for (uint16_t p = 0; p < _ctx.n_ports; p++) {
        tx_list& out = _ctx.tx[p];
        if (out.n == 0) {
            continue;
        }
        // Lengths before the burst: sent mbufs belong to the driver afterwards. What it refused
        // is still ours, so its length comes off again.
        uint64_t bytes = 0;
        for (uint16_t i = 0; i < out.n; i++) {
            bytes += rte_pktmbuf_pkt_len(out.pkts[i]);
        }
        uint16_t sent = _cfg.ports[p].port->tx_burst(_cfg.id, std::span(out.pkts, out.n));
        for (uint16_t i = sent; i < out.n; i++) {
            bytes -= rte_pktmbuf_pkt_len(out.pkts[i]);
            _ctx.drop(out.pkts[i], drop_reason::tx_full);
        }
        _counters.tx_packets += sent;
        _counters.tx_bytes += bytes;
        out.n = 0;
    }
    flush_punts();
    flush_events();
    _ctx.flush_drops();
}

// Handshake messages and inner packets for the control plane go to it by copy: the mbuf is
// freed here, so a slow control plane can never hold the worker's buffers. A full ring drops,
// never waits.
void worker::flush_punts() noexcept
{
    if (_ctx.n_punted == 0) {
        return;
    }
    auto& ring = _seg.punts(_cfg.id);
    const uint64_t now_ns = abi::segment::now_ns();
    for (uint16_t i = 0; i < _ctx.n_punted; i++) {
        pkt* m = _ctx.punted[i];
        abi::punted_packet rec;
        if (!make_punt_record(m, _cfg.id, now_ns, rec) || !ring.push(rec)) {
            (rec.kind == abi::punt_kind::inner_packet ? _counters.control_punted
                                                      : _counters.punted)--;
            _ctx.drop(m, drop_reason::punt_full);
            continue;
        }
        rte_pktmbuf_free(m);
    }
    _ctx.n_punted = 0;
}

void worker::flush_events() noexcept
{
    for (uint16_t i = 0; i < _ctx.events.n; i++) {
        if (!_events.push(_ctx.events.items[i])) {
            _counters.events_lost++;
        }
    }
    _ctx.events.n = 0;
}

// Handshake answers from the control plane: a UDP payload to an endpoint. On Ethernet ports
// the frame goes to the port's gateway, from the port's own address.
rte_mbuf* worker::inject_udp(const abi::injected_packet& ip) noexcept
{
    if (ip.port_index >= _ctx.n_ports || _pool == nullptr || ip.len > abi::max_packet_bytes) {
        return nullptr;
    }
    const worker_port& wp = _cfg.ports[ip.port_index];
    rte_mbuf* m = rte_pktmbuf_alloc(_pool);
    if (m == nullptr) {
        return nullptr;
    }
    auto& md = drv::meta(m);
    md = drv::pkt_meta{};
    md.remote = ip.remote;
    md.local = ip.local.empty() ? wp.address[ip.remote.family == 6] : ip.local;
    md.port_index = ip.port_index;
    const bool eth = _ctx.port_kinds[ip.port_index] == drv::port_kind::underlay_eth;
    const uint16_t hdr = eth ? static_cast<uint16_t>(wire::outer_header_len(ip.remote.family, false)) : 0;
    auto* at = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(hdr + ip.len)));
    if (at == nullptr) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    std::memcpy(at + hdr, ip.bytes, ip.len);
    if (eth) {
        wire::outer_template t;
        t.src = md.local;
        t.src.port = _cfg.overlay_port;
        t.dst = ip.remote;
        std::memcpy(t.src_mac, wp.mac, 6);
        std::memcpy(t.dst_mac, wp.gateway_mac, 6);
        wire::write_outer(at, t, at + hdr, ip.len);
    }
    return m;
}

void worker::serve_injects() noexcept
{
    auto& ring = _seg.injects();
    abi::injected_packet ip;
    pkt* inner[max_burst];
    uint16_t n_inner = 0;
    for (int budget = 0; budget < max_burst && ring.pop(ip); budget++) {
        if (ip.kind == abi::inject_kind::udp_payload) {
            rte_mbuf* m = inject_udp(ip);
            if (m != nullptr) {
                tx_list& out = _ctx.tx[ip.port_index];
                out.pkts[out.n++] = m;
            }
        } else if (ip.kind == abi::inject_kind::inner_packet && _pool != nullptr &&
                   ip.len <= abi::max_packet_bytes) {
            rte_mbuf* m = rte_pktmbuf_alloc(_pool);
            if (m == nullptr) {
                continue;
            }
            drv::meta(m) = drv::pkt_meta{};
            std::memcpy(rte_pktmbuf_append(m, ip.len), ip.bytes, ip.len);
            drv::meta(m).hop = ip.peer;
            drv::meta(m).peer = no_peer;
            inner[n_inner++] = m;
        }
    }
    if (n_inner > 0) {
        uint16_t n = encrypt_process(_ctx, inner, n_inner);
        encap_process(_ctx, inner, n);
    }
}

// send_keepalive: an empty transport message, sealed with the peer's current keypair.
void worker::serve_keepalives() noexcept
{
    pkt* ka[max_burst];
    uint16_t n = 0;
    peer_id id;
    while (n < max_burst && _pool != nullptr && _app.pop_keepalive(id)) {
        rte_mbuf* m = rte_pktmbuf_alloc(_pool);
        if (m == nullptr) {
            break;
        }
        drv::meta(m) = drv::pkt_meta{};
        drv::meta(m).hop = id;
        drv::meta(m).peer = no_peer;
        ka[n++] = m;
    }
    if (n > 0) {
        n = encrypt_process(_ctx, ka, n);
        encap_process(_ctx, ka, n);
    }
}

void worker::export_stats(uint64_t busy, uint64_t idle, uint64_t loops) noexcept
{
    abi::worker_stats& s = _seg.stats(_cfg.id);
    s.rx_packets.store(_counters.rx_packets, std::memory_order_relaxed);
    s.rx_bytes.store(_counters.rx_bytes, std::memory_order_relaxed);
    s.tx_packets.store(_counters.tx_packets, std::memory_order_relaxed);
    s.tx_bytes.store(_counters.tx_bytes, std::memory_order_relaxed);
    s.busy_cycles.store(busy, std::memory_order_relaxed);
    s.idle_cycles.store(idle, std::memory_order_relaxed);
    s.loops.store(loops, std::memory_order_relaxed);
    constexpr size_t slots = sizeof(s.drops) / sizeof(s.drops[0]);
    for (size_t r = 0; r < drop_reason_count && r < slots; r++) {
        s.drops[r].store(_counters.drops[r], std::memory_order_relaxed);
    }
}

void worker::run(const std::atomic<bool>& stop) noexcept
{
    _tables.register_reader(_cfg.id);
    pkt* burst[max_burst];
    uint64_t busy = 0, idle = 0;
    uint64_t last = rte_rdtsc();
    uint32_t empty_loops = 0;
    for (uint64_t loop = 1; !stop.load(std::memory_order_relaxed); ++loop) {
        bool worked = false;
        _ctx.now_tsc = rte_rdtsc();
        for (uint16_t p = 0; p < _ctx.n_ports; p++) {
            uint16_t n = _cfg.ports[p].port->rx_burst(_cfg.id, burst);
            if (n == 0) {
                continue;
            }
            worked = true;
            input(p, burst, n);
        }
        if (_cfg.id == 0) {
            serve_injects();
            serve_keepalives();
            flush();
        }
        const uint64_t now = rte_rdtsc();
        (worked ? busy : idle) += now - last;
        last = now;
        if (loop % housekeeping_interval == 0) {
            _tables.quiescent(_cfg.id);
            export_stats(busy, idle, loop);
        }
        empty_loops = worked ? 0 : empty_loops + 1;
        if (_cfg.idle_sleep && empty_loops > idle_loops_before_sleep) [[unlikely]] {
            // Idle: nothing to forward, so a sleep costs no packet, only wake-up latency.
            // Report quiescent first so a sleeping worker never delays the applier.
            _tables.quiescent(_cfg.id);
            rte_delay_us_sleep(idle_sleep_us);
        }
    }
    _tables.unregister_reader(_cfg.id);
}

} // namespace edgerelay::dp
