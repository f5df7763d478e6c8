// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for relay records read from the DHT: the bencode reader, the record decoder
// and the verifier (controlplane/dht/{bencode,relay_record,verify}.hh). None of them needs
// libtorrent, so the DHT node itself is left out.
//
// Contracts checked on every input:
// - bdecode() is strict: what it accepts is canonical, so bencode() gives back the same bytes.
// - decode_record() of the whole input: what it accepts re-encodes to a value that decodes to
//   an equal record (if that value still fits BEP 44's 1000 bytes), and encoding is then a fixed
//   point.
// - verify() on an item cut from the input (key, signature, seq, salt, value) is "accepted" only
//   when the Ed25519 signature really is valid; random bytes are never accepted.
// - The same value signed with a fixed test key, under the record's own key and within its
//   lifetime, is accepted; a flipped signature bit, another salt, or an older seq is not.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/crypto/ed25519.hh"
#include "controlplane/dht/bencode.hh"
#include "controlplane/dht/relay_record.hh"
#include "controlplane/dht/verify.hh"

namespace {

using namespace edgerelay::cp::dht;
namespace crypto = edgerelay::crypto;

void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_dht_record: contract broken: %s\n", what);
        std::abort();
    }
}

std::span<const uint8_t> bytes_of(const std::string& s)
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool signature_valid(const signed_item& item)
{
    std::string buf = signing_buffer(item.salt, item.seq, item.value);
    return crypto::ed25519_verify(item.key.data(), bytes_of(buf), item.signature.data());
}

const crypto::ed25519_keypair& test_key()
{
    static const crypto::ed25519_keypair kp = [] {
        uint8_t seed[32];
        for (size_t i = 0; i < sizeof seed; ++i) {
            seed[i] = static_cast<uint8_t>(0x42 + i);
        }
        return crypto::ed25519_from_seed(seed);
    }();
    return kp;
}

void check_bencode(std::string_view in)
{
    auto v = bdecode(in);
    if (v) {
        require(bencode(*v) == in, "bencode(bdecode(x)) == x (the reader is canonical-only)");
    }
}

void check_round_trip(const relay_record& r)
{
    std::string value = encode_record(r);
    if (value.size() > max_value_size) {
        // Absent optional fields come back as explicit zeros, so re-encoding can grow a value
        // past the limit the decoder enforces: nothing more to compare.
        require(!decode_record(value), "decode_record refuses values over max_value_size");
        return;
    }
    auto again = decode_record(value);
    require(again.has_value(), "encode_record output decodes");
    require(*again == r, "decode_record(encode_record(r)) == r");
    require(encode_record(*again) == value, "encode_record is a fixed point");
}

// The input read as a BEP 44 item: key[32] signature[64] seq[8] salt-selector[1] value[...].
void check_random_item(std::string_view in)
{
    signed_item item;
    auto take = [&](void* out, size_t n) {
        size_t k = std::min(n, in.size());
        std::memcpy(out, in.data(), k);
        in.remove_prefix(k);
    };
    take(item.key.data(), item.key.size());
    take(item.signature.data(), item.signature.size());
    uint64_t seq = 0;
    take(&seq, sizeof seq);
    uint8_t salt = 0;
    take(&salt, 1);
    item.seq = static_cast<int64_t>(seq);
    item.salt = (salt & 1) != 0 ? std::string(record_salt) : std::string(in.substr(0, salt >> 4));
    item.value = std::string(in);

    seq_memory memory;
    verify_result res = verify(item, memory, 1'800'000'000);
    require(static_cast<size_t>(res.verdict) < static_cast<size_t>(record_verdict::count),
            "verdict in range");
    require(!verdict_name(res.verdict).empty(), "verdict has a name");
    if (res.verdict == record_verdict::accepted) {
        require(signature_valid(item), "accepted only with a valid signature");
        require(item.salt == record_salt && res.record.node_key == item.key,
                "accepted only with the record salt and the item's key");
        require(memory.by_key.count(item.key) == 1, "accepting raises the replay memory");
    } else {
        require(memory.by_key.empty(), "refusing leaves the replay memory alone");
    }
}

// A decoded record, re-signed properly with the test key: the verifier must accept it, and
// refuse each single tampering.
void check_signed(relay_record r, uint8_t seq_byte)
{
    const auto& kp = test_key();
    r.node_key = kp.public_key;
    signed_item item;
    item.key = kp.public_key;
    item.salt = std::string(record_salt);
    item.seq = 1 + seq_byte;
    item.value = encode_record(r);
    item.signature = crypto::ed25519_sign(kp, bytes_of(signing_buffer(item.salt, item.seq,
                                                                      item.value)));
    const uint64_t now = r.timestamp;

    seq_memory memory;
    verify_result res = verify(item, memory, now);
    if (item.value.size() > max_value_size) {
        require(res.verdict == record_verdict::oversized, "a long value is oversized");
        return;
    }
    if (r.expiry <= now) {
        require(res.verdict == record_verdict::expired, "expiry at or before now is expired");
        return;
    }
    require(res.verdict == record_verdict::accepted, "a well-signed, live record is accepted");
    r.seq = item.seq;
    require(res.record == r, "the accepted record is the one signed, with the item's seq");
    require(verify(item, memory, now).verdict == record_verdict::accepted,
            "re-reading the same item is accepted");

    signed_item older = item;
    older.seq = item.seq - 1;
    older.signature = crypto::ed25519_sign(kp, bytes_of(signing_buffer(older.salt, older.seq,
                                                                       older.value)));
    require(verify(older, memory, now).verdict == record_verdict::replayed,
            "an older seq is replayed");

    seq_memory fresh;
    signed_item flipped = item;
    flipped.signature[seq_byte % 64] ^= static_cast<uint8_t>(1u << (seq_byte % 8));
    require(verify(flipped, fresh, now).verdict == record_verdict::bad_signature,
            "a flipped signature bit is a bad signature");
    signed_item salted = item;
    salted.salt = "relaz";
    require(verify(salted, fresh, now).verdict == record_verdict::bad_signature,
            "another salt breaks the signature");
    require(fresh.by_key.empty(), "refusals leave the memory alone");
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    check_bencode(in);
    check_random_item(in);

    auto rec = decode_record(in);
    if (rec) {
        require(rec->seq == 0, "decode_record leaves seq 0");
        check_round_trip(*rec);
        check_signed(*rec, size > 0 ? data[0] : 0);
    }
    return 0;
}
