// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Per-source token bucket for handshake messages under load.
#include "controlplane/handshake/ratelimiter.hh"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <sodium.h>

#include "common/crypto/secret.hh"

namespace edgerelay::cp {
namespace {

constexpr int64_t ns_per_s = 1'000'000'000;
// A bucket untouched for this long has refilled completely, so forgetting it changes nothing.
constexpr int64_t idle_forget_ns = ns_per_s;

} // namespace

size_t ratelimiter::key_hash::operator()(const key& k) const noexcept
{
    static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);
    uint8_t in[9];
    in[0] = k.family;
    std::memcpy(in + 1, k.addr.data(), 8);
    uint8_t out[8];
    crypto_shorthash(out, in, sizeof(in), seed.data());
    uint64_t h;
    std::memcpy(&h, out, 8);
    return size_t(h);
}

ratelimiter::ratelimiter(uint32_t packets_per_second, uint32_t burst, size_t max_entries)
    : _packet_cost_ns(packets_per_second ? ns_per_s / packets_per_second : 0),
      _token_max_ns(_packet_cost_ns * burst),
      _max_entries(max_entries),
      _table(0, key_hash{})
{
    if (packets_per_second == 0 || burst == 0 || max_entries == 0) {
        throw std::invalid_argument("ratelimiter: rate, burst and size must be positive");
    }
    key_hash h;
    crypto::random_bytes(h.seed.data(), h.seed.size());
    _table = std::unordered_map<key, bucket, key_hash>(0, h);
    _table.reserve(max_entries);
}

void ratelimiter::sweep(nanos now)
{
    const int64_t t = now.count();
    std::erase_if(_table, [t](const auto& kv) { return t - kv.second.last_ns >= idle_forget_ns; });
    _last_sweep_ns = t;
}

bool ratelimiter::allow(const wire::endpoint& src, nanos now)
{
    const int64_t t = now.count();
    key k{src.family, {}};
    std::memcpy(k.addr.data(), src.addr, src.family == 4 ? 4 : 8);

    if (t - _last_sweep_ns >= idle_forget_ns) {
        sweep(now);
    }
    auto it = _table.find(k);
    if (it == _table.end()) {
        if (_table.size() >= _max_entries) {
            sweep(now);
            if (_table.size() >= _max_entries) {
                return false;
            }
        }
        // A new source starts with a full bucket, minus this packet.
        _table.emplace(k, bucket{t, _token_max_ns - _packet_cost_ns});
        return true;
    }
    bucket& b = it->second;
    const int64_t elapsed = std::max<int64_t>(0, t - b.last_ns);
    b.last_ns = std::max(b.last_ns, t);
    b.tokens_ns = std::min(_token_max_ns, b.tokens_ns + elapsed);
    if (b.tokens_ns < _packet_cost_ns) {
        return false;
    }
    b.tokens_ns -= _packet_cost_ns;
    return true;
}

} // namespace edgerelay::cp
