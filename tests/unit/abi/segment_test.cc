// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Tests for segment creation, attachment refusals, takeover and rings across two processes.
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/abi/segment.hh"
#include "common/abi/validate.hh"

namespace edgerelay::abi {
namespace {

std::string unique_name()
{
    static int counter = 0;
    return "/edgerelay-test-abi-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

// Removes a leftover name if a test fails half-way (the owner normally unlinks).
struct name_guard {
    std::string name = unique_name();
    ~name_guard() { shm_unlink(name.c_str()); }
};

limits test_limits()
{
    limits l;
    l.max_peers = 4096;
    l.max_ports = 2;
    l.workers = 3;
    return l;
}

int wait_child(pid_t pid)
{
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(segment, name_for_instance)
{
    EXPECT_EQ(segment::name_for("edge-1"), "/edgerelay-edge-1");
    EXPECT_THROW(segment::name_for(""), std::invalid_argument);
    EXPECT_THROW(segment::name_for("a/b"), std::invalid_argument);
    EXPECT_THROW(segment::name_for(std::string(65, 'x')), std::invalid_argument);
    EXPECT_THROW(segment::create("no-slash", test_limits()), std::invalid_argument);
    limits bad = test_limits();
    bad.workers = max_workers + 1;
    name_guard g;
    EXPECT_THROW(segment::create(g.name, bad), std::invalid_argument);
}

TEST(segment, create_attach_share_state)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    EXPECT_TRUE(dp.owner());
    EXPECT_EQ(dp.header().magic.load(), segment_magic);
    EXPECT_EQ(std::memcmp(&dp.header().magic, "EDGERLY1", 8), 0);
    EXPECT_EQ(dp.header().generation.load(), 1u);
    EXPECT_EQ(dp.header().dataplane_pid, static_cast<uint64_t>(getpid()));

    attach_result r = segment::attach(g.name);
    ASSERT_TRUE(r) << r.error;
    segment& cp = *r.seg;
    EXPECT_FALSE(cp.owner());
    EXPECT_EQ(cp.lim().max_peers, 4096u);
    EXPECT_EQ(cp.lim().workers, 3u);
    EXPECT_EQ(cp.header().cp_pid.load(), static_cast<uint64_t>(getpid()));
    // Two mappings of the same memory at different addresses.
    EXPECT_NE(static_cast<void*>(&dp.header()), static_cast<void*>(&cp.header()));

    dp.heartbeat(111);
    cp.heartbeat(222);
    EXPECT_EQ(cp.peer_heartbeat_ns(), 111u);
    EXPECT_EQ(dp.peer_heartbeat_ns(), 222u);
    counter_add(dp.stats(2).rx_packets, 5);
    counter_add(dp.stats(2).drops[17], 3);
    EXPECT_EQ(cp.stats(2).rx_packets.load(), 5u);
    EXPECT_EQ(cp.stats(2).drops[17].load(), 3u);

    command c;
    c.type = command_type::add_peer;
    c.seq = 9;
    seal(c);
    ASSERT_TRUE(cp.commands().push(c));
    command got;
    ASSERT_TRUE(dp.commands().pop(got));
    EXPECT_EQ(got.seq, 9u);
    EXPECT_EQ(validate(got, dp.lim()), error::ok);
    EXPECT_FALSE(dp.commands().pop(got));
}

// Per-peer counters written through the owner's mapping are read through a second mapping
// (another address), per worker and summed; the blocks of two workers do not overlap.
TEST(segment, peer_counters_shared_across_mappings)
{
    name_guard g;
    const limits lim = test_limits();
    segment dp = segment::create(g.name, lim);
    attach_result r = segment::attach(g.name);
    ASSERT_TRUE(r) << r.error;
    const segment& cp = *r.seg;
    for (uint16_t w = 0; w < lim.workers; ++w) {
        for (peer_id p : {0u, 1u, lim.max_peers - 1}) {
            peer_stats& s = dp.peer_counters(w, p);
            counter_add(s.rx_packets, 1 + w);
            counter_add(s.rx_bytes, 1000 * (p + 1) + w);
            counter_add(s.tx_packets, 10 + w);
            counter_add(s.tx_bytes, 7);
        }
    }
    EXPECT_NE(static_cast<const void*>(&cp.peer_counters(1, 1)),
              static_cast<const void*>(&dp.peer_counters(1, 1)));
    EXPECT_EQ(cp.peer_counters(2, 1).rx_packets.load(), 3u);
    EXPECT_EQ(cp.peer_counters(2, 1).rx_bytes.load(), 2002u);
    EXPECT_EQ(cp.peer_counters(0, lim.max_peers - 1).rx_bytes.load(), 1000u * lim.max_peers);
    EXPECT_EQ(cp.peer_counters(1, 2).rx_packets.load(), 0u);
    // Worker blocks are page-aligned and disjoint: the last peer of worker 0 is not worker 1's.
    EXPECT_LT(reinterpret_cast<uintptr_t>(&dp.peer_counters(0, lim.max_peers - 1)) +
                  sizeof(peer_stats),
              reinterpret_cast<uintptr_t>(&dp.peer_counters(1, 0)) + 1);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(&dp.peer_counters(1, 0)) % 4096, 0u);

    peer_transfer t = cp.peer_counters_sum(1);
    EXPECT_EQ(t, (peer_transfer{1 + 2 + 3, 3 * 2000 + 3, 10 + 11 + 12, 21}));
    EXPECT_EQ(cp.peer_counters_sum(2), peer_transfer{});
    EXPECT_EQ(cp.peer_counters_sum(lim.max_peers), peer_transfer{}) << "out of range reads zero";
    EXPECT_EQ(cp.peer_counters_sum(no_peer), peer_transfer{});
}

TEST(segment, unlinked_on_owner_exit)
{
    name_guard g;
    {
        segment dp = segment::create(g.name, test_limits());
        attach_result r = segment::attach(g.name);
        ASSERT_TRUE(r) << r.error;
        EXPECT_EQ(r.seg->header().dp_flags.load() & dp_flag_closing, 0u);
        segment moved = std::move(dp);  // ownership moves, no early unlink
        EXPECT_TRUE(segment::attach(g.name)) << "moved-from segment unlinked the name";
        moved = segment::create(unique_name(), test_limits()); // releases the first one
        EXPECT_NE(r.seg->header().dp_flags.load() & dp_flag_closing, 0u);
    }
    attach_result r = segment::attach(g.name);
    EXPECT_FALSE(r);
    EXPECT_NE(r.error.find("no segment " + g.name), std::string::npos) << r.error;
}

TEST(segment, refuses_other_abi_version)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    dp.header().abi_version = abi_version + 2;
    attach_result r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error, "dataplane speaks ABI " + std::to_string(abi_version + 2) +
        ", this controlplane speaks ABI " + std::to_string(abi_version) +
        ": upgrade both together");
}

