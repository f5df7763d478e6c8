// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Verification of a relay record read from the DHT: a pure function, no network needed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "controlplane/dht/relay_record.hh"

namespace edgerelay::cp::dht {

/// Every verdict a record read from the DHT can get; metrics are
/// `edgerelay_dht_records_total{verdict="<name>"}`.
#define EDGERELAY_DHT_VERDICTS(X)                                                       \
    X(accepted, "accepted", "signature, key, sequence number and lifetime are valid")  \
    X(bad_signature, "bad_signature", "Ed25519 signature does not match the item")     \
    X(unsigned_item, "unsigned", "empty or all-zero signature")                        \
    X(wrong_salt, "wrong_salt", "salt is not \"relay\"")                               \
    X(wrong_key, "wrong_key", "the record's node key is not the key it is stored under") \
    X(expired, "expired", "expiry is not after now (or the record was withdrawn)")     \
    X(future, "future", "timestamp ahead of now by more than the allowed skew")        \
    X(replayed, "replayed", "seq lower than one already seen (or equal, other value)") \
    X(oversized, "oversized", "value larger than BEP 44's 1000 bytes")                 \
    X(malformed, "malformed", "value is not a canonical, well-typed relay record")

enum class record_verdict : uint8_t {
#define X(name, label, text) name,
    EDGERELAY_DHT_VERDICTS(X)
#undef X
    count // keep last
};

/// The metric label of a verdict ("accepted", "bad_signature", "unsigned", ...).
std::string_view verdict_name(record_verdict v) noexcept;

/// A BEP 44 mutable item as read from the DHT.
struct signed_item {
    std::array<uint8_t, 32> key{};       ///< Ed25519 public key the item is stored under
    std::string salt;
    int64_t seq = 0;
    std::string value;                   ///< the bencoded value `v`
    std::array<uint8_t, 64> signature{};
};

/// The highest sequence number (and its value) seen per node key: the replay memory.
struct seq_memory {
    struct seen {
        int64_t seq = 0;
        std::string value;
    };
    std::map<std::array<uint8_t, 32>, seen> by_key;
};

/// Per-verdict counters.
struct verdict_counters {
    std::array<uint64_t, static_cast<size_t>(record_verdict::count)> n{};
    void add(record_verdict v) noexcept { ++n[static_cast<size_t>(v)]; }
    uint64_t operator[](record_verdict v) const noexcept { return n[static_cast<size_t>(v)]; }
    uint64_t total() const noexcept;
};

/// How far ahead of our clock a record's timestamp may be (relays' clocks are NTP-synced).
inline constexpr uint64_t max_clock_skew_s = 60;

/// BEP 44's signing buffer: `4:salt<len>:<salt>3:seqi<seq>e1:v<value>` (the salt part only
/// when the salt is not empty).
std::string signing_buffer(std::string_view salt, int64_t seq, std::string_view value);

struct verify_result {
    record_verdict verdict = record_verdict::malformed;
    relay_record record; ///< filled (with seq) when the value decoded, whatever the verdict
};

/// Verifies an item with our own (libsodium) Ed25519 verifier, whoever already checked it.
/// Checks, in order: size, signature present, signature, salt, decoding, node key == item key,
/// lifetime (expired / future), sequence number against `memory`. On `accepted` the memory is
/// raised to the item's seq; on any other verdict it is left untouched.
/// A seq equal to the highest seen is accepted only with the identical value (a re-read).
verify_result verify(const signed_item& item, seq_memory& memory, uint64_t now_unix_s);

} // namespace edgerelay::cp::dht
