// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Creation, takeover and attachment of the shared-memory segment (start-up code, not fast path).
#include "common/abi/segment.hh"

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace edgerelay::abi {
namespace {

constexpr uint64_t page = 4096;

constexpr uint64_t align_up(uint64_t v, uint64_t a) noexcept
{
    return (v + a - 1) / a * a;
}

constexpr layout make_layout(const limits& lim) noexcept
{
    layout l{};
    uint64_t off = align_up(sizeof(segment_header), page);
    auto place = [&off](uint64_t stride, uint32_t count, uint32_t capacity, uint32_t record) {
        area a{off, stride, count, capacity, record, 0};
        off = align_up(off + stride * count, page);
        return a;
    };
    // Ring strides are rounded to cache lines so each ring's indices start on their own line.
    l.commands = place(align_up(sizeof(command_ring), 64), 1, command_ring_capacity,
        sizeof(command));
    l.events = place(align_up(sizeof(event_ring), 64), 1, event_ring_capacity, sizeof(event));
    l.worker_events = place(align_up(sizeof(worker_event_ring), 64), max_workers,
        worker_event_ring_capacity, sizeof(event));
    l.punts = place(align_up(sizeof(punt_ring), 64), max_workers, punt_ring_capacity,
        sizeof(punted_packet));
    l.injects = place(align_up(sizeof(inject_ring), 64), 1, inject_ring_capacity,
        sizeof(injected_packet));
    l.stats = place(sizeof(worker_stats), max_workers, 0, sizeof(worker_stats));
    // Only lim.workers blocks: with 16 M peers one block is 512 MiB, so unused workers must not
    // cost one each. Page-aligned blocks keep workers off each other's cache lines.
    l.peer_stats = place(align_up(uint64_t{lim.max_peers} * sizeof(peer_stats), page),
        lim.workers, 0, sizeof(peer_stats));
    l.total_size = off;
    return l;
}

// The limits segment::create accepts and attach trusts (the layout is computed from them).
bool limits_ok(const limits& l) noexcept
{
    return l.max_peers != 0 && l.max_peers <= next_hop_control && l.max_ports != 0 &&
        l.workers != 0 && l.workers <= max_workers;
}

void check_name(const std::string& name)
{
    if (name.size() < 2 || name.size() > NAME_MAX || name[0] != '/' ||
        name.find('/', 1) != std::string::npos) {
        throw std::invalid_argument("bad shared-memory name '" + name +
            "': expected '/' followed by 1.." + std::to_string(NAME_MAX - 1) +
            " characters without '/'");
    }
}

[[noreturn]] void throw_errno(int err, const std::string& what)
{
    throw std::system_error(err, std::generic_category(), what);
}

uint64_t clock_ns(clockid_t id) noexcept
{
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Reads the header of an existing segment through the descriptor, without mapping it (its size
// may be anything). Returns false if the file is shorter than a header.
bool read_header(int fd, segment_header& h) noexcept
{
    ssize_t n = pread(fd, &h, sizeof(h), 0);
    return n == static_cast<ssize_t>(sizeof(h));
}

std::string held_message(const std::string& name, int fd)
{
    segment_header h;
    std::memset(static_cast<void*>(&h), 0, sizeof(h));
    if (read_header(fd, h) && h.dataplane_pid != 0) {
        return "segment " + name + " is held by pid " + std::to_string(h.dataplane_pid) +
            "; stop that instance or use another instance name";
    }
    return "segment " + name +
        " is held by another process; stop that instance or use another instance name";
}

// Whether the name still refers to the object behind fd (it may have been unlinked and replaced).
bool name_is_fd(const std::string& name, int fd) noexcept
{
    int other = shm_open(name.c_str(), O_RDONLY, 0);
    if (other < 0) {
        return false;
    }
    struct stat a{}, b{};
    bool same = fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino;
    close(other);
    return same;
}

} // namespace

layout expected_layout(const limits& lim) noexcept
{
    return make_layout(lim);
}

std::string segment::name_for(std::string_view instance)
{
    bool ok = !instance.empty() && instance.size() <= 64;
    for (char ch : instance) {
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        ok = ok && (alnum || ch == '_' || ch == '.' || ch == '-');
    }
    if (!ok) {
        throw std::invalid_argument("bad instance name '" + std::string(instance) +
            "': use 1..64 characters of A-Z a-z 0-9 _ . -");
    }
    return "/edgerelay-" + std::string(instance);
}

segment segment::create(const std::string& name, const limits& lim)
{
    check_name(name);
    if (!limits_ok(lim) || lim.reserved != 0) {
        throw std::invalid_argument("bad segment limits: need 1 <= max_peers <= " +
            std::to_string(next_hop_control) + ", max_ports >= 1, 1 <= workers <= " +
            std::to_string(max_workers));
    }
    const layout want = make_layout(lim);

    // A few attempts, because a stale segment may be unlinked and recreated between our calls
    // by a concurrent starter; each race ends in a refusal or a retry, never in two owners.
    for (int attempt = 0; attempt < 4; ++attempt) {
        bool fresh = true;
        int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && errno == EEXIST) {
            fresh = false;
            fd = shm_open(name.c_str(), O_RDWR, 0);
            if (fd < 0 && errno == ENOENT) {
                continue;
            }
        }
        if (fd < 0) {
            throw_errno(errno, "shm_open " + name);
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            std::string msg = err == EWOULDBLOCK ? held_message(name, fd) : std::string();
            close(fd);
            if (err == EWOULDBLOCK) {
                throw std::runtime_error(msg);
            }
            throw_errno(err, "flock " + name);
        }
        // We hold the lock. The name may meanwhile point at a newer object: then ours is stale.
        if (!name_is_fd(name, fd)) {
            close(fd);
            continue;
        }

        uint64_t generation = 1;
        if (!fresh) {
            // The previous owner died without unlinking (its lock went with it). Reuse the object
            // when it has our ABI and layout, so an attached control plane sees the generation
            // change on the same mapping and replays its state; otherwise start afresh.
            segment_header old;
            std::memset(static_cast<void*>(&old), 0, sizeof(old));
            struct stat st{};
            bool reusable = fstat(fd, &st) == 0 &&
                static_cast<uint64_t>(st.st_size) == want.total_size && read_header(fd, old) &&
                old.magic.load(std::memory_order_relaxed) == segment_magic &&
                old.abi_version == abi_version && old.total_size == want.total_size &&
                old.peer_stats == want.peer_stats;
            if (!reusable) {
                shm_unlink(name.c_str());
                close(fd);
                continue;
            }
            generation = old.generation.load(std::memory_order_relaxed) + 1;
        }

        if (fresh && ftruncate(fd, static_cast<off_t>(want.total_size)) != 0) {
            int err = errno;
            shm_unlink(name.c_str());
            close(fd);
            throw_errno(err, "ftruncate " + name);
        }
        void* base = mmap(nullptr, want.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (base == MAP_FAILED) {
            int err = errno;
            if (fresh) {
                shm_unlink(name.c_str());
            }
            close(fd);
            throw_errno(err, "mmap " + name);
        }

        auto* h = static_cast<segment_header*>(base);
        // Invalidate first: a control plane still mapped to a taken-over segment must not trust
        // anything until the magic is back.
        h->magic.store(0, std::memory_order_release);
        if (fresh) {
            // ftruncate gave zeros: touching them would commit every page of the peer stats.
            std::memset(static_cast<char*>(base) + 8, 0, sizeof(segment_header) - 8);
        } else {
            std::memset(static_cast<char*>(base) + 8, 0, want.total_size - 8);
        }
        new (base) segment_header{};
        h->abi_version = abi_version;
        h->header_size = sizeof(segment_header);
        h->total_size = want.total_size;
        h->dataplane_pid = static_cast<uint64_t>(getpid());
        h->generation.store(generation, std::memory_order_relaxed);
        h->created_realtime_ns = clock_ns(CLOCK_REALTIME);
        h->lim = lim;
        h->commands = want.commands;
        h->events = want.events;
        h->worker_events = want.worker_events;
        h->punts = want.punts;
        h->injects = want.injects;
        h->stats = want.stats;
        h->peer_stats = want.peer_stats;
        h->dp_heartbeat_ns.store(clock_ns(CLOCK_MONOTONIC), std::memory_order_relaxed);

        auto* bytes = static_cast<char*>(base);
        new (bytes + want.commands.offset) command_ring();
        new (bytes + want.events.offset) event_ring();
        for (uint32_t w = 0; w < max_workers; ++w) {
            new (bytes + want.worker_events.offset + w * want.worker_events.stride)
                worker_event_ring();
            new (bytes + want.punts.offset + w * want.punts.stride) punt_ring();
            new (bytes + want.stats.offset + w * want.stats.stride) worker_stats{};
        }
        new (bytes + want.injects.offset) inject_ring();
        // The peer stats are zero bytes already, which is what a value-initialised
        // std::atomic<uint64_t> holds (lock-free, address-free): no constructor pass over them.

        // Publish: everything above happens-before an attacher's acquire load of the magic.
        h->magic.store(segment_magic, std::memory_order_release);
        return segment(name, fd, base, want.total_size, true, want);
    }
    throw std::runtime_error("segment " + name +
        ": lost repeated races with another process creating it; is another instance starting?");
}

attach_result segment::attach(const std::string& name)
{
    attach_result r;
    try {
        check_name(name);
    } catch (const std::invalid_argument& e) {
        r.error = e.what();
        return r;
    }
    int fd = shm_open(name.c_str(), O_RDWR, 0);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) {
            r.error = "no segment " + name + ": is edgerelay-dataplane running for this instance?";
        } else if (err == EACCES) {
            r.error = "segment " + name +
                ": permission denied (mode 0600: run as the dataplane's user)";
        } else {
            r.error = "segment " + name + ": shm_open: " + std::strerror(err);
        }
        return r;
    }
    struct stat st{};
    if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(segment_header))) {
        r.error = "segment " + name + " is too small (" + std::to_string(st.st_size) +
            " bytes): not an edgerelay segment, or the dataplane is still creating it";
        close(fd);
        return r;
    }
    auto size = static_cast<std::size_t>(st.st_size);
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        r.error = "segment " + name + ": mmap: " + std::strerror(errno);
        close(fd);
        return r;
    }
    // From here on the segment object owns fd and the mapping, and releases them on failure.
    segment s(name, fd, base, size, false, layout{});
    const segment_header& h = s.header();
    uint64_t magic = h.magic.load(std::memory_order_acquire);
    const std::string prefix = "segment " + name + ": ";
    if (magic == 0) {
        r.error = prefix + "not initialised (the dataplane is starting, or died while creating it)";
        return r;
    }
    if (magic != segment_magic) {
        r.error = prefix + "bad magic: not an edgerelay segment";
        return r;
    }
    if (h.abi_version != abi_version) {
        r.error = "dataplane speaks ABI " + std::to_string(h.abi_version) +
            ", this controlplane speaks ABI " + std::to_string(abi_version) +
            ": upgrade both together";
        return r;
    }
    // The limits before the sizes: the expected layout is computed from them.
    const limits& l = h.lim;
    if (h.header_size == sizeof(segment_header) && !limits_ok(l)) {
        r.error = prefix + "limits in the header are out of range";
        return r;
    }
    const layout want = make_layout(l);
    if (h.header_size != sizeof(segment_header) || h.total_size != want.total_size ||
        h.total_size != size) {
        r.error = prefix + "size mismatch: header " + std::to_string(h.header_size) + "/" +
            std::to_string(sizeof(segment_header)) + " bytes, total " +
            std::to_string(h.total_size) + " in header, " + std::to_string(size) +
            " mapped, " + std::to_string(want.total_size) + " expected by this build";
        return r;
    }
    const std::pair<const area*, const area*> areas[] = {
        {&h.commands, &want.commands}, {&h.events, &want.events},
        {&h.worker_events, &want.worker_events}, {&h.punts, &want.punts},
        {&h.injects, &want.injects}, {&h.stats, &want.stats},
        {&h.peer_stats, &want.peer_stats},
    };
    const char* area_names[] = {"commands", "events", "worker_events", "punts", "injects", "stats",
        "peer_stats"};
    for (std::size_t i = 0; i < std::size(areas); ++i) {
        if (!(*areas[i].first == *areas[i].second)) {
            r.error = prefix + "layout mismatch in area '" + area_names[i] +
                "' although the ABI versions match: rebuild both from the same source";
            return r;
        }
    }
    s._layout = want;
    s.header().cp_pid.store(static_cast<uint64_t>(getpid()), std::memory_order_relaxed);
    r.seg.emplace(std::move(s));
    return r;
}

