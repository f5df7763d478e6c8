// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Table-free validation of segment records and the CRC32C that seals commands.
#include "common/abi/validate.hh"

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace edgerelay::abi {
namespace {

[[maybe_unused]] constexpr std::array<uint32_t, 256> make_crc_table() noexcept
{
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1; // reflected Castagnoli polynomial
        }
        t[i] = c;
    }
    return t;
}

bool all_zero(const void* p, std::size_t n) noexcept
{
    const auto* b = static_cast<const uint8_t*>(p);
    uint8_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc |= b[i];
    }
    return acc == 0;
}

// The body union is wider than most members: the bytes past the member must be zero, so that a
// sender that forgot to clear a record (or a corrupted one) is refused rather than half-read.
template <typename Member>
bool tail_zero(const command& c) noexcept
{
    return all_zero(c.body.raw + sizeof(Member), command_body_size - sizeof(Member));
}

bool peer_ok(peer_id p, const limits& lim) noexcept
{
    return p < lim.max_peers && p < next_hop_control;
}

// An endpoint that is either entirely empty or usable, of the same family as the remote.
bool local_ok(const wire::endpoint& local, const wire::endpoint& remote) noexcept
{
    if (all_zero(&local, sizeof(local))) {
        return true;
    }
    return validate(local) == error::ok && local.family == remote.family;
}

error check_peer_cmd(const command& c, const limits& lim) noexcept
{
    if (!tail_zero<cmd_peer>(c)) {
        return error::bad_reserved;
    }
    return peer_ok(c.body.peer.peer, lim) ? error::ok : error::bad_peer_id;
}

error check_add_peer(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.add_peer;
    // Unknown flags are refused, not ignored: a control plane asking for a behaviour this
    // dataplane does not have must hear so.
    if ((b.flags & ~peer_flags_known) != 0 || !tail_zero<cmd_add_peer>(c)) {
        return error::bad_reserved;
    }
    return peer_ok(b.peer, lim) ? error::ok : error::bad_peer_id;
}

error check_set_endpoint(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.set_endpoint;
    if (b.reserved != 0 || !tail_zero<cmd_set_endpoint>(c)) {
        return error::bad_reserved;
    }
    if (!peer_ok(b.peer, lim)) {
        return error::bad_peer_id;
    }
    if (b.port_index >= lim.max_ports) {
        return error::bad_port;
    }
    if (validate(b.remote) != error::ok || !local_ok(b.local, b.remote)) {
        return error::bad_endpoint;
    }
    if (b.src_mac[0] & 1) { // a group address cannot be our source
        return error::bad_endpoint;
    }
    return error::ok;
}

error check_install_keypair(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.install_keypair;
    if (b.reserved != 0 || !tail_zero<cmd_install_keypair>(c)) {
        return error::bad_reserved;
    }
    if (!peer_ok(b.peer, lim)) {
        return error::bad_peer_id;
    }
    if (static_cast<uint8_t>(b.slot) >= static_cast<uint8_t>(key_slot::count)) {
        return error::bad_slot;
    }
    if (b.initiator > 1 || all_zero(b.send_key, sizeof(b.send_key)) ||
        all_zero(b.recv_key, sizeof(b.recv_key))) {
        return error::bad_key;
    }
    if (b.age_ms >= lim.reject_after_time_ms || b.send_counter >= lim.reject_after_messages) {
        return error::expired;
    }
    return error::ok;
}

error check_retire_keypair(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.retire_keypair;
    if (!all_zero(b.reserved, sizeof(b.reserved)) || !tail_zero<cmd_retire_keypair>(c)) {
        return error::bad_reserved;
    }
    if (!peer_ok(b.peer, lim)) {
        return error::bad_peer_id;
    }
    if (b.slot == key_slot::by_index) {
        return error::ok;
    }
    if (static_cast<uint8_t>(b.slot) >= static_cast<uint8_t>(key_slot::count) ||
        b.local_index != 0) {
        return error::bad_slot;
    }
    return error::ok;
}

error check_route(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.route;
    if (!tail_zero<cmd_route>(c)) {
        return error::bad_reserved;
    }
    if (error e = validate(b.dst); e != error::ok) {
        return e;
    }
    if (b.hop != next_hop_local && b.hop != next_hop_control && !peer_ok(b.hop, lim)) {
        return error::bad_peer_id;
    }
    return error::ok;
}

