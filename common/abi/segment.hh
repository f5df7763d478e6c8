// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The shared-memory segment between edgerelay-dataplane (creator, owner) and the control plane.
//
// Layout (offsets fixed at compile time, recorded in the header and checked on attach):
//   header | command ring | event ring | worker event rings [max_workers] |
//   punt rings [max_workers] | inject ring | worker stats [max_workers] |
//   peer stats [lim.workers][lim.max_peers]
// Every area but the last has a compile-time size; the peer stats grow with the limits the
// dataplane was started with, which the header records (attach recomputes the layout from them).
// Every ring is single-producer/single-consumer; who produces and who consumes is written next to
// each ring below and is part of the contract. Rings are Boost.Lockfree spsc_queues with a
// compile-time capacity: their storage is inline and indices are relative, so the same bytes
// work at different addresses in the two processes (tested across fork()ed mappings).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/lockfree/spsc_queue.hpp>

#include "common/abi/records.hh"

namespace edgerelay::abi {

/// "EDGERLY1" read as a little-endian uint64: the first 8 bytes of a valid segment.
inline constexpr uint64_t segment_magic = 0x31594C5245474445ull;

inline constexpr uint16_t max_workers = 16;
inline constexpr uint32_t command_ring_capacity = 1024;
inline constexpr uint32_t event_ring_capacity = 4096;
inline constexpr uint32_t worker_event_ring_capacity = 256;
inline constexpr uint32_t punt_ring_capacity = 512;
inline constexpr uint32_t inject_ring_capacity = 1024;
inline constexpr std::size_t drop_counter_slots = 64;

template <typename T, std::size_t Capacity>
using ring = boost::lockfree::spsc_queue<T, boost::lockfree::capacity<Capacity>>;

/// cp → dp: producer the control plane's programmer, consumer the dataplane's applier.
using command_ring = ring<command, command_ring_capacity>;
/// dp → cp: producer the applier only (replies, readback), consumer the control plane.
using event_ring = ring<event, event_ring_capacity>;
/// dp → cp, one per worker: producer that worker (rekey_needed, keypair_expired, endpoint_roamed).
using worker_event_ring = ring<event, worker_event_ring_capacity>;
/// dp → cp, one per worker: producer that worker; full means drop and count (punt_full).
using punt_ring = ring<punted_packet, punt_ring_capacity>;
/// cp → dp: producer the control plane, consumer one dataplane thread chosen by the dataplane.
using inject_ring = ring<injected_packet, inject_ring_capacity>;

/// Expected size of a compile-time-sized spsc_queue: write index, padding to a cache line, read
/// index, then capacity + 1 inline slots (one slot always stays empty). No pointers.
template <typename T, std::size_t Capacity>
inline constexpr std::size_t ring_bytes = 64 + sizeof(std::size_t) + (Capacity + 1) * sizeof(T);

static_assert(sizeof(command_ring) == ring_bytes<command, command_ring_capacity>);
static_assert(sizeof(event_ring) == ring_bytes<event, event_ring_capacity>);
static_assert(sizeof(worker_event_ring) == ring_bytes<event, worker_event_ring_capacity>);
static_assert(sizeof(punt_ring) == ring_bytes<punted_packet, punt_ring_capacity>);
static_assert(sizeof(inject_ring) == ring_bytes<injected_packet, inject_ring_capacity>);
// Lock-free atomics are address-free, hence usable across processes.
static_assert(std::atomic<std::size_t>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

/// Per-worker counters. Written by one worker with relaxed stores (single writer, so load + store
/// is enough and costs nothing on x86); read by the control plane at any time.
/// One block per worker, cache-line aligned so that two workers never share a line.
struct alignas(64) worker_stats {
    std::atomic<uint64_t> rx_packets;   // dp: wo, cp: ro
    std::atomic<uint64_t> rx_bytes;     // dp: wo, cp: ro
    std::atomic<uint64_t> tx_packets;   // dp: wo, cp: ro
    std::atomic<uint64_t> tx_bytes;     // dp: wo, cp: ro
    std::atomic<uint64_t> busy_cycles;  // dp: wo, cp: ro — TSC cycles in loops that had packets
    std::atomic<uint64_t> idle_cycles;  // dp: wo, cp: ro — TSC cycles in empty loops
    std::atomic<uint64_t> loops;        // dp: wo, cp: ro
    std::atomic<uint64_t> reserved;
    std::atomic<uint64_t> drops[drop_counter_slots]; // dp: wo, cp: ro — indexed by drop_reason
};
static_assert(sizeof(worker_stats) == 576 && alignof(worker_stats) == 64);
static_assert(offsetof(worker_stats, drops) == 64);

/// One worker's transfer counters for one peer (peer slot). Cumulative for the slot: the
/// dataplane never clears them (the applier cannot write a worker's counters), so when a slot is
/// reused for a new peer the control plane subtracts what it read when it added that peer.
/// Written by one worker with counter_add; read by the control plane at any time.
struct peer_stats {
    std::atomic<uint64_t> rx_packets; // dp: wo, cp: ro — authenticated transport messages
    std::atomic<uint64_t> rx_bytes;   // dp: wo, cp: ro — inner (plaintext) bytes received
    std::atomic<uint64_t> tx_packets; // dp: wo, cp: ro — transport messages sealed for the peer
    std::atomic<uint64_t> tx_bytes;   // dp: wo, cp: ro — inner (plaintext) bytes sent
};
static_assert(sizeof(peer_stats) == 32 && alignof(peer_stats) == 8);

/// peer_stats summed over workers, as plain numbers.
struct peer_transfer {
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;

    bool operator==(const peer_transfer&) const = default;
};

/// Adds n to a single-writer counter without a locked instruction.
inline void counter_add(std::atomic<uint64_t>& c, uint64_t n) noexcept
{
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// Where one area lives: count objects of stride bytes from offset, each a ring of capacity
/// records of record_size bytes (or, for stats, capacity 0 and record_size = stride).
struct area {
    uint64_t offset;
    uint64_t stride;
    uint32_t count;
    uint32_t capacity;
    uint32_t record_size;
    uint32_t reserved;

    bool operator==(const area&) const = default;
};
static_assert(sizeof(area) == 32 && std::has_unique_object_representations_v<area>);

/// Dataplane state flags (segment_header::dp_flags).
enum dp_flag : uint64_t {
    dp_flag_ready = 1u << 0,    ///< start-up done: ports up, applier consuming commands
    dp_flag_draining = 1u << 1, ///< operator asked to drain; do not program new peers
    dp_flag_closing = 1u << 2,  ///< clean exit in progress; the segment will be unlinked
};

struct alignas(64) segment_header {
    std::atomic<uint64_t> magic;        // dp: wo last with release at create, cp: ro (acquire)
    uint32_t abi_version;               // dp: wo at create, then static
    uint32_t header_size;               // dp: wo at create — sizeof(segment_header)
    uint64_t total_size;                // dp: wo at create — bytes in the mapping
    uint64_t dataplane_pid;             // dp: wo at create
    std::atomic<uint64_t> generation;   // dp: wo at create — +1 each time a dataplane takes over
    uint64_t created_realtime_ns;       // dp: wo at create — CLOCK_REALTIME, for operators
    std::atomic<uint64_t> dp_flags;     // dp: wo, cp: ro — dp_flag bits
    uint64_t reserved0;
    limits lim;                         // dp: wo at create, then static
    uint64_t reserved1;
    area commands;                      // dp: wo at create, then static
    area events;
    area worker_events;
    area punts;
    area injects;
    area stats;
    area peer_stats;                    // dp: wo at create — [lim.workers] × lim.max_peers
    alignas(64) std::atomic<uint64_t> dp_heartbeat_ns; // dp: wo, cp: ro — CLOCK_MONOTONIC
    alignas(64) std::atomic<uint64_t> cp_heartbeat_ns; // cp: wo, dp: ro — CLOCK_MONOTONIC
    std::atomic<uint64_t> cp_pid;                      // cp: wo at attach, dp: ro
};
static_assert(offsetof(segment_header, magic) == 0);
static_assert(offsetof(segment_header, abi_version) == 8);
static_assert(offsetof(segment_header, total_size) == 16);
static_assert(offsetof(segment_header, generation) == 32);
static_assert(offsetof(segment_header, dp_flags) == 48);
static_assert(offsetof(segment_header, lim) == 64);
static_assert(offsetof(segment_header, commands) == 96);
static_assert(offsetof(segment_header, stats) == 256);
static_assert(offsetof(segment_header, peer_stats) == 288);
static_assert(offsetof(segment_header, dp_heartbeat_ns) == 320);
static_assert(offsetof(segment_header, cp_heartbeat_ns) == 384);
static_assert(sizeof(segment_header) == 448);

/// The layout this build expects for given limits; attach compares the header against it.
struct layout {
    area commands, events, worker_events, punts, injects, stats, peer_stats;
    uint64_t total_size;
};

/// Returns this build's segment layout (page-aligned areas) for a dataplane started with lim:
/// everything is fixed at compile time except the peer stats, lim.workers blocks of
/// lim.max_peers records (each block page-aligned, so two workers never share a line).
layout expected_layout(const limits& lim) noexcept;

struct attach_result;

/// A mapping of the segment. Move-only; the destructor unmaps, and for the owner (the dataplane
/// that created it) also unlinks the name if it still refers to this segment.
class segment {
public:
    /// Returns the segment name for an instance: "/edgerelay-<instance>".
    /// @throws std::invalid_argument unless instance is 1..64 characters of [A-Za-z0-9_.-].
    static std::string name_for(std::string_view instance);

    /// Creates (dataplane) the segment: shm_open O_CREAT|O_EXCL mode 0600, size, map, initialise,
    /// magic last. The dataplane holds an exclusive flock on it for its lifetime: if the name
    /// exists and is locked, creation is refused; if it exists unlocked (its owner died), it is
    /// taken over — reused in place with generation + 1 if it has this ABI and layout, else
    /// replaced by a fresh one (generation 1).
    /// @param name a POSIX shm name ("/x", no other '/'), usually name_for(instance)
    /// @param lim the dataplane's limits, published in the header
    /// @throws std::invalid_argument on a bad name or limits; std::runtime_error
    ///   ("segment /edgerelay-X is held by pid N; stop that instance or use another instance
    ///   name") when a live dataplane owns it; std::system_error on other system failures.
    static segment create(const std::string& name, const limits& lim);

    /// Attaches (control plane) to an existing segment and checks magic, ABI version, header
    /// size, total size and every area against this build. Never throws for a bad segment.
    /// @return the segment, or an error text such as "dataplane speaks ABI 3, this controlplane
    ///   speaks ABI 2: upgrade both together".
    static attach_result attach(const std::string& name);

    segment(segment&& o) noexcept;
    segment& operator=(segment&& o) noexcept;
    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;
    ~segment();

    segment_header& header() noexcept { return *_header; }
    const segment_header& header() const noexcept { return *_header; }
    const limits& lim() const noexcept { return _header->lim; }

    command_ring& commands() noexcept;
    event_ring& events() noexcept;
    /// @param worker 0 .. max_workers-1 (unchecked)
    worker_event_ring& worker_events(uint16_t worker) noexcept;
    /// @param worker 0 .. max_workers-1 (unchecked)
    punt_ring& punts(uint16_t worker) noexcept;
    inject_ring& injects() noexcept;
    /// @param worker 0 .. max_workers-1 (unchecked)
    worker_stats& stats(uint16_t worker) noexcept;
    const worker_stats& stats(uint16_t worker) const noexcept;

    /// One worker's counters for peer slot p.
    /// @param worker 0 .. lim().workers-1 (unchecked); @param p 0 .. lim().max_peers-1 (unchecked)
    peer_stats& peer_counters(uint16_t worker, peer_id p) noexcept;
    const peer_stats& peer_counters(uint16_t worker, peer_id p) const noexcept;
    /// Peer slot p's counters summed over lim().workers (relaxed loads; each counter is exact,
    /// the four are not a snapshot). All zero when p ≥ lim().max_peers.
    peer_transfer peer_counters_sum(peer_id p) const noexcept;

    /// Stores now_ns into this side's heartbeat (dp_heartbeat_ns for the owner, else cp's).
    void heartbeat(uint64_t now_ns) noexcept;
    /// Returns the other side's last heartbeat (CLOCK_MONOTONIC ns; 0 if it never beat).
    uint64_t peer_heartbeat_ns() const noexcept;
    /// CLOCK_MONOTONIC in ns (vDSO, no syscall on Linux x86-64).
    static uint64_t now_ns() noexcept;

    const std::string& name() const noexcept { return _name; }
    bool owner() const noexcept { return _owner; }
    std::size_t size() const noexcept { return _size; }

private:
    segment(std::string name, int fd, void* base, std::size_t size, bool owner,
            const layout& l) noexcept;
    template <typename T>
    T& at(uint64_t offset) const noexcept;
    void release() noexcept;

    std::string _name;
    int _fd = -1;
    void* _base = nullptr;
    std::size_t _size = 0;
    segment_header* _header = nullptr;
    bool _owner = false;
    layout _layout{};
};

/// Result of segment::attach: a segment, or why not.
struct attach_result {
    std::optional<segment> seg;
    std::string error; ///< empty on success; one line for the operator otherwise

    explicit operator bool() const noexcept { return seg.has_value(); }
};

} // namespace edgerelay::abi
