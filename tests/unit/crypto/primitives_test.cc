// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Slow-path primitives (AEAD, X25519, BLAKE2s, HMAC, KDF, Ed25519, base64, secret) against RFC vectors.
#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/aead.hh"
#include "common/crypto/blake2s.hh"
#include "common/crypto/ed25519.hh"
#include "common/crypto/encoding.hh"
#include "common/crypto/secret.hh"
#include "common/crypto/x25519.hh"

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

template <size_t N>
std::array<uint8_t, N> arr(std::string_view s)
{
    auto v = hex(s);
    std::array<uint8_t, N> a{};
    EXPECT_EQ(v.size(), N);
    std::copy_n(v.begin(), std::min(N, v.size()), a.begin());
    return a;
}

template <size_t N>
secret<N> sec(std::string_view s)
{
    secret<N> out;
    out.bytes = arr<N>(s);
    return out;
}

std::vector<uint8_t> iota(size_t n, uint8_t first = 0)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) {
        v[i] = static_cast<uint8_t>(first + i);
    }
    return v;
}

std::vector<uint8_t> text(std::string_view s)
{
    return {s.begin(), s.end()};
}

template <typename C>
std::vector<uint8_t> vec(const C& c)
{
    return {c.begin(), c.end()};
}

constexpr std::string_view sunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";

// ---- ChaCha20-Poly1305 / XChaCha20-Poly1305 ----

TEST(aead, rfc8439_2_8_2)
{
    auto key = iota(32, 0x80);
    auto nonce = hex("070000004041424344454647");
    auto aad = hex("50515253c0c1c2c3c4c5c6c7");
    auto pt = text(sunscreen);
    auto expect = hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282"
                      "fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fa"
                      "b324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
                      "1ae10b594f09e26a7e902ecbd0600691");
    std::vector<uint8_t> sealed(pt.size() + 16);
    chacha20poly1305_ietf_seal(sealed.data(), pt, aad, nonce.data(), key.data());
    EXPECT_EQ(sealed, expect);

    std::vector<uint8_t> opened(pt.size());
    ASSERT_TRUE(chacha20poly1305_ietf_open(opened.data(), sealed, aad, nonce.data(), key.data()));
    EXPECT_EQ(opened, pt);

    auto bad_aad = aad;
    bad_aad[0] ^= 1;
    EXPECT_FALSE(chacha20poly1305_ietf_open(opened.data(), sealed, bad_aad, nonce.data(), key.data()));
}

TEST(aead, wireguard_nonce_is_zero_prefix_and_le64_counter)
{
    // Independent implementation (OpenSSL via pyca/cryptography), nonce 00000000 || LE64(c).
    auto key = iota(32, 0x80);
    auto pt = text(sunscreen);
    auto expect = hex("b8d08ad235a97bbc4dd551cc6b1911b3961e31851245f58e7f581dbe0627e811f7465bd39dd94d5546"
                      "bf48ac1a2dd43cbda6f795d215ec93abb888192adfa41a10ee4bb956f2bbbe7294b33f513dbeeba9"
                      "62d9c2f8cc18c88a9171bebc9ffb116a4383f49408e055ad9ca5fa75dccb65b94f"
                      "d5d23d697079b0de81ed4b7817a92427");
    std::vector<uint8_t> sealed(pt.size() + 16);
    chacha20poly1305_seal(sealed.data(), pt, {}, 0x0102030405060708, key.data());
    EXPECT_EQ(sealed, expect);

    // Same thing through the 12-byte nonce entry point.
    auto nonce = hex("000000000807060504030201");
    std::vector<uint8_t> again(pt.size() + 16);
    chacha20poly1305_ietf_seal(again.data(), pt, {}, nonce.data(), key.data());
    EXPECT_EQ(again, expect);

    std::vector<uint8_t> opened(pt.size());
    ASSERT_TRUE(chacha20poly1305_open(opened.data(), sealed, {}, 0x0102030405060708, key.data()));
    EXPECT_EQ(opened, pt);
    EXPECT_FALSE(chacha20poly1305_open(opened.data(), sealed, {}, 0x0102030405060709, key.data()));
}

