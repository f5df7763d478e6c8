// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Every reader verifies relay records itself: a DHT node that stored or relayed an item is
// not trusted to have checked it.
#include "controlplane/dht/verify.hh"

#include <algorithm>

#include "common/crypto/ed25519.hh"

namespace edgerelay::cp::dht {

std::string_view verdict_name(record_verdict v) noexcept
{
    static constexpr std::string_view names[] = {
#define X(name, label, text) label,
        EDGERELAY_DHT_VERDICTS(X)
#undef X
    };
    auto i = static_cast<size_t>(v);
    return i < std::size(names) ? names[i] : "unknown";
}

uint64_t verdict_counters::total() const noexcept
{
    uint64_t t = 0;
    for (auto c : n) {
        t += c;
    }
    return t;
}

std::string signing_buffer(std::string_view salt, int64_t seq, std::string_view value)
{
    std::string b;
    b.reserve(value.size() + salt.size() + 40);
    if (!salt.empty()) {
        b += "4:salt";
        b += std::to_string(salt.size());
        b += ':';
        b += salt;
    }
    b += "3:seqi";
    b += std::to_string(seq);
    b += "e1:v";
    b += value;
    return b;
}

verify_result verify(const signed_item& item, seq_memory& memory, uint64_t now_unix_s)
{
    verify_result res;
    auto verdict = [&](record_verdict v) {
        res.verdict = v;
        return res;
    };
    if (item.value.size() > max_value_size) {
        return verdict(record_verdict::oversized);
    }
    if (std::all_of(item.signature.begin(), item.signature.end(), [](uint8_t b) { return b == 0; })) {
        return verdict(record_verdict::unsigned_item);
    }
    if (item.seq < 0) {
        return verdict(record_verdict::malformed);
    }
    std::string buf = signing_buffer(item.salt, item.seq, item.value);
    if (!crypto::ed25519_verify(item.key.data(),
                                std::span(reinterpret_cast<const uint8_t*>(buf.data()), buf.size()),
                                item.signature.data())) {
        return verdict(record_verdict::bad_signature);
    }
    if (item.salt != record_salt) {
        return verdict(record_verdict::wrong_salt);
    }
    auto rec = decode_record(item.value);
    if (!rec) {
        return verdict(record_verdict::malformed);
    }
    res.record = std::move(*rec);
    res.record.seq = item.seq;
    if (res.record.node_key != item.key) {
        return verdict(record_verdict::wrong_key);
    }
    if (res.record.expiry <= now_unix_s) {
        return verdict(record_verdict::expired);
    }
    if (res.record.timestamp > now_unix_s + max_clock_skew_s) {
        return verdict(record_verdict::future);
    }
    auto it = memory.by_key.find(item.key);
    if (it != memory.by_key.end()) {
        if (item.seq < it->second.seq || (item.seq == it->second.seq && item.value != it->second.value)) {
            return verdict(record_verdict::replayed);
        }
    }
    memory.by_key[item.key] = seq_memory::seen{item.seq, item.value};
    return verdict(record_verdict::accepted);
}

} // namespace edgerelay::cp::dht