TEST(segment, refuses_bad_magic_and_uninitialised)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    dp.header().magic.store(0x4141414141414141ull);
    attach_result r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("bad magic"), std::string::npos) << r.error;
    dp.header().magic.store(0);
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("not initialised"), std::string::npos) << r.error;
}

TEST(segment, refuses_size_and_layout_mismatch)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    dp.header().total_size += 4096;
    attach_result r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("size mismatch"), std::string::npos) << r.error;
    dp.header().total_size -= 4096;

    dp.header().header_size = 64;
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("size mismatch"), std::string::npos) << r.error;
    dp.header().header_size = sizeof(segment_header);

    dp.header().punts.capacity = 1;
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("layout mismatch in area 'punts'"), std::string::npos) << r.error;
    dp.header().punts = expected_layout(test_limits()).punts;
    ASSERT_TRUE(segment::attach(g.name));

    dp.header().peer_stats.stride += 4096;
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("layout mismatch in area 'peer_stats'"), std::string::npos) << r.error;
    dp.header().peer_stats = expected_layout(test_limits()).peer_stats;
    ASSERT_TRUE(segment::attach(g.name));

    // Limits that would make the layout nonsense are refused before anything is computed.
    dp.header().lim.workers = max_workers + 1;
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("limits in the header are out of range"), std::string::npos) << r.error;
    dp.header().lim.workers = test_limits().workers;
    // A different max_peers means a different size: refused, not misread.
    dp.header().lim.max_peers = 8192;
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("size mismatch"), std::string::npos) << r.error;
    dp.header().lim.max_peers = test_limits().max_peers;
    ASSERT_TRUE(segment::attach(g.name));

    // The file itself grows behind the header's back.
    int fd = shm_open(g.name.c_str(), O_RDWR, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(dp.size() + 4096)), 0);
    close(fd);
    r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("size mismatch"), std::string::npos) << r.error;
}