TEST(aead, short_input_and_flipped_bits_fail)
{
    auto key = iota(32);
    std::vector<uint8_t> out(64);
    auto fifteen = iota(15);
    EXPECT_FALSE(chacha20poly1305_open(out.data(), fifteen, {}, 0, key.data()));
    uint8_t nonce24[24] = {};
    EXPECT_FALSE(xchacha20poly1305_open(out.data(), fifteen, {}, nonce24, key.data()));

    // An empty message is a bare tag, which opens.
    std::vector<uint8_t> tag(16);
    chacha20poly1305_seal(tag.data(), {}, {}, 7, key.data());
    EXPECT_TRUE(chacha20poly1305_open(out.data(), tag, {}, 7, key.data()));

    auto pt = iota(40);
    std::vector<uint8_t> sealed(pt.size() + 16);
    chacha20poly1305_seal(sealed.data(), pt, {}, 9, key.data());
    for (size_t bit = 0; bit < sealed.size() * 8; bit += 13) {
        auto bad = sealed;
        bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(chacha20poly1305_open(out.data(), bad, {}, 9, key.data())) << bit;
    }
}

TEST(aead, in_place)
{
    auto key = iota(32, 3);
    auto pt = iota(100, 9);
    std::vector<uint8_t> buf(pt.size() + 16);
    std::copy(pt.begin(), pt.end(), buf.begin());
    chacha20poly1305_seal(buf.data(), std::span(buf.data(), pt.size()), {}, 1, key.data());
    std::vector<uint8_t> ref(pt.size() + 16);
    chacha20poly1305_seal(ref.data(), pt, {}, 1, key.data());
    EXPECT_EQ(buf, ref);
    ASSERT_TRUE(chacha20poly1305_open(buf.data(), buf, {}, 1, key.data()));
    EXPECT_TRUE(std::equal(pt.begin(), pt.end(), buf.begin()));
}

TEST(aead, xchacha_draft_irtf_cfrg_xchacha_03_a_3_1)
{
    auto key = iota(32, 0x80);
    auto nonce = iota(24, 0x40);
    auto aad = hex("50515253c0c1c2c3c4c5c6c7");
    auto pt = text(sunscreen);
    auto expect = hex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa644"
                      "0bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb"
                      "9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
                      "c0875924c1c7987947deafd8780acf49");
    std::vector<uint8_t> sealed(pt.size() + 16);
    xchacha20poly1305_seal(sealed.data(), pt, aad, nonce.data(), key.data());
    EXPECT_EQ(sealed, expect);

    std::vector<uint8_t> opened(pt.size());
    ASSERT_TRUE(xchacha20poly1305_open(opened.data(), sealed, aad, nonce.data(), key.data()));
    EXPECT_EQ(opened, pt);
    sealed.back() ^= 0x01;
    EXPECT_FALSE(xchacha20poly1305_open(opened.data(), sealed, aad, nonce.data(), key.data()));
}

// ---- X25519 ----

