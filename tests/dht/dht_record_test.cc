// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Relay records: strict bencoding, every verifier verdict, agreement with libtorrent's BEP 44
// signer, and a generator of >= 10 000 forged, expired, replayed and oversized records.
#include <gtest/gtest.h>

#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include <libtorrent/kademlia/ed25519.hpp>
#include <libtorrent/kademlia/item.hpp>

#include "common/crypto/ed25519.hh"
#include "controlplane/dht/bencode.hh"
#include "controlplane/dht/relay_record.hh"
#include "controlplane/dht/state_file.hh"
#include "controlplane/dht/verify.hh"

namespace lt = libtorrent;
using namespace edgerelay;
using namespace edgerelay::cp::dht;

namespace {

constexpr uint64_t now = 1'790'000'000;

config::prefix pfx(const char* text)
{
    config::prefix p;
    EXPECT_FALSE(config::parse_prefix(text, p, false).has_value()) << text;
    return p;
}

relay_record sample(const crypto::ed25519_keypair& kp, uint32_t n = 0)
{
    relay_record r;
    r.node_key = kp.public_key;
    for (size_t i = 0; i < 32; ++i) {
        r.wg_key[i] = static_cast<uint8_t>(i + n);
    }
    r.endpoints.push_back(wire::endpoint::ipv4(192, 0, 2, static_cast<uint8_t>(n), 51820));
    wire::endpoint v6;
    v6.family = 6;
    v6.addr[0] = 0x20;
    v6.addr[1] = 0x01;
    v6.addr[15] = 7;
    v6.port = 4500;
    r.endpoints.push_back(v6);
    r.region = "eu-west";
    r.latitude = 48.8566;
    r.longitude = -2.3522;
    r.capacity = 10'000;
    r.load = n;
    r.prefixes = {pfx("10.1.0.0/16"), pfx("fd01::/64")};
    relay_link l;
    l.node_key[0] = 0xaa;
    l.rtt_us = 1234;
    l.loss_permille = 5;
    l.up = true;
    r.links = {l, relay_link{}};
    r.timestamp = now - 10;
    r.expiry = now + 600;
    return r;
}

signed_item sign(const crypto::ed25519_keypair& kp, const std::string& value, int64_t seq,
                 const std::string& salt = "relay")
{
    signed_item it;
    it.key = kp.public_key;
    it.salt = salt;
    it.seq = seq;
    it.value = value;
    std::string buf = signing_buffer(salt, seq, value);
    it.signature = crypto::ed25519_sign(kp, std::span(reinterpret_cast<const uint8_t*>(buf.data()), buf.size()));
    return it;
}

record_verdict check(const signed_item& it, seq_memory& mem) { return verify(it, mem, now).verdict; }

} // namespace

TEST(bencode, canonical_round_trip)
{
    bvalue::dict d;
    d["b"] = bvalue(int64_t{-42});
    d["a"] = bvalue(std::string("xyz\0z", 5));
    d["c"] = bvalue(bvalue::list{bvalue(int64_t{0}), bvalue(std::string())});
    std::string enc = bencode(bvalue(d));
    EXPECT_EQ(enc, std::string("d1:a5:xyz\0z1:bi-42e1:cli0e0:ee", 30));
    auto back = bdecode(enc);
    ASSERT_TRUE(back);
    EXPECT_EQ(bencode(*back), enc);
}

TEST(bencode, refuses_non_canonical_and_broken)
{
    for (const char* bad : {"", "i01e", "i-0e", "ie", "i-e", "i1", "03:abc", "4:abc", "5:abc", "d1:b0:1:a0:e",
                            "d1:a0:1:a0:e", "i1ei2e", "l", "d1:ai1e", "x", "di1ei1ee",
                            "i99999999999999999999e", "-1:a", "llllllllllllllllllllee"}) {
        EXPECT_FALSE(bdecode(bad)) << bad;
    }
    EXPECT_TRUE(bdecode("i-1e"));
    EXPECT_TRUE(bdecode("le"));
}