TEST(segment, refuses_foreign_or_tiny_object)
{
    name_guard g;
    int fd = shm_open(g.name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 100), 0);
    close(fd);
    attach_result r = segment::attach(g.name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("too small"), std::string::npos) << r.error;
}

TEST(segment, refuses_when_held_by_live_owner)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    try {
        segment second = segment::create(g.name, test_limits());
        FAIL() << "second create succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "segment " + g.name + " is held by pid " +
            std::to_string(getpid()) + "; stop that instance or use another instance name");
    }
    // The refusal left the live segment untouched.
    EXPECT_EQ(dp.header().magic.load(), segment_magic);
    EXPECT_TRUE(segment::attach(g.name));
}

// A child creates the segment and dies without cleaning up; the parent takes it over in place,
// and a control plane that stayed attached sees the new generation on its old mapping.
TEST(segment, takes_over_dead_owner)
{
    name_guard g;
    int ready[2], go[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(go), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            segment dp = segment::create(g.name, test_limits());
            counter_add(dp.stats(0).tx_packets, 1);
            counter_add(dp.peer_counters(2, 4095).tx_bytes, 9);
            char x = 1;
            if (write(ready[1], &x, 1) != 1 || read(go[0], &x, 1) != 1) {
                _exit(2);
            }
            _exit(0); // "dies" holding the segment: no destructor, no unlink
        } catch (...) {
            _exit(3);
        }
    }
    char x = 0;
    ASSERT_EQ(read(ready[0], &x, 1), 1);
    attach_result r = segment::attach(g.name);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.seg->header().dataplane_pid, static_cast<uint64_t>(child));
    EXPECT_EQ(r.seg->stats(0).tx_packets.load(), 1u);
    EXPECT_EQ(r.seg->peer_counters_sum(4095).tx_bytes, 9u);
    // While the child lives, a second dataplane is refused and names the child.
    try {
        segment::create(g.name, test_limits());
        ADD_FAILURE() << "create succeeded while the owner lives";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("held by pid " + std::to_string(child)),
            std::string::npos) << e.what();
    }
    ASSERT_EQ(write(go[1], &x, 1), 1);
    ASSERT_EQ(wait_child(child), 0);

    segment dp = segment::create(g.name, test_limits());
    EXPECT_EQ(dp.header().generation.load(), 2u);
    EXPECT_EQ(dp.header().dataplane_pid, static_cast<uint64_t>(getpid()));
    EXPECT_EQ(dp.stats(0).tx_packets.load(), 0u) << "takeover must reset state";
    EXPECT_EQ(dp.peer_counters(2, 4095).tx_bytes.load(), 0u) << "takeover must reset state";
    EXPECT_EQ(r.seg->header().generation.load(), 2u);
    EXPECT_EQ(r.seg->header().dataplane_pid, static_cast<uint64_t>(getpid()));
    for (int fd : {ready[0], ready[1], go[0], go[1]}) {
        close(fd);
    }
}