segment::segment(std::string name, int fd, void* base, std::size_t size, bool owner,
                 const layout& l) noexcept
    : _name(std::move(name)), _fd(fd), _base(base), _size(size),
      _header(static_cast<segment_header*>(base)), _owner(owner), _layout(l)
{
}

segment::segment(segment&& o) noexcept
    : _name(std::move(o._name)), _fd(std::exchange(o._fd, -1)),
      _base(std::exchange(o._base, nullptr)), _size(std::exchange(o._size, 0)),
      _header(std::exchange(o._header, nullptr)), _owner(std::exchange(o._owner, false)),
      _layout(o._layout)
{
}

segment& segment::operator=(segment&& o) noexcept
{
    if (this != &o) {
        release();
        _name = std::move(o._name);
        _fd = std::exchange(o._fd, -1);
        _base = std::exchange(o._base, nullptr);
        _size = std::exchange(o._size, 0);
        _header = std::exchange(o._header, nullptr);
        _owner = std::exchange(o._owner, false);
        _layout = o._layout;
    }
    return *this;
}

segment::~segment()
{
    release();
}

void segment::release() noexcept
{
    if (_owner && _header != nullptr) {
        _header->dp_flags.fetch_or(dp_flag_closing, std::memory_order_release);
        // Unlink only our own object: after a takeover race the name may belong to a successor.
        if (name_is_fd(_name, _fd)) {
            shm_unlink(_name.c_str());
        }
    }
    if (_base != nullptr) {
        munmap(_base, _size);
    }
    if (_fd >= 0) {
        close(_fd); // drops the owner's flock
    }
    _fd = -1;
    _base = nullptr;
    _header = nullptr;
    _owner = false;
}