TEST(relay_record, round_trip)
{
    auto kp = crypto::ed25519_generate();
    relay_record r = sample(kp, 3);
    std::string v = encode_record(r);
    EXPECT_LE(v.size(), max_value_size);
    auto back = decode_record(v);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, r);
    EXPECT_EQ(encode_record(*back), v);
}

TEST(relay_record, unknown_keys_are_ignored)
{
    auto kp = crypto::ed25519_generate();
    std::string v = encode_record(sample(kp));
    auto d = *bdecode(v);
    auto dict = *d.as_dict();
    dict["zz"] = bvalue(std::string("from a later version"));
    auto back = decode_record(bencode(bvalue(dict)));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, sample(kp));
}

TEST(relay_record, strict_decoding)
{
    auto kp = crypto::ed25519_generate();
    auto base = *bdecode(encode_record(sample(kp)));
    auto mutate = [&](const char* key, bvalue v) {
        auto d = *base.as_dict();
        d[key] = std::move(v);
        return bencode(bvalue(d));
    };
    auto drop = [&](const char* key) {
        auto d = *base.as_dict();
        d.erase(key);
        return bencode(bvalue(d));
    };
    std::vector<std::string> bad = {
        mutate("k", bvalue(std::string(31, 'k'))),             // short node key
        mutate("w", bvalue(int64_t{1})),                       // wrong type
        mutate("e", bvalue(bvalue::list{bvalue(std::string(7, 'e'))})), // bad endpoint length
        mutate("e", bvalue(std::string("x"))),                 // not a list
        mutate("p", bvalue(bvalue::list{bvalue(std::string("\x21\1\2\3\4", 5))})), // /33
        mutate("p", bvalue(bvalue::list{bvalue(std::string("\x08\1\2\3\4", 5))})), // host bits
        mutate("m", bvalue(bvalue::list{bvalue(bvalue::list{bvalue(std::string(32, 'n')), bvalue(int64_t{1}),
                                                            bvalue(int64_t{1001}), bvalue(int64_t{1})})})),
        mutate("m", bvalue(bvalue::list{bvalue(bvalue::list{bvalue(std::string(32, 'n'))})})),
        mutate("y", bvalue(int64_t{90'000'001})),              // latitude out of range
        mutate("c", bvalue(int64_t{-1})),
        mutate("l", bvalue(int64_t{1} << 32)),
        mutate("r", bvalue(std::string(65, 'r'))),             // region too long
        mutate("t", bvalue(int64_t{-5})),
        drop("k"), drop("w"), drop("t"), drop("x"),
        encode_record(sample(kp)) + "e",                       // trailing byte
        encode_record(sample(kp)).substr(1),                   // not a dictionary
        "i5e",
        "le",
    };
    std::string almost = encode_record(sample(kp));
    almost.pop_back(); // truncated
    bad.push_back(almost);
    for (size_t i = 0; i < bad.size(); ++i) {
        EXPECT_FALSE(decode_record(bad[i])) << "case " << i;
    }
}

TEST(relay_record, oversized_is_refused)
{
    auto kp = crypto::ed25519_generate();
    relay_record r = sample(kp);
    r.links.assign(30, relay_link{});
    std::string v = encode_record(r);
    ASSERT_GT(v.size(), max_value_size);
    EXPECT_FALSE(decode_record(v));
}

