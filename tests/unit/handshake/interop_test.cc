// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The handshake against bytes captured from a real wireguard-go (Debian's v0.0.20220316).
//
// How the initiation vector was captured (as root, inside `unshare --net`): keys from
// `wg genkey`/`wg genpsk`; `wireguard-go -f wg0`; `wg set wg0 private-key <initiator>
// listen-port 40000 peer <responder pub> preshared-key <psk> endpoint 127.0.0.1:51999
// allowed-ips 10.9.0.2/32`; addresses up; a UDP socket on 127.0.0.1:51999 read the datagram
// that `ping 10.9.0.2` triggered. The wall clock read 1795444095.97 s just before the ping.
//
// The initiator-side vector reversed the roles: wireguard-go was the responder (listen-port
// 51820, persistent-keepalive 1) and a throwaway program built on this library, with a fixed
// ephemeral key (from `wg genkey`), sent the initiation from 127.0.0.1:40001, consumed
// wireguard-go's response, sent a keepalive under the new keys and received wireguard-go's
// keepalive in return: wireguard-go accepted both our messages, so the whole exchange
// interoperates.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/aead.hh"
#include "common/crypto/encoding.hh"
#include "common/crypto/x25519.hh"
#include "controlplane/handshake/cookie.hh"
#include "controlplane/handshake/noise.hh"