error check_allowed_ip(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.allowed_ip;
    if (!tail_zero<cmd_allowed_ip>(c)) {
        return error::bad_reserved;
    }
    if (!peer_ok(b.peer, lim)) {
        return error::bad_peer_id;
    }
    return validate(b.src);
}

error check_splice(const command& c, const limits& lim) noexcept
{
    const auto& b = c.body.splice;
    if (!tail_zero<cmd_splice>(c)) {
        return error::bad_reserved;
    }
    if (b.port_index >= lim.max_ports) {
        return error::bad_port;
    }
    if (b.relay_port == 0 || validate(b.a) != error::ok || validate(b.b) != error::ok ||
        b.a == b.b) {
        return error::bad_endpoint;
    }
    return error::ok;
}

error check_set_limits(const command& c) noexcept
{
    const auto& b = c.body.set_limits;
    if (!tail_zero<cmd_set_limits>(c)) {
        return error::bad_reserved;
    }
    if (b.punt_rate_pps == 0 || b.punt_burst == 0 || b.rekey_after_messages == 0 ||
        b.rekey_after_time_ms == 0 || b.reject_after_messages < b.rekey_after_messages ||
        b.reject_after_time_ms < b.rekey_after_time_ms) {
        return error::bad_limits;
    }
    return error::ok;
}

} // namespace

const char* error_name(error e) noexcept
{
    static constexpr const char* names[] = {
        "ok", "bad_crc", "unknown_type", "bad_reserved", "bad_peer_id", "unknown_peer",
        "bad_family", "bad_prefix", "bad_key", "bad_slot", "bad_endpoint", "bad_port",
        "bad_length", "bad_limits", "expired", "table_full", "duplicate", "not_found", "timeout",
        "internal", "unsupported",
    };
    static_assert(std::size(names) == static_cast<std::size_t>(error::count));
    auto i = static_cast<std::size_t>(e);
    return i < std::size(names) ? names[i] : "unknown";
}

uint32_t crc32c(const void* data, std::size_t len) noexcept
{
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t crc = 0xFFFFFFFFu;
#if defined(__SSE4_2__)
    uint64_t c64 = crc;
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
    }
    crc = static_cast<uint32_t>(c64);
    for (; len > 0; --len, ++p) {
        crc = _mm_crc32_u8(crc, *p);
    }
#else
    static constexpr auto table = make_crc_table();
    for (; len > 0; --len, ++p) {
        crc = table[(crc ^ *p) & 0xFF] ^ (crc >> 8);
    }
#endif
    return ~crc;
}

void seal(command& c) noexcept
{
    c.crc = 0;
    c.crc = crc32c(&c, sizeof(c));
}

bool crc_ok(const command& c) noexcept
{
    command copy;
    std::memcpy(&copy, &c, sizeof(copy));
    copy.crc = 0;
    return crc32c(&copy, sizeof(copy)) == c.crc;
}

error validate(const wire::endpoint& e) noexcept
{
    if (e.reserved != 0 || e.port == 0) {
        return error::bad_endpoint;
    }
    if (e.family == 4) {
        const uint8_t* a = e.addr;
        bool unspecified = a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0;
        bool multicast = a[0] >= 224 && a[0] <= 239;
        bool broadcast = a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
        if (unspecified || multicast || broadcast || !all_zero(a + 4, 12)) {
            return error::bad_endpoint;
        }
        return error::ok;
    }
    if (e.family == 6) {
        if (all_zero(e.addr, 16) || e.addr[0] == 0xFF) {
            return error::bad_endpoint;
        }
        return error::ok;
    }
    return error::bad_endpoint;
}