// libtorrent's ref10 signer (with its own secret-key format, expanded from the seed) and
// libsodium agree on the public key, the signing buffer and (Ed25519 is deterministic) the
// signature itself; each accepts the other's.
TEST(verify, agrees_with_libtorrent)
{
    std::array<uint8_t, 32> seed;
    crypto::random_bytes(seed.data(), 32);
    auto kp = crypto::ed25519_from_seed(seed.data());
    std::array<char, 32> lt_seed;
    std::memcpy(lt_seed.data(), seed.data(), 32);
    auto [pk, sk] = lt::dht::ed25519_create_keypair(lt_seed);
    ASSERT_EQ(0, std::memcmp(pk.bytes.data(), kp.public_key.data(), 32));

    std::string v = encode_record(sample(kp));
    auto ours = sign(kp, v, 77);
    lt::dht::signature theirs = lt::dht::sign_mutable_item(v, std::string("relay"), lt::dht::sequence_number(77), pk, sk);
    EXPECT_EQ(0, std::memcmp(theirs.bytes.data(), ours.signature.data(), 64));
    signed_item by_lt = ours;
    std::memcpy(by_lt.signature.data(), theirs.bytes.data(), 64);
    seq_memory fresh;
    EXPECT_EQ(check(by_lt, fresh), record_verdict::accepted);
    by_lt.signature[5] ^= 4;
    EXPECT_EQ(check(by_lt, fresh), record_verdict::bad_signature);
    lt::dht::signature s;
    std::memcpy(s.bytes.data(), ours.signature.data(), 64);
    std::string buf = signing_buffer("relay", 77, v);
    EXPECT_TRUE(lt::dht::ed25519_verify(s, buf, pk));
    seq_memory mem;
    EXPECT_EQ(check(ours, mem), record_verdict::accepted);
}

TEST(verify, every_verdict)
{
    auto kp = crypto::ed25519_generate();
    auto other = crypto::ed25519_generate();
    std::string v = encode_record(sample(kp));
    seq_memory mem;

    auto good = sign(kp, v, 100);
    EXPECT_EQ(check(good, mem), record_verdict::accepted);
    EXPECT_EQ(mem.by_key.at(kp.public_key).seq, 100);
    EXPECT_EQ(check(good, mem), record_verdict::accepted) << "re-reading the same item";

    auto flipped = good;
    flipped.signature[10] ^= 1;
    EXPECT_EQ(check(flipped, mem), record_verdict::bad_signature);

    auto zero = good;
    zero.signature.fill(0);
    EXPECT_EQ(check(zero, mem), record_verdict::unsigned_item);

    EXPECT_EQ(check(sign(kp, v, 101, "other"), mem), record_verdict::wrong_salt);

    // Signed correctly by `other`, stored under `other`, but claiming to be kp's record.
    EXPECT_EQ(check(sign(other, v, 5), mem), record_verdict::wrong_key);

    relay_record r = sample(kp);
    r.expiry = now;
    EXPECT_EQ(check(sign(kp, encode_record(r), 102), mem), record_verdict::expired);
    r = sample(kp);
    r.timestamp = now + max_clock_skew_s + 1;
    EXPECT_EQ(check(sign(kp, encode_record(r), 103), mem), record_verdict::future);
    r.timestamp = now + max_clock_skew_s;
    EXPECT_EQ(check(sign(kp, encode_record(r), 104), mem), record_verdict::accepted) << "within skew";

    EXPECT_EQ(check(good, mem), record_verdict::replayed) << "seq 100 after 104";
    r.load = 9;
    EXPECT_EQ(check(sign(kp, encode_record(r), 104), mem), record_verdict::replayed) << "same seq, other value";

    r = sample(kp);
    r.links.assign(30, relay_link{});
    EXPECT_EQ(check(sign(kp, encode_record(r), 200), mem), record_verdict::oversized);

    EXPECT_EQ(check(sign(kp, "d1:ai1ee", 201), mem), record_verdict::malformed);
    EXPECT_EQ(check(sign(kp, v, -1), mem), record_verdict::malformed);
    EXPECT_EQ(mem.by_key.at(kp.public_key).seq, 104) << "refused items never raise the memory";

    std::set<std::string_view> names;
    for (size_t i = 0; i < static_cast<size_t>(record_verdict::count); ++i) {
        names.insert(verdict_name(static_cast<record_verdict>(i)));
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(record_verdict::count));
    EXPECT_EQ(verdict_name(record_verdict::unsigned_item), "unsigned");
    EXPECT_EQ(verdict_name(record_verdict::accepted), "accepted");
}