template <typename T>
T& segment::at(uint64_t offset) const noexcept
{
    return *std::launder(reinterpret_cast<T*>(static_cast<char*>(_base) + offset));
}

command_ring& segment::commands() noexcept
{
    return at<command_ring>(_layout.commands.offset);
}

event_ring& segment::events() noexcept
{
    return at<event_ring>(_layout.events.offset);
}

worker_event_ring& segment::worker_events(uint16_t worker) noexcept
{
    return at<worker_event_ring>(_layout.worker_events.offset +
        uint64_t{worker} * _layout.worker_events.stride);
}

punt_ring& segment::punts(uint16_t worker) noexcept
{
    return at<punt_ring>(_layout.punts.offset + uint64_t{worker} * _layout.punts.stride);
}

inject_ring& segment::injects() noexcept
{
    return at<inject_ring>(_layout.injects.offset);
}

worker_stats& segment::stats(uint16_t worker) noexcept
{
    return at<worker_stats>(_layout.stats.offset + uint64_t{worker} * _layout.stats.stride);
}

const worker_stats& segment::stats(uint16_t worker) const noexcept
{
    return at<worker_stats>(_layout.stats.offset + uint64_t{worker} * _layout.stats.stride);
}

peer_stats& segment::peer_counters(uint16_t worker, peer_id p) noexcept
{
    return at<peer_stats>(_layout.peer_stats.offset + uint64_t{worker} * _layout.peer_stats.stride +
        uint64_t{p} * sizeof(peer_stats));
}

