// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The link-state database: what every relay last published about itself and its links.
#include "controlplane/routing/link_state_db.hh"

#include <algorithm>

namespace edgerelay::cp::routing {

namespace {

bool valid_prefix(const config::prefix& p) noexcept
{
    if ((p.family != 4 || p.len > 32) && (p.family != 6 || p.len > 128)) {
        return false;
    }
    const size_t bytes = p.family == 4 ? 4 : 16;
    // No host bits: every bit at or beyond len is zero (IPv4 also needs addr[4..15] zero).
    for (size_t i = 0; i < 16; ++i) {
        const size_t first_bit = i * 8;
        uint8_t allowed = 0;
        if (i < bytes && first_bit < p.len) {
            const size_t n = std::min<size_t>(8, p.len - first_bit);
            allowed = static_cast<uint8_t>(0xff00u >> n);
        }
        if ((p.addr[i] & static_cast<uint8_t>(~allowed)) != 0) {
            return false;
        }
    }
    return true;
}

bool valid_record(const relay_state& r)
{
    if (r.links.size() > max_links_per_relay || r.prefixes.size() > max_prefixes_per_relay ||
        r.region.size() > max_region_len) {
        return false;
    }
    if (!std::all_of(r.prefixes.begin(), r.prefixes.end(), valid_prefix)) {
        return false;
    }
    std::vector<crypto::key32> seen;
    seen.reserve(r.links.size());
    for (const link& l : r.links) {
        if (l.neighbour == r.key || l.loss_permille > 1000) {
            return false;
        }
        seen.push_back(l.neighbour);
    }
    std::sort(seen.begin(), seen.end());
    return std::adjacent_find(seen.begin(), seen.end()) == seen.end();
}

} // namespace

const char* to_string(update_result r) noexcept
{
    switch (r) {
    case update_result::inserted: return "inserted";
    case update_result::replaced: return "replaced";
    case update_result::stale: return "stale";
    case update_result::invalid: return "invalid";
    }
    return "unknown";
}

update_result link_state_db::update(relay_state r, nanos now)
{
    if (!valid_record(r)) {
        return update_result::invalid;
    }
    if (r.has_location && !valid(r.location)) {
        r.has_location = false;
        r.location = {};
    }
    r.received = now;
    auto it = _relays.find(r.key);
    if (it == _relays.end()) {
        const crypto::key32 key = r.key;
        _relays.emplace(key, std::move(r));
        return update_result::inserted;
    }
    if (r.seq <= it->second.seq) {
        return update_result::stale;
    }
    it->second = std::move(r);
    return update_result::replaced;
}

bool link_state_db::remove(const crypto::key32& key)
{
    return _relays.erase(key) > 0;
}

size_t link_state_db::expire(nanos now, nanos max_age)
{
    return std::erase_if(_relays, [&](const auto& kv) { return kv.second.received + max_age <= now; });
}

const relay_state* link_state_db::find(const crypto::key32& key) const
{
    auto it = _relays.find(key);
    return it == _relays.end() ? nullptr : &it->second;
}

} // namespace edgerelay::cp::routing