// A dead owner's segment of another ABI is replaced rather than reused.
TEST(segment, replaces_dead_owner_of_other_abi)
{
    name_guard g;
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            segment dp = segment::create(g.name, test_limits());
            dp.header().abi_version = abi_version + 1;
            dp.header().generation.store(41);
            _exit(0); // no destructor, no unlink
        } catch (...) {
            _exit(3);
        }
    }
    ASSERT_EQ(wait_child(child), 0);
    attach_result stale = segment::attach(g.name);
    ASSERT_FALSE(stale);
    EXPECT_NE(stale.error.find("speaks ABI " + std::to_string(abi_version + 1)), std::string::npos)
        << stale.error;
    segment dp = segment::create(g.name, test_limits());
    EXPECT_EQ(dp.header().generation.load(), 1u);
    EXPECT_EQ(dp.header().abi_version, abi_version);
    EXPECT_TRUE(segment::attach(g.name));
}

// Rings across processes: a fork()ed child attaches by name (its own mapping, at its own
// address), pushes far more commands than the ring holds and pops punted packets; the parent does
// the opposite. Both check sequence numbers arrive complete and in order.
TEST(segment, rings_wrap_across_processes)
{
    name_guard g;
    segment dp = segment::create(g.name, test_limits());
    constexpr uint64_t n_commands = 50 * command_ring_capacity;
    constexpr uint64_t n_punts = 20 * punt_ring_capacity;

    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        alarm(60); // a deadlock fails the test instead of hanging it
        attach_result r = segment::attach(g.name);
        if (!r) {
            _exit(10);
        }
        segment& cp = *r.seg;
        if (static_cast<void*>(&cp.header()) == static_cast<void*>(&dp.header())) {
            _exit(11);
        }
        uint64_t sent = 0, expect_punt = 0;
        while (sent < n_commands || expect_punt < n_punts) {
            bool progress = false;
            if (sent < n_commands) {
                command c;
                c.type = command_type::send_keepalive;
                c.seq = sent;
                c.body.peer.peer = static_cast<peer_id>(sent % 4096);
                seal(c);
                if (cp.commands().push(c)) {
                    ++sent;
                    progress = true;
                }
            }
            punted_packet p;
            if (cp.punts(1).pop(p)) {
                uint64_t v;
                std::memcpy(&v, p.bytes, 8);
                if (v != expect_punt || p.len != 148 || p.bytes[147] != (expect_punt & 0xFF)) {
                    _exit(12);
                }
                ++expect_punt;
                progress = true;
            }
            if (!progress) {
                sched_yield();
            }
        }
        _exit(0);
    }

    uint64_t expect_seq = 0, punted = 0, bad = 0;
    while (expect_seq < n_commands || punted < n_punts) {
        bool progress = false;
        command c;
        if (dp.commands().pop(c)) {
            bad += c.seq != expect_seq || validate(c, dp.lim()) != error::ok ||
                c.body.peer.peer != expect_seq % 4096;
            ++expect_seq;
            progress = true;
        }
        if (punted < n_punts) {
            punted_packet p;
            p.len = 148;
            p.worker = 1;
            std::memcpy(p.bytes, &punted, 8);
            p.bytes[147] = static_cast<uint8_t>(punted & 0xFF);
            if (dp.punts(1).push(p)) {
                ++punted;
                progress = true;
            }
        }
        if (!progress) {
            sched_yield();
        }
        if (expect_seq > n_commands) {
            break;
        }
    }
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(expect_seq, n_commands);
    EXPECT_EQ(wait_child(child), 0);
    command extra;
    EXPECT_FALSE(dp.commands().pop(extra));
    EXPECT_EQ(dp.punts(1).read_available(), 0u);
}

} // namespace
} // namespace edgerelay::abi