const peer_stats& segment::peer_counters(uint16_t worker, peer_id p) const noexcept
{
    return at<peer_stats>(_layout.peer_stats.offset + uint64_t{worker} * _layout.peer_stats.stride +
        uint64_t{p} * sizeof(peer_stats));
}

peer_transfer segment::peer_counters_sum(peer_id p) const noexcept
{
    peer_transfer t;
    if (_header == nullptr || p >= lim().max_peers) {
        return t;
    }
    for (uint16_t w = 0; w < lim().workers && w < _layout.peer_stats.count; ++w) {
        const peer_stats& s = peer_counters(w, p);
        t.rx_packets += s.rx_packets.load(std::memory_order_relaxed);
        t.rx_bytes += s.rx_bytes.load(std::memory_order_relaxed);
        t.tx_packets += s.tx_packets.load(std::memory_order_relaxed);
        t.tx_bytes += s.tx_bytes.load(std::memory_order_relaxed);
    }
    return t;
}

void segment::heartbeat(uint64_t now) noexcept
{
    auto& hb = _owner ? _header->dp_heartbeat_ns : _header->cp_heartbeat_ns;
    hb.store(now, std::memory_order_release);
}

uint64_t segment::peer_heartbeat_ns() const noexcept
{
    const auto& hb = _owner ? _header->cp_heartbeat_ns : _header->dp_heartbeat_ns;
    return hb.load(std::memory_order_acquire);
}

uint64_t segment::now_ns() noexcept
{
    return clock_ns(CLOCK_MONOTONIC);
}

} // namespace edgerelay::abi