TEST(x25519, rfc7748_5_2)
{
    secret32 out;
    ASSERT_TRUE(x25519(out, sec<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                       arr<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")));
    EXPECT_EQ(vec(out.bytes), hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));

    ASSERT_TRUE(x25519(out, sec<32>("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                       arr<32>("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")));
    EXPECT_EQ(vec(out.bytes), hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
}

TEST(x25519, rfc7748_6_1)
{
    auto alice = sec<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    auto bob = sec<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    auto alice_pub = x25519_public(alice);
    auto bob_pub = x25519_public(bob);
    EXPECT_EQ(vec(alice_pub), hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    EXPECT_EQ(vec(bob_pub), hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    secret32 k1;
    secret32 k2;
    ASSERT_TRUE(x25519(k1, alice, bob_pub));
    ASSERT_TRUE(x25519(k2, bob, alice_pub));
    auto shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    EXPECT_EQ(vec(k1.bytes), shared);
    EXPECT_EQ(vec(k2.bytes), shared);
}

TEST(x25519, generated_keys_are_clamped_and_agree)
{
    for (int i = 0; i < 16; ++i) {
        auto a = x25519_generate();
        auto b = x25519_generate();
        EXPECT_EQ(a.bytes[0] & 7, 0);
        EXPECT_EQ(a.bytes[31] & 0x80, 0);
        EXPECT_EQ(a.bytes[31] & 0x40, 0x40);
        EXPECT_NE(vec(a.bytes), vec(b.bytes));
        secret32 ab;
        secret32 ba;
        ASSERT_TRUE(x25519(ab, a, x25519_public(b)));
        ASSERT_TRUE(x25519(ba, b, x25519_public(a)));
        EXPECT_EQ(vec(ab.bytes), vec(ba.bytes));
    }
}

TEST(x25519, low_order_point_is_refused)
{
    auto priv = x25519_generate();
    secret32 out;
    out.bytes.fill(0xaa);
    key32 zero{};  // u = 0 has order 1: the shared secret would be all zeros
    EXPECT_FALSE(x25519(out, priv, zero));
    EXPECT_EQ(vec(out.bytes), std::vector<uint8_t>(32, 0));
    key32 one{};
    one[0] = 1;  // u = 1 has order 4
    EXPECT_FALSE(x25519(out, priv, one));
}

// ---- BLAKE2s ----

TEST(blake2s, rfc7693_appendix_b_abc)
{
    auto abc = text("abc");
    EXPECT_EQ(vec(blake2s({abc})),
              hex("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"));
    // The parts are concatenated.
    auto a = text("a");
    auto bc = text("bc");
    EXPECT_EQ(vec(blake2s({a, {}, bc})), vec(blake2s({abc})));
    EXPECT_EQ(vec(blake2s({})), hex("69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9"));
}

TEST(blake2s, keyed_kat)
{
    // blake2s-kat.txt (keyed): key = 00..1f, in = 00..(n-1).
    const std::pair<size_t, std::string_view> kat[] = {
        {0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49"},
        {1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1"},
        {2, "6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803"},
        {3, "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b"},
        {4, "f6c3fbadb4cc687a0064a5be6e791bec63b868ad62fba61b3757ef9ca52e05b2"},
        {5, "49c1f21188dfd769aea0e911dd6b41f14dab109d2b85977aa3088b5c707e8598"},
        {6, "fdd8993dcd43f696d44f3cea0ff35345234ec8ee083eb3cada017c7f78c17143"},
        {7, "e6c8125637438d0905b749f46560ac89fd471cf8692e28fab982f73f019b83a9"},
        {64, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4"},
    };
    auto key = iota(32);
    for (const auto& [n, expect] : kat) {
        auto in = iota(n);
        std::vector<uint8_t> out(32);
        blake2s_keyed(out.data(), out.size(), key, in);
        EXPECT_EQ(out, hex(expect)) << "n=" << n;
    }
}

TEST(blake2s, mac16_is_keyed_blake2s_with_16_byte_output)
{
    // 16-byte digests are a different parameter block, not a truncation; values from Python's
    // hashlib.blake2s(digest_size=16, key=00..1f).
    auto key = iota(32);
    uint8_t out[16];
    blake2s_mac16(out, key, {});
    EXPECT_EQ(std::vector<uint8_t>(out, out + 16), hex("9536f9b267655743dee97b8a670f9f53"));
    blake2s_mac16(out, key, text("abc"));
    EXPECT_EQ(std::vector<uint8_t>(out, out + 16), hex("61ba5f165c194692e09d12520cc4c74a"));
    std::vector<uint8_t> full(32);
    blake2s_keyed(full.data(), 32, key, text("abc"));
    EXPECT_NE(std::vector<uint8_t>(full.begin(), full.begin() + 16), std::vector<uint8_t>(out, out + 16));
}

TEST(blake2s, wireguard_construction_and_identifier)
{
    // Whitepaper §5.4: Ci = HASH(CONSTRUCTION), Hi = HASH(Ci || IDENTIFIER).
    auto ck = blake2s({text("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")});
    EXPECT_EQ(vec(ck), hex("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36"));
    auto h = blake2s({ck, text("WireGuard v1 zx2c4 Jason@zx2c4.com")});
    EXPECT_EQ(vec(h), hex("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3"));
}

// Textbook RFC 2104 HMAC over the BLAKE2s-256 under test, block size 64.
key32 model_hmac(std::vector<uint8_t> key, const std::vector<uint8_t>& msg)
{
    if (key.size() > 64) {
        key = vec(blake2s({key}));
    }
    key.resize(64, 0);
    std::vector<uint8_t> ipad(64);
    std::vector<uint8_t> opad(64);
    for (size_t i = 0; i < 64; ++i) {
        ipad[i] = key[i] ^ 0x36;
        opad[i] = key[i] ^ 0x5c;
    }
    auto inner = blake2s({ipad, msg});
    return blake2s({opad, inner});
}

TEST(blake2s, hmac_matches_textbook_hmac)
{
    std::mt19937 rng(7);
    for (size_t key_len : {1, 16, 32, 63, 64, 65, 100}) {
        for (size_t msg_len : {0, 1, 33, 64, 65, 200}) {
            std::vector<uint8_t> key(key_len);
            std::vector<uint8_t> msg(msg_len);
            for (auto& b : key) {
                b = static_cast<uint8_t>(rng());
            }
            for (auto& b : msg) {
                b = static_cast<uint8_t>(rng());
            }
            EXPECT_EQ(vec(hmac_blake2s(key, msg)), vec(model_hmac(key, msg)))
                << "key " << key_len << " msg " << msg_len;
        }
    }
    // Fixed values from Python's hmac.new(key, msg, hashlib.blake2s).
    EXPECT_EQ(vec(hmac_blake2s(iota(32), text("abc"))),
              hex("82623be5bc0a391b24dce53e67d028eff92d586de0485ac37822e597d049c74f"));
    EXPECT_EQ(vec(hmac_blake2s(iota(65), text("abc"))),
              hex("44d87b3939dec16bc76cbd83e3982ac0a4eafab8a5b87c8c2adbd0da7d5c9695"));
}

TEST(blake2s, kdf_chains_hmac)
{
    auto key = iota(32);
    auto input = text("input");
    secret32 t1;
    secret32 t2;
    secret32 t3;
    kdf(&t1, &t2, &t3, key, input);
    // Python: t0 = HMAC(key, input); t1 = HMAC(t0, 1); t2 = HMAC(t0, t1 || 2); t3 = HMAC(t0, t2 || 3).
    EXPECT_EQ(vec(t1.bytes), hex("87b7f70b24183c6db5dc4f6d9f4c47cdb203321aa2a0bef714896adb3107a040"));
    EXPECT_EQ(vec(t2.bytes), hex("538a02e1eb2e31b7e4d4b82476d1fe2acf50085d3fb584537279195f5d1f5824"));
    EXPECT_EQ(vec(t3.bytes), hex("9ad858025593be88de0f9442a589cfe84a88dc19e4753d93684d1c5efc4837f9"));

    // Against the textbook HMAC model too.
    auto t0 = model_hmac(key, input);
    std::vector<uint8_t> t0v = vec(t0);
    EXPECT_EQ(vec(t1.bytes), vec(model_hmac(t0v, {0x1})));
    auto t1x = vec(t1.bytes);
    t1x.push_back(0x2);
    EXPECT_EQ(vec(t2.bytes), vec(model_hmac(t0v, t1x)));

    // Fewer outputs give the same leading values.
    secret32 only1;
    kdf(&only1, nullptr, nullptr, key, input);
    EXPECT_EQ(vec(only1.bytes), vec(t1.bytes));

    // In place, as the handshake does it: ck, k = KDF2(ck, x).
    secret32 ck;
    ck.bytes = arr<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    secret32 k;
    kdf(&ck, &k, nullptr, std::span(ck.data(), 32), input);
    EXPECT_EQ(vec(ck.bytes), vec(t1.bytes));
    EXPECT_EQ(vec(k.bytes), vec(t2.bytes));
}

// ---- Ed25519 ----

TEST(ed25519, rfc8032_test_1)
{
    auto seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    auto kp = ed25519_from_seed(seed.data());
    EXPECT_EQ(vec(kp.public_key), hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    auto sig = ed25519_sign(kp, {});
    auto expect = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
                      "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    EXPECT_EQ(vec(sig), expect);
    EXPECT_TRUE(ed25519_verify(kp.public_key.data(), {}, sig.data()));
    sig[10] ^= 0x04;
    EXPECT_FALSE(ed25519_verify(kp.public_key.data(), {}, sig.data()));
}

TEST(ed25519, generated_key_signs_and_rejects_other_messages)
{
    auto kp = ed25519_generate();
    auto msg = text("relay record");
    auto sig = ed25519_sign(kp, msg);
    EXPECT_TRUE(ed25519_verify(kp.public_key.data(), msg, sig.data()));
    msg[0] ^= 1;
    EXPECT_FALSE(ed25519_verify(kp.public_key.data(), msg, sig.data()));
    auto other = ed25519_generate();
    msg[0] ^= 1;
    EXPECT_FALSE(ed25519_verify(other.public_key.data(), msg, sig.data()));
}

// ---- base64 ----

TEST(encoding, known_key_and_round_trip)
{
    auto k = iota(32);
    EXPECT_EQ(key_to_base64(k.data()), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    auto back = key_from_base64(" \tAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(vec(*back), k);

    std::mt19937 rng(3);
    for (int i = 0; i < 200; ++i) {
        std::array<uint8_t, 32> key{};
        for (auto& b : key) {
            b = static_cast<uint8_t>(rng());
        }
        auto s = key_to_base64(key.data());
        ASSERT_EQ(s.size(), 44u);
        auto parsed = key_from_base64(s);
        ASSERT_TRUE(parsed.has_value()) << s;
        EXPECT_EQ(*parsed, key);
    }
}

TEST(encoding, rejects_bad_input)
{
    const std::string good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    ASSERT_TRUE(key_from_base64(good).has_value());
    EXPECT_FALSE(key_from_base64(good.substr(0, 43)).has_value());          // 43: padding missing
    EXPECT_FALSE(key_from_base64(good + "=").has_value());                  // 45
    EXPECT_FALSE(key_from_base64(good + "A").has_value());                  // 45
    EXPECT_FALSE(key_from_base64("").has_value());
    std::string bad = good;
    bad[5] = '*';
    EXPECT_FALSE(key_from_base64(bad).has_value());                         // bad alphabet
    bad = good;
    bad[5] = '-';
    EXPECT_FALSE(key_from_base64(bad).has_value());                         // URL-safe alphabet
    bad = good;
    bad[20] = ' ';
    EXPECT_FALSE(key_from_base64(bad).has_value());                         // inner space
    // 44 characters that decode to 33 bytes (no padding).
    EXPECT_FALSE(key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").has_value());
    // 44 characters that decode to 31 bytes.
    EXPECT_FALSE(key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==").has_value());
    // Non-canonical: the last data character carries non-zero padding bits ('8' -> '9').
    bad = good;
    bad[42] = '9';
    EXPECT_FALSE(key_from_base64(bad).has_value());
}

// ---- secret ----

TEST(secret, wiped_on_destruction)
{
    alignas(secret32) unsigned char storage[sizeof(secret32)];
    auto* s = new (storage) secret32;
    s->bytes.fill(0xa5);
    ASSERT_EQ(storage[0], 0xa5);
    s->~secret32();
    for (unsigned char b : storage) {
        EXPECT_EQ(b, 0);
    }
}

TEST(secret, wiped_when_moved_from)
{
    secret<64> a;
    a.bytes.fill(0x5a);
    secret<64> b(std::move(a));
    EXPECT_EQ(b.bytes[63], 0x5a);
    EXPECT_EQ(vec(a.bytes), std::vector<uint8_t>(64, 0));  // NOLINT(bugprone-use-after-move)
    secret<64> c;
    c = std::move(b);
    EXPECT_EQ(c.bytes[0], 0x5a);
    EXPECT_EQ(vec(b.bytes), std::vector<uint8_t>(64, 0));  // NOLINT(bugprone-use-after-move)
}

TEST(secret, helpers)
{
    uint8_t a[24];
    uint8_t b[24];
    std::memset(a, 1, sizeof(a));
    std::memcpy(b, a, sizeof(a));
    EXPECT_TRUE(equal_ct(a, b, sizeof(a)));
    b[23] ^= 1;
    EXPECT_FALSE(equal_ct(a, b, sizeof(a)));
    wipe(a, sizeof(a));
    EXPECT_EQ(std::count(a, a + sizeof(a), 0), 24);

    uint8_t r1[32] = {};
    uint8_t r2[32] = {};
    random_bytes(r1, sizeof(r1));
    random_bytes(r2, sizeof(r2));
    EXPECT_NE(std::memcmp(r1, r2, sizeof(r1)), 0);
}

} // namespace
} // namespace edgerelay::crypto
