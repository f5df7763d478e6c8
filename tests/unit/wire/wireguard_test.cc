// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// WireGuard message sizes, field layout, classification and padding rules.
#include <cstddef>
#include <vector>

#include <gtest/gtest.h>

#include "common/wire/wireguard.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

TEST(wireguard, sizes_and_offsets_from_the_whitepaper)
{
    EXPECT_EQ(sizeof(message_initiation), 148u);
    EXPECT_EQ(sizeof(message_response), 92u);
    EXPECT_EQ(sizeof(message_cookie_reply), 64u);
    EXPECT_EQ(sizeof(message_transport), 16u);
    EXPECT_EQ(wg_transport_min_len, 32u);
    // §5.4.2 / §5.4.3: mac1 covers everything up to itself; mac2 is the last 16 bytes.
    EXPECT_EQ(wg_initiation_mac1_offset, 116u);
    EXPECT_EQ(wg_response_mac1_offset, 60u);
    EXPECT_EQ(offsetof(message_initiation, unencrypted_ephemeral), 8u);
    EXPECT_EQ(offsetof(message_initiation, encrypted_static), 40u);
    EXPECT_EQ(offsetof(message_initiation, encrypted_timestamp), 88u);
    EXPECT_EQ(offsetof(message_response, unencrypted_ephemeral), 12u);
    EXPECT_EQ(offsetof(message_cookie_reply, nonce), 8u);
    EXPECT_EQ(offsetof(message_cookie_reply, encrypted_cookie), 32u);
}

TEST(wireguard, little_endian_fields)
{
    std::vector<uint8_t> m(16);
    write_transport_header(m.data(), 0xa1b2c3d4, 0x0102030405060708ull);
    const std::vector<uint8_t> want = {4, 0, 0, 0, 0xd4, 0xc3, 0xb2, 0xa1, 8, 7, 6, 5, 4, 3, 2, 1};
    EXPECT_EQ(m, want);
    EXPECT_EQ(transport_receiver_index(m.data()), 0xa1b2c3d4u);
    EXPECT_EQ(transport_counter(m.data()), 0x0102030405060708ull);
    const auto* t = reinterpret_cast<const message_transport*>(m.data());
    EXPECT_EQ(t->receiver_index(), 0xa1b2c3d4u);
    EXPECT_EQ(t->counter(), 0x0102030405060708ull);

    message_response r{};
    r.set_sender_index(0x01020304);
    r.set_receiver_index(0xdeadbeef);
    EXPECT_EQ(r.sender_index_le[0], 0x04);
    EXPECT_EQ(r.receiver_index_le[3], 0xde);
    EXPECT_EQ(r.sender_index(), 0x01020304u);
    EXPECT_EQ(r.receiver_index(), 0xdeadbeefu);

    message_initiation i{};
    i.set_sender_index(7);
    EXPECT_EQ(i.sender_index(), 7u);
    message_cookie_reply c{};
    c.set_receiver_index(9);
    EXPECT_EQ(c.receiver_index(), 9u);
}

// Reference model of classify_wg, written straight from the protocol description.
verdict model_classify(const std::vector<uint8_t>& m, bool strict)
{
    if (m.size() < 4) {
        return verdict::wg_truncated;
    }
    if (m[0] < 1 || m[0] > 4) {
        return verdict::wg_unknown_type;
    }
    if (m[1] || m[2] || m[3]) {
        return verdict::wg_reserved_nonzero;
    }
    static const size_t exact[] = {0, 148, 92, 64};
    if (m[0] < 4) {
        return m.size() == exact[m[0]] ? verdict::ok : verdict::wg_bad_size;
    }
    if (m.size() < 32) {
        return verdict::wg_transport_truncated;
    }
    return strict && (m.size() - 32) % 16 ? verdict::wg_transport_bad_padding : verdict::ok;
}

TEST(wireguard, classify_matches_model_for_every_size_and_type)
{
    for (int type = 0; type <= 6; ++type) {
        for (size_t n = 0; n <= 300; ++n) {
            for (bool strict : {false, true}) {
                for (uint8_t reserved : {0, 1}) {
                    std::vector<uint8_t> m(n, 0);
                    if (n > 0) {
                        m[0] = static_cast<uint8_t>(type);
                    }
                    if (n > 2) {
                        m[2] = reserved;
                    }
                    uint8_t got_type = 0xee;
                    verdict v = classify_wg(m, got_type, strict);
                    ASSERT_EQ(v, model_classify(m, strict))
                        << "type " << type << " size " << n << " strict " << strict;
                    if (n > 0) {
                        EXPECT_EQ(got_type, type);
                    }
                }
            }
        }
    }
}

TEST(wireguard, keepalive_and_padding)
{
    uint8_t type;
    auto keepalive = test::wg_message(message_type_transport, 0);
    EXPECT_EQ(keepalive.size(), 32u);
    EXPECT_EQ(classify_wg(keepalive, type, true), verdict::ok);
    EXPECT_EQ(transport_plaintext_len(keepalive.size()), 0u);

    EXPECT_EQ(transport_padded_len(0), 0u);
    EXPECT_EQ(transport_padded_len(1), 16u);
    EXPECT_EQ(transport_padded_len(16), 16u);
    EXPECT_EQ(transport_padded_len(17), 32u);
    EXPECT_EQ(transport_message_len(1), 48u);
    EXPECT_EQ(transport_message_len(1420), 16u + 1424u + 16u);

    // MTU-capped padding, as Linux and wireguard-go do it: default MTU 1420 is not a multiple
    // of 16, so a full-size packet is padded to 1420, not 1424.
    EXPECT_EQ(transport_padded_len(1409, 1420), 1420u);
    EXPECT_EQ(transport_padded_len(1420, 1420), 1420u);
    EXPECT_EQ(transport_padded_len(1400, 1420), 1408u);
    EXPECT_EQ(transport_padded_len(100, 0), 112u);
    EXPECT_EQ(transport_padded_len(0, 1420), 0u);
    // Longer than the MTU (GSO): the last MTU-sized unit is what gets padded.
    EXPECT_EQ(transport_padded_len(1420 + 5, 1420), 1420u + 16u);
    // Brute-force check against the definition: the smallest padded length that is a
    // multiple of 16 or the MTU, never shorter than the plaintext.
    for (size_t mtu : {1280, 1420, 1500}) {
        for (size_t len = 0; len <= mtu; ++len) {
            size_t want = len;
            while (want % 16 != 0 && want != mtu) {
                ++want;
            }
            ASSERT_EQ(transport_padded_len(len, mtu), want) << len << " " << mtu;
        }
    }

    // Such a message is accepted by default and refused only in strict mode.
    std::vector<uint8_t> full(16 + 1420 + 16, 0);
    write_transport_header(full.data(), 1, 2);
    EXPECT_EQ(classify_wg(full, type), verdict::ok);
    EXPECT_EQ(classify_wg(full, type, true), verdict::wg_transport_bad_padding);
}

} // namespace
} // namespace edgerelay::wire