// >= 10 000 hostile items of every kind, interleaved with genuine ones: none hostile accepted,
// every genuine one accepted.
TEST(verify, forgery_generator)
{
    std::mt19937_64 rng(12345);
    constexpr int relays = 50;
    std::vector<crypto::ed25519_keypair> keys;
    std::vector<int64_t> seqs(relays, 1000);
    std::vector<signed_item> history; // genuine items, for replays and signature swaps
    for (int i = 0; i < relays; ++i) {
        keys.push_back(crypto::ed25519_generate());
    }
    auto attacker = crypto::ed25519_generate();
    seq_memory mem;
    verdict_counters hostile, genuine;
    size_t hostile_n = 0, genuine_n = 0;
    for (int round = 0; hostile_n < 12'000; ++round) {
        int i = static_cast<int>(rng() % relays);
        relay_record r = sample(keys[i], static_cast<uint32_t>(round));
        seqs[i] += 1 + static_cast<int64_t>(rng() % 3);
        auto g = sign(keys[i], encode_record(r), seqs[i]);
        genuine.add(check(g, mem));
        ++genuine_n;
        history.push_back(g);

        for (int k = 0; k < 4; ++k) {
            signed_item f = g;
            relay_record fr = r;
            switch (rng() % 9) {
            case 0: // signed by the attacker, stored under the victim's key
                f = sign(attacker, encode_record(r), seqs[i] + 1);
                f.key = keys[i].public_key;
                break;
            case 1: // one flipped bit in the value
                f.value[rng() % f.value.size()] ^= static_cast<char>(1u << (rng() % 8));
                break;
            case 2: // one flipped bit in the signature
                f.signature[rng() % 64] ^= static_cast<uint8_t>(1u << (rng() % 8));
                break;
            case 3: // another record's signature
                f.signature = history[rng() % history.size()].signature;
                if (f.signature == g.signature) {
                    f.signature[0] ^= 1;
                }
                break;
            case 4: // higher seq claimed, signature of the lower one
                f.seq = g.seq + 1 + static_cast<int64_t>(rng() % 100);
                break;
            case 5: // genuine but expired
                fr.expiry = now - rng() % 1000;
                f = sign(keys[i], encode_record(fr), seqs[i] + 1);
                break;
            case 6: { // a replay: an older genuine item of the same relay
                signed_item old = g;
                for (auto it = history.rbegin(); it != history.rend(); ++it) {
                    if (it->key == g.key && it->seq < g.seq) {
                        old = *it;
                        break;
                    }
                }
                if (old.seq == g.seq) {
                    old.seq = g.seq - 1; // no older one yet: the lower seq itself breaks the signature
                }
                f = old;
                break;
            }
            case 7: // oversized, genuinely signed
                fr.links.assign(30 + rng() % 10, relay_link{});
                f = sign(keys[i], encode_record(fr), seqs[i] + 1);
                break;
            default: // the attacker's own valid record claiming the victim's node key
                f = sign(attacker, encode_record(r), 5);
                break;
            }
            hostile.add(check(f, mem));
            ++hostile_n;
        }
    }
    EXPECT_GE(hostile_n, 10'000u);
    EXPECT_EQ(hostile[record_verdict::accepted], 0u);
    EXPECT_EQ(hostile.total(), hostile_n);
    EXPECT_EQ(genuine[record_verdict::accepted], genuine_n);
    for (auto v : {record_verdict::bad_signature, record_verdict::expired, record_verdict::replayed,
                   record_verdict::oversized, record_verdict::wrong_key}) {
        EXPECT_GT(hostile[v], 0u) << verdict_name(v);
    }
}

TEST(state_file, atomic_write_mode_0600)
{
    char dir[] = "/tmp/dht_state_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/dht.state";
    EXPECT_FALSE(read_small_file(path));
    EXPECT_EQ(write_file_atomic(path, "first"), "");
    EXPECT_EQ(write_file_atomic(path, std::string("second\0", 7)), "");
    EXPECT_EQ(read_small_file(path), std::string("second\0", 7));
    struct stat s{};
    ASSERT_EQ(stat(path.c_str(), &s), 0);
    EXPECT_EQ(s.st_mode & 0777, 0600u);
    EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);
    EXPECT_NE(write_file_atomic(std::string(dir) + "/missing/dht.state", "x"), "");
    unlink(path.c_str());
    rmdir(dir);
}