error validate(const prefix& p) noexcept
{
    if (p.reserved != 0) {
        return error::bad_reserved;
    }
    unsigned bits;
    if (p.family == 4) {
        bits = 32;
    } else if (p.family == 6) {
        bits = 128;
    } else {
        return error::bad_family;
    }
    if (p.length > bits) {
        return error::bad_prefix;
    }
    // Host bits and, for IPv4, the unused bytes 4..15 must all be zero.
    for (unsigned byte = 0; byte < 16; ++byte) {
        unsigned first_bit = byte * 8;
        uint8_t host_mask;
        if (first_bit >= p.length) {
            host_mask = 0xFF;
        } else if (first_bit + 8 <= p.length) {
            host_mask = 0;
        } else {
            host_mask = static_cast<uint8_t>(0xFFu >> (p.length - first_bit));
        }
        if (p.addr[byte] & host_mask) {
            return error::bad_prefix;
        }
    }
    return error::ok;
}

error validate(const command& c, const limits& lim) noexcept
{
    if (!crc_ok(c)) {
        return error::bad_crc;
    }
    if (c.reserved != 0) {
        return error::bad_reserved;
    }
    switch (c.type) {
    case command_type::add_peer:
        return check_add_peer(c, lim);
    case command_type::remove_peer:
    case command_type::send_keepalive:
        return check_peer_cmd(c, lim);
    case command_type::set_endpoint:
        return check_set_endpoint(c, lim);
    case command_type::install_keypair:
        return check_install_keypair(c, lim);
    case command_type::retire_keypair:
        return check_retire_keypair(c, lim);
    case command_type::add_route:
    case command_type::remove_route:
        return check_route(c, lim);
    case command_type::add_allowed_ip:
    case command_type::remove_allowed_ip:
        return check_allowed_ip(c, lim);
    case command_type::add_splice:
    case command_type::remove_splice:
        return check_splice(c, lim);
    case command_type::set_limits:
        return check_set_limits(c);
    case command_type::readback:
        return all_zero(c.body.raw, command_body_size) ? error::ok : error::bad_reserved;
    case command_type::none:
    case command_type::count:
        break;
    }
    return error::unknown_type;
}

error validate(const injected_packet& p, const limits& lim) noexcept
{
    if (p.kind != inject_kind::udp_payload && p.kind != inject_kind::inner_packet) {
        return error::unknown_type;
    }
    if (p.reserved != 0 || p.reserved2 != 0 || p.reserved3 != 0 ||
        !all_zero(p.reserved4, sizeof(p.reserved4))) {
        return error::bad_reserved;
    }
    if (p.len == 0 || p.len > max_packet_bytes) {
        return error::bad_length;
    }
    if (p.kind == inject_kind::udp_payload) {
        if (p.port_index >= lim.max_ports) {
            return error::bad_port;
        }
        if (p.peer != no_peer) {
            return error::bad_peer_id;
        }
        if (validate(p.remote) != error::ok || !local_ok(p.local, p.remote)) {
            return error::bad_endpoint;
        }
        return error::ok;
    }
    if (p.port_index != 0) {
        return error::bad_port;
    }
    if (!peer_ok(p.peer, lim)) {
        return error::bad_peer_id;
    }
    if (!all_zero(&p.remote, sizeof(p.remote)) || !all_zero(&p.local, sizeof(p.local))) {
        return error::bad_endpoint;
    }
    uint8_t version = p.bytes[0] >> 4;
    if (version != 4 && version != 6) {
        return error::bad_family;
    }
    return error::ok;
}

error validate(const punted_packet& p, const limits& lim) noexcept
{
    if (p.kind != punt_kind::udp_payload && p.kind != punt_kind::inner_packet) {
        return error::unknown_type;
    }
    if (p.reserved != 0 || p.reserved3 != 0) {
        return error::bad_reserved;
    }
    if (p.len > max_packet_bytes) {
        return error::bad_length;
    }
    if (p.kind == punt_kind::inner_packet) {
        if (!peer_ok(p.peer, lim)) {
            return error::bad_peer_id;
        }
        if (p.len == 0) {
            return error::bad_length;
        }
        uint8_t version = p.bytes[0] >> 4;
        if (version != 4 && version != 6) {
            return error::bad_family;
        }
    } else if (p.peer != no_peer) {
        return error::bad_peer_id;
    }
    if (p.port_index >= lim.max_ports) {
        return error::bad_port;
    }
    if (validate(p.remote) != error::ok) {
        return error::bad_endpoint;
    }
    return error::ok;
}

} // namespace edgerelay::abi
