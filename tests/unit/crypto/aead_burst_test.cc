// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The ipsec-mb burst AEAD against fixed vectors and, differentially, against libsodium.
#include "common/crypto/aead_burst.hh"

#include <array>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <sodium.h>

#include "common/crypto/aead.hh"
#include "common/crypto/secret.hh"

namespace edgerelay::crypto {
namespace {

std::vector<uint8_t> hex(std::string_view s)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

std::array<uint8_t, 32> key_80_9f()
{
    std::array<uint8_t, 32> k{};
    for (int i = 0; i < 32; ++i) {
        k[i] = static_cast<uint8_t>(0x80 + i);
    }
    return k;
}

constexpr std::string_view sunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";

// Expected values computed with an independent implementation (OpenSSL's ChaCha20-Poly1305,
// through pyca/cryptography) with nonce 00000000 || LE64(counter) and no AAD.
constexpr std::string_view kat_ct =
    "b8d08ad235a97bbc4dd551cc6b1911b3961e31851245f58e7f581dbe0627e811f7465bd39dd94d5546bf48ac"
    "1a2dd43cbda6f795d215ec93abb888192adfa41a10ee4bb956f2bbbe7294b33f513dbeeba962d9c2f8cc18c8"
    "8a9171bebc9ffb116a4383f49408e055ad9ca5fa75dccb65b94f";
constexpr std::string_view kat_tag = "d5d23d697079b0de81ed4b7817a92427";
constexpr uint64_t kat_counter = 0x0102030405060708;
constexpr std::string_view keepalive_tag_ctr0 = "3ae5d3f2a376d317eaea5aef0215ba54";
constexpr std::string_view keepalive_tag_ctrmax = "caa666b0e22456ddb4c58421f60ffc80";

TEST(aead_burst, reports_an_arch)
{
    aead_burst_engine eng;
    std::string arch = eng.arch();
    RecordProperty("ipsec_mb_arch", arch);
    std::printf("ipsec-mb code path: %s\n", arch.c_str());
    EXPECT_TRUE(arch == "avx512" || arch == "avx2" || arch == "avx" || arch == "sse") << arch;
}

TEST(aead_burst, known_answer_seal_and_open)
{
    aead_burst_engine eng;
    auto key = key_80_9f();
    std::vector<uint8_t> pt(sunscreen.begin(), sunscreen.end());
    std::vector<uint8_t> ct(pt.size());
    uint8_t tag[16];
    aead_op op{key.data(), kat_counter, pt.data(), ct.data(), uint32_t(pt.size()), tag};
    eng.seal(std::span(&op, 1));
    ASSERT_TRUE(op.ok);
    EXPECT_EQ(ct, hex(kat_ct));
    EXPECT_EQ(std::vector<uint8_t>(tag, tag + 16), hex(kat_tag));

    // Open in place.
    aead_op back{key.data(), kat_counter, ct.data(), ct.data(), uint32_t(ct.size()), tag};
    eng.open(std::span(&back, 1));
    ASSERT_TRUE(back.ok);
    EXPECT_EQ(ct, pt);
}

TEST(aead_burst, keepalive_is_a_tag_only)
{
    aead_burst_engine eng;
    auto key = key_80_9f();
    uint8_t tag0[16] = {};
    uint8_t tagmax[16] = {};
    // Null buffers are allowed for a zero-length message.
    std::array<aead_op, 2> ops{{
        {key.data(), 0, nullptr, nullptr, 0, tag0},
        {key.data(), UINT64_MAX, nullptr, nullptr, 0, tagmax},
    }};
    eng.seal(ops);
    ASSERT_TRUE(ops[0].ok);
    ASSERT_TRUE(ops[1].ok);
    EXPECT_EQ(std::vector<uint8_t>(tag0, tag0 + 16), hex(keepalive_tag_ctr0));
    EXPECT_EQ(std::vector<uint8_t>(tagmax, tagmax + 16), hex(keepalive_tag_ctrmax));

    eng.open(ops);
    EXPECT_TRUE(ops[0].ok);
    EXPECT_TRUE(ops[1].ok);
    tagmax[15] ^= 0x80;
    eng.open(ops);
    EXPECT_TRUE(ops[0].ok);
    EXPECT_FALSE(ops[1].ok);
}

TEST(aead_burst, invalid_op_is_refused_not_submitted)
{
    aead_burst_engine eng;
    auto key = key_80_9f();
    uint8_t buf[32] = {};
    uint8_t tag[16] = {};
    std::array<aead_op, 3> ops{{
        {nullptr, 1, buf, buf, sizeof(buf), tag},      // no key
        {key.data(), 1, nullptr, buf, sizeof(buf), tag}, // no source for a non-empty message
        {key.data(), 1, buf, buf, sizeof(buf), tag},   // fine
    }};
    eng.seal(ops);
    EXPECT_FALSE(ops[0].ok);
    EXPECT_FALSE(ops[1].ok);
    EXPECT_TRUE(ops[2].ok);
}

// One randomly built packet with its libsodium reference.
struct sample {
    std::array<uint8_t, 32> key{};
    uint64_t counter = 0;
    std::vector<uint8_t> plain;
    std::vector<uint8_t> ref;  // libsodium: ciphertext || tag
    std::vector<uint8_t> in;   // engine input
    std::vector<uint8_t> out;  // engine output when not in place
    std::array<uint8_t, 16> tag{};
    bool in_place = false;
    bool tampered = false;
};

TEST(aead_burst, differential_against_libsodium)
{
    ASSERT_GE(sodium_init(), 0);
    aead_burst_engine eng;
    std::mt19937_64 rng(20260123);
    auto pick = [&](uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };

    // A few keys shared between packets (as peers' keypairs are) and some unique ones.
    std::vector<std::array<uint8_t, 32>> keys(8);
    for (auto& k : keys) {
        randombytes_buf(k.data(), k.size());
    }

    size_t total = 0;
    size_t rejected = 0;
    while (total < 12000) {
        // Mostly 1..64, sometimes longer spans to exercise the chunking.
        size_t burst = pick(0, 9) == 0 ? pick(65, 200) : pick(1, 64);
        std::vector<sample> s(burst);
        std::vector<aead_op> ops(burst);
        for (size_t i = 0; i < burst; ++i) {
            auto& x = s[i];
            if (pick(0, 1) == 0) {
                x.key = keys[pick(0, keys.size() - 1)];
            } else {
                randombytes_buf(x.key.data(), x.key.size());
            }
            x.counter = pick(0, 3) == 0 ? pick(0, 3) : rng();
            size_t len = pick(0, 7) == 0 ? pick(0, 16) : pick(0, 1500);
            x.plain.resize(len);
            random_bytes(x.plain.data(), len);
            x.in = x.plain;
            x.out.assign(len, 0xee);
            x.in_place = pick(0, 1) == 0;

            uint8_t nonce[12] = {};
            for (int b = 0; b < 8; ++b) {
                nonce[4 + b] = static_cast<uint8_t>(x.counter >> (8 * b));
            }
            x.ref.resize(len + 16);
            unsigned long long clen = 0;
            crypto_aead_chacha20poly1305_ietf_encrypt(x.ref.data(), &clen, x.plain.data(), len,
                                                      nullptr, 0, nullptr, nonce, x.key.data());
            ASSERT_EQ(clen, len + 16);

            ops[i] = {x.key.data(), x.counter, x.in.data(), x.in_place ? x.in.data() : x.out.data(),
                      uint32_t(len), x.tag.data()};
        }

        eng.seal(ops);
        for (size_t i = 0; i < burst; ++i) {
            auto& x = s[i];
            ASSERT_TRUE(ops[i].ok) << "seal op " << i;
            const auto& got = x.in_place ? x.in : x.out;
            ASSERT_TRUE(std::equal(got.begin(), got.end(), x.ref.begin())) << "ciphertext " << i;
            ASSERT_TRUE(std::equal(x.tag.begin(), x.tag.end(), x.ref.end() - 16)) << "tag " << i;
            if (!x.in_place) {
                ASSERT_EQ(x.in, x.plain) << "out-of-place seal modified its input";
            }
        }

        // Open what libsodium sealed: fresh buffers, a new in/out choice, and a bit flipped in
        // the ciphertext or the tag of about one packet in five.
        for (size_t i = 0; i < burst; ++i) {
            auto& x = s[i];
            size_t len = x.plain.size();
            x.in.assign(x.ref.begin(), x.ref.begin() + len);
            std::copy(x.ref.end() - 16, x.ref.end(), x.tag.begin());
            x.out.assign(len, 0xee);
            x.in_place = pick(0, 1) == 0;
            x.tampered = pick(0, 4) == 0;
            if (x.tampered) {
                size_t bit = pick(0, (len + 16) * 8 - 1);
                uint8_t* byte = bit / 8 < len ? &x.in[bit / 8] : &x.tag[bit / 8 - len];
                *byte ^= static_cast<uint8_t>(1u << (bit % 8));
            }
            ops[i] = {x.key.data(), x.counter, x.in.data(), x.in_place ? x.in.data() : x.out.data(),
                      uint32_t(len), x.tag.data()};
        }
        eng.open(ops);
        for (size_t i = 0; i < burst; ++i) {
            auto& x = s[i];
            if (x.tampered) {
                ASSERT_FALSE(ops[i].ok) << "tampered op " << i << " len " << x.plain.size();
                ++rejected;
                continue;
            }
            ASSERT_TRUE(ops[i].ok) << "open op " << i << " len " << x.plain.size();
            const auto& got = x.in_place ? x.in : x.out;
            ASSERT_EQ(got, x.plain) << "plaintext " << i;
        }
        total += burst;
    }
    EXPECT_GT(rejected, total / 10);  // the tampering really happened
}

TEST(aead_burst, agrees_with_the_single_message_wrapper)
{
    // The control plane seals handshake-time payloads with chacha20poly1305_seal(); the data
    // plane must open them with the engine (same key, counter, no AAD).
    aead_burst_engine eng;
    auto key = key_80_9f();
    std::vector<uint8_t> pt(sunscreen.begin(), sunscreen.end());
    std::vector<uint8_t> sealed(pt.size() + 16);
    chacha20poly1305_seal(sealed.data(), pt, {}, 42, key.data());
    aead_op op{key.data(), 42, sealed.data(), sealed.data(), uint32_t(pt.size()),
               sealed.data() + pt.size()};
    eng.open(std::span(&op, 1));
    ASSERT_TRUE(op.ok);
    EXPECT_TRUE(std::equal(pt.begin(), pt.end(), sealed.begin()));
}

} // namespace
} // namespace edgerelay::crypto