namespace edgerelay::cp {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view responder_priv = "4DVG+GA6b2p3y+iSqUyF0T41qKOTAYyTPJUQthFLUVo=";
constexpr std::string_view responder_pub = "7utETkG07WUF0x1wraKanhM9ELQd93i656IYMIzJ5mE=";
constexpr std::string_view initiator_pub = "Qsf4pyw6wY61Vr5KwXoE8Ln8o36i/7cbPmAETcHze2o=";
constexpr std::string_view psk = "5gBaICyYeNmrSGzS/LgZ+wTu7cge0xUpJdBWAbl9kX4=";
constexpr int64_t capture_unix_seconds = 1795444095;
constexpr std::string_view initiation_hex =
    "01000000b690204109131ff61a76485394359922591a8bf20e7faa0a9f8ca0e9a9c46bb43340f21a"
    "ab63e9dd530667ebc9e67ba75ea96bb1b2516dd9bcd8ccca6b85bb01cd3ce6cedee365cd4e7f777d"
    "687113e6b69b1dc313130363d5c967cda7e0e87b9dc2ad19847c2b84e2865c1ac0f948c6109168a2"
    "0993ce735c29bf9b22ea0d2500000000000000000000000000000000";

std::vector<uint8_t> from_hex(std::string_view hex)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(uint8_t(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

crypto::key32 key(std::string_view b64)
{
    auto k = crypto::key_from_base64(b64);
    EXPECT_TRUE(k) << b64;
    return k.value_or(crypto::key32{});
}

crypto::secret32 secret(std::string_view b64)
{
    crypto::secret32 s;
    s.bytes = key(b64);
    return s;
}

namespace as_initiator {
constexpr std::string_view initiator_priv = "AAIyCUUtPTKlU8jvpH4nqMe7Ou8KqV9rQjfNGoM2plw=";
constexpr std::string_view responder_pub = "26MuZHVv3R9h2GQsugBqEXuEVNTTkZCjXR9McUuVkkU=";
constexpr std::string_view psk = "6HGmvVwpqgF85kixkLNAwnLQlDZBkLyPcXCAWD8mZi4=";
constexpr std::string_view ephemeral_priv = "aH801P+Bc4PGIJeJ24s2lkLFyMHHH0Rk6RQMS3tUfXs=";
constexpr int64_t wall_ns = 1795444182823170371;
constexpr uint32_t local_index = 0x11223344;
constexpr std::string_view initiation_hex =
    "0100000044332211aef6ea1d7743bd712828fab1622c876994cf1df88e5164b08189bef5e1500804"
    "0c40ba5f15228a4ae714d7863c438f8ff91b37de71d82d6df69b7a001513e7f2f9b1be9c8ccccb06"
    "0c9d9f972944904cdb27af9ab356bd60f1e8ef548d0d81898a194e35aaff757b1d8ed4b8a772fb37"
    "f3eeda100c45d6e0cb34674100000000000000000000000000000000";
constexpr std::string_view response_hex =  // from wireguard-go
    "0200000094bcf9a444332211a513648496715f7e08b3ad6dd63417ca5e23a8c39cd1ae3276269dcc"
    "2ec08901feb0304159d20a6068a05e1927b56db2a11893b048fc81a1f4870731fc1768be00000000"
    "000000000000000000000000";
constexpr std::string_view our_keepalive_hex =
    "0400000094bcf9a40000000000000000951543bbb643d52489049707ac4386ef";
constexpr std::string_view their_keepalive_hex =  // from wireguard-go
    "04000000443322110000000000000000257373d17aeb832d2c668cbaacbdd7e5";
} // namespace as_initiator

TEST(interop, wireguard_go_as_responder_full_exchange)
{
    namespace v = as_initiator;
    static_identity us{secret(v::initiator_priv)};
    const crypto::key32 rpub = key(v::responder_pub);
    handshake hs{us, rpub, secret(v::psk)};
    cookie_state cookie{rpub};
    const crypto::secret32 eph = secret(v::ephemeral_priv);

    // Our initiation is reproducible byte for byte from the fixed ephemeral and clock.
    auto m1 = hs.create_initiation(nanos(v::wall_ns), v::local_index, &eph);
    ASSERT_TRUE(m1);
    cookie.add_macs(*m1, 1s);
    const auto expect_m1 = from_hex(v::initiation_hex);
    EXPECT_TRUE(std::equal(m1->begin(), m1->end(), expect_m1.begin(), expect_m1.end()));

    // wireguard-go's response: its macs verify against our key, and it completes our handshake.
    const auto m2 = from_hex(v::response_hex);
    EXPECT_EQ(us.checker.check_macs(m2, wire::endpoint{}, 1s, false), mac_verdict::ok);
    ASSERT_EQ(hs.consume_response(m2), hs_status::ok);
    auto keys = hs.derive_keys(1s);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->local_index, v::local_index);
    EXPECT_EQ(keys->remote_index, load_le32(m2, response_layout::sender));

    // Our first transport message (an empty keepalive, counter 0) is what wireguard-go took.
    std::array<uint8_t, 32> ka{};
    store_le32(ka, 0, uint32_t(msg_type::transport));
    store_le32(ka, 4, keys->remote_index);
    crypto::chacha20poly1305_seal(ka.data() + 16, {}, {}, 0, keys->send_key.data());
    const auto expect_ka = from_hex(v::our_keepalive_hex);
    EXPECT_TRUE(std::equal(ka.begin(), ka.end(), expect_ka.begin(), expect_ka.end()));

    // And wireguard-go's keepalive opens with our receive key.
    const auto theirs = from_hex(v::their_keepalive_hex);
    ASSERT_EQ(theirs.size(), 32u);
    EXPECT_EQ(load_le32(theirs, 4), v::local_index);
    uint8_t nothing[1];
    const auto sealed = std::span<const uint8_t>(theirs).subspan(16);
    EXPECT_TRUE(crypto::chacha20poly1305_open(nothing, sealed, {}, 0, keys->recv_key.data()));
    EXPECT_FALSE(crypto::chacha20poly1305_open(nothing, sealed, {}, 0, keys->send_key.data()));
}

TEST(interop, wireguard_go_initiation_decrypts)
{
    const auto msg = from_hex(initiation_hex);
    ASSERT_EQ(msg.size(), initiation_layout::size);
    const crypto::key32 ipub = key(initiator_pub);
    const auto r = inspect_initiation(secret(responder_priv), msg, &ipub);
    ASSERT_EQ(r.status, hs_status::ok) << to_string(r.status);
    EXPECT_EQ(r.contents.initiator_static, ipub);
    EXPECT_EQ(r.contents.sender_index, load_le32(msg, 4));

    // The stamp is TAI64N of the capture time: 2^62 + 10 + unix seconds, big-endian.
    uint64_t secs = 0;
    for (int i = 0; i < 8; ++i) {
        secs = secs << 8 | r.contents.timestamp[i];
    }
    const int64_t unix_secs = int64_t(secs - 0x400000000000000aULL);
    EXPECT_GE(unix_secs, capture_unix_seconds);
    EXPECT_LE(unix_secs, capture_unix_seconds + 2);
    uint32_t frac = 0;
    for (int i = 8; i < 12; ++i) {
        frac = frac << 8 | r.contents.timestamp[i];
    }
    EXPECT_LT(frac, 1'000'000'000u);
    EXPECT_EQ(frac % (1u << 24), 0u) << "wireguard-go whitens to 2^24 ns, as we do";
}

TEST(interop, wireguard_go_initiation_passes_mac1_and_the_full_responder_path)
{
    const auto msg = from_hex(initiation_hex);
    static_identity us{secret(responder_priv)};
    EXPECT_EQ(us.pub, key(responder_pub));
    wire::endpoint src;
    src.family = 4;
    src.port = 40000;
    src.addr[0] = 127;
    src.addr[3] = 1;
    EXPECT_EQ(us.checker.check_macs(msg, src, 1s, false), mac_verdict::ok);
    EXPECT_EQ(us.checker.check_macs(msg, src, 1s, true), mac_verdict::need_cookie);

    auto opened = open_initiation(us, msg);
    ASSERT_TRUE(opened);
    handshake peer{us, key(initiator_pub), secret(psk)};
    ASSERT_EQ(peer.consume_initiation(*opened, 1s), hs_status::ok);
    auto m2 = peer.create_response(77);
    ASSERT_TRUE(m2);
    EXPECT_EQ(load_le32(*m2, response_layout::receiver), load_le32(msg, 4));
    auto keys = peer.derive_keys(1s);
    ASSERT_TRUE(keys);
    EXPECT_FALSE(keys->initiator);
    // The captured bytes again: a replay.
    EXPECT_EQ(peer.consume_initiation(*open_initiation(us, msg), 2s), hs_status::replay);
}

} // namespace
} // namespace edgerelay::cp
