// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The handshake against bytes captured from a real wireguard-go (Debian's v0.0.20220316).
//
// How the initiation vector was captured (as root, inside `unshare --net`): keys from
// `wg genkey`/`wg genpsk`; `wireguard-go -f wg0`; `wg set wg0 private-key <initiator>
// listen-port 40000 peer <responder pub> preshared-key <psk> endpoint 127.0.0.1:51999
// allowed-ips 10.9.0.2/32`; addresses up; a UDP socket on 127.0.0.1:51999 read the datagram
// that `ping 10.9.0.2` triggered. The wall clock read 1795444095.97 s just before the ping.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

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
