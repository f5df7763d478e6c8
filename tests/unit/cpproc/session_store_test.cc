// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Session keys kept for replay, and the peer id registry that survives restarts.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/crypto/encoding.hh"
#include "controlplane/process/peer_registry.hh"
#include "controlplane/process/session_store.hh"

namespace edgerelay::cp::process {
namespace {

using namespace std::chrono_literals;

abi::command install(abi::peer_id peer, uint32_t index, uint64_t age_ms)
{
    abi::command c;
    c.type = abi::command_type::install_keypair;
    c.body.install_keypair.peer = peer;
    c.body.install_keypair.slot = abi::key_slot::next;
    c.body.install_keypair.local_index = index;
    c.body.install_keypair.remote_index = index + 1;
    c.body.install_keypair.send_key[0] = 0xAA;
    c.body.install_keypair.recv_key[0] = 0xBB;
    c.body.install_keypair.age_ms = age_ms;
    return c;
}

TEST(session_store, replay_ages_the_keypair_and_skips_counters_ahead)
{
    session_store s;
    s.observe(install(3, 100, 500), 10s);
    auto c = s.replay(100, abi::key_slot::current, 12s, 180'000);
    ASSERT_TRUE(c);
    const auto& k = c->body.install_keypair;
    EXPECT_EQ(c->type, abi::command_type::install_keypair);
    EXPECT_EQ(k.peer, 3u);
    EXPECT_EQ(k.slot, abi::key_slot::current);
    EXPECT_EQ(k.local_index, 100u);
    EXPECT_EQ(k.remote_index, 101u);
    EXPECT_EQ(k.send_key[0], 0xAA);
    EXPECT_EQ(k.recv_key[0], 0xBB);
    EXPECT_EQ(k.age_ms, 2500u);
    // 2 s at (more than) any possible packet rate, so no nonce is used twice.
    EXPECT_GE(k.send_counter, 2'000'000'000u);
    EXPECT_EQ(k.send_counter, session_store::send_counter_bound(0, 2s));
    EXPECT_EQ(c->seq, 0u);
    // Past REJECT_AFTER_TIME it is useless: no replay.
    EXPECT_FALSE(s.replay(100, abi::key_slot::current, 10s + 180s, 180'000));
    EXPECT_FALSE(s.replay(999, abi::key_slot::current, 12s, 180'000));
}

TEST(session_store, adopted_readback_replays_like_an_install)
{
    session_store s;
    abi::ev_rb_keypair k{};
    k.peer = 4;
    k.slot = abi::key_slot::current;
    k.initiator = 1;
    k.local_index = 200;
    k.remote_index = 201;
    k.age_ms = 30'000;
    k.send_counter = 1'000;
    std::memset(k.send_key, 0xC1, sizeof k.send_key);
    std::memset(k.recv_key, 0xC2, sizeof k.recv_key);
    s.adopt(k, 50s);
    ASSERT_TRUE(s.contains(200));
    auto c = s.replay(200, abi::key_slot::current, 53s, 180'000);
    ASSERT_TRUE(c);
    const auto& b = c->body.install_keypair;
    EXPECT_EQ(b.peer, 4u);
    EXPECT_EQ(b.initiator, 1);
    EXPECT_EQ(b.remote_index, 201u);
    EXPECT_EQ(b.send_key[0], 0xC1);
    EXPECT_EQ(b.send_key[31], 0xC1);
    EXPECT_EQ(b.recv_key[31], 0xC2);
    EXPECT_EQ(b.age_ms, 33'000u);
    // The counter jumps from where the old dataplane stood, as for our own installs.
    EXPECT_EQ(b.send_counter, session_store::send_counter_bound(1'000, 3s));
    // Past REJECT_AFTER_TIME from its birth (150 s after the readback), no replay.
    EXPECT_FALSE(s.replay(200, abi::key_slot::current, 50s + 150s, 180'000));

    // An index we already recorded keeps our own record.
    s.observe(install(3, 100, 500), 10s);
    abi::ev_rb_keypair other = k;
    other.local_index = 100;
    other.age_ms = 90'000;
    s.adopt(other, 10s);
    auto r = s.replay(100, abi::key_slot::next, 10s, 180'000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body.install_keypair.age_ms, 500u);
    EXPECT_EQ(r->body.install_keypair.send_key[0], 0xAA);
}

TEST(session_store, forgets_on_retire_remove_expiry_and_retain)
{
    session_store s;
    s.observe(install(1, 10, 0), 1s);
    s.observe(install(1, 11, 0), 1s);
    s.observe(install(2, 20, 0), 1s);
    s.observe(install(2, 21, 0), 1s);
    EXPECT_EQ(s.size(), 4u);

    abi::command r;
    r.type = abi::command_type::retire_keypair;
    r.body.retire_keypair.peer = 1;
    r.body.retire_keypair.slot = abi::key_slot::by_index;
    r.body.retire_keypair.local_index = 10;
    s.observe(r, 2s);
    EXPECT_FALSE(s.contains(10));

    abi::command rm;
    rm.type = abi::command_type::remove_peer;
    rm.body.peer.peer = 2;
    s.observe(rm, 2s);
    EXPECT_FALSE(s.contains(20));
    EXPECT_FALSE(s.contains(21));
    EXPECT_TRUE(s.contains(11));

    s.observe(install(3, 30, 0), 1s);
    s.forget(30);
    EXPECT_FALSE(s.contains(30));

    s.observe(install(4, 40, 0), 1s);
    s.retain({40});
    EXPECT_EQ(s.size(), 1u);
    EXPECT_TRUE(s.contains(40));
}

class registry_test : public ::testing::Test {
  protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/cpproc_registry_XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        _dir = tmpl;
        _path = _dir + "/x.peers";
    }
    void TearDown() override
    {
        ::unlink(_path.c_str());
        ::rmdir(_dir.c_str());
    }
    std::string _dir, _path;
};

crypto::key32 key(uint8_t b)
{
    crypto::key32 k{};
    k[0] = b;
    k[31] = 1;
    return k;
}

TEST_F(registry_test, ids_survive_a_restart_and_gaps_are_reused)
{
    peer_registry r;
    EXPECT_EQ(r.assign(key(1), false), 0u);
    EXPECT_EQ(r.assign(key(2), true, {"args", "here"}), 1u);
    EXPECT_EQ(r.assign(key(3), false), 2u);
    EXPECT_EQ(r.assign(key(2), true, {"args", "here"}), 1u);
    ASSERT_EQ(r.save(_path), 0);

    peer_registry back;
    std::vector<std::string> warnings;
    ASSERT_EQ(back.load(_path, warnings), 0);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(back.find(key(3))->id, 2u);
    EXPECT_TRUE(back.find(key(2))->runtime);
    EXPECT_EQ(back.find(key(2))->add_peer_args, (std::vector<std::string>{"args", "here"}));
    EXPECT_EQ(back.key_of(1), key(2));

    // A config peer removed from the file frees its id; run-time peers stay.
    back.retain_config({key(3)});
    EXPECT_EQ(back.find(key(1)), nullptr);
    EXPECT_NE(back.find(key(2)), nullptr);
    EXPECT_EQ(back.assign(key(9), false), 0u);
}

TEST_F(registry_test, malformed_lines_are_skipped_with_a_warning)
{
    {
        std::ofstream f(_path);
        f << "0 " << crypto::key_to_base64(key(1).data()) << " config\n"
          << "x notakey config\n"
          << "0 " << crypto::key_to_base64(key(2).data()) << " config\n" // id taken
          << "\n";
    }
    peer_registry r;
    std::vector<std::string> warnings;
    ASSERT_EQ(r.load(_path, warnings), 0);
    EXPECT_EQ(r.entries().size(), 1u);
    EXPECT_EQ(warnings.size(), 2u);

    peer_registry none;
    EXPECT_EQ(none.load(_dir + "/missing", warnings), 0);
    EXPECT_TRUE(none.entries().empty());
}

} // namespace
} // namespace edgerelay::cp::process
