// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the segment records' table-free validation and the CRC32C sealing commands.
//
// The input is the record's bytes (zero-padded or truncated to the record's size); bytes past
// the largest record (320 bytes), when there are enough, become the limits. Each command is
// validated as given and after seal(). The checks are written from validate.hh's contract, not from
// its code: a command is never accepted unless a plain bitwise CRC32C agrees with its crc field; a
// sealed command with any one bit flipped is always bad_crc; what is accepted meets the documented
// field rules; endpoint, prefix, injected and punted checks agree with reference predicates.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "common/abi/records.hh"
#include "common/abi/validate.hh"

namespace {

using namespace edgerelay::abi;
using edgerelay::wire::endpoint;

// Abort rather than return: libFuzzer reports an abort as a crash with the input saved.
void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_abi: contract broken: %s\n", what);
        std::abort();
    }
}

template <typename T> T from_bytes(const uint8_t* data, size_t size)
{
    static_assert(std::is_trivially_copyable_v<T>);
    T t;
    std::memset(&t, 0, sizeof(t));
    std::memcpy(&t, data, std::min(size, sizeof(t)));
    return t;
}

// Bit at a time, so it shares nothing with the table or SSE4.2 paths under test.
uint32_t crc32c_reference(const void* data, size_t len)
{
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
    }
    return ~crc;
}

uint32_t command_crc_reference(const command& c)
{
    command copy = c;
    copy.crc = 0;
    return crc32c_reference(&copy, sizeof(copy));
}

bool zero(const void* p, size_t n)
{
    const auto* b = static_cast<const uint8_t*>(p);
    return std::all_of(b, b + n, [](uint8_t x) { return x == 0; });
}

// validate.hh: family 4 or 6, reserved zero, port non-zero, not unspecified, multicast or IPv4
// broadcast, IPv4 bytes 4..15 zero.
bool endpoint_usable(const endpoint& e)
{
    if (e.reserved != 0 || e.port == 0) {
        return false;
    }
    if (e.family == 4) {
        const uint8_t* a = e.addr;
        bool unspecified = zero(a, 4);
        bool multicast = (a[0] & 0xF0) == 0xE0;
        bool broadcast = a[0] == 0xFF && a[1] == 0xFF && a[2] == 0xFF && a[3] == 0xFF;
        return !unspecified && !multicast && !broadcast && zero(a + 4, 12);
    }
    if (e.family == 6) {
        return !zero(e.addr, 16) && e.addr[0] != 0xFF;
    }
    return false;
}

// validate.hh: family 4 or 6, length within the family, every bit from `length` on zero
// (for IPv4 that includes bytes 4..15), reserved zero.
bool prefix_ok(const prefix& p)
{
    if (p.reserved != 0 || (p.family != 4 && p.family != 6)) {
        return false;
    }
    unsigned bits = p.family == 4 ? 32 : 128;
    if (p.length > bits) {
        return false;
    }
    for (unsigned i = p.length; i < 128; i++) {
        if ((p.addr[i / 8] >> (7 - i % 8) & 1) != 0) {
            return false;
        }
    }
    return true;
}

bool endpoint_empty_or_usable_like(const endpoint& local, const endpoint& remote)
{
    return zero(&local, sizeof(local)) || (endpoint_usable(local) && local.family == remote.family);
}

bool injected_ok(const injected_packet& p, const limits& lim)
{
    if (p.kind != inject_kind::udp_payload && p.kind != inject_kind::inner_packet) {
        return false;
    }
    if (p.reserved != 0 || p.reserved2 != 0 || p.reserved3 != 0 ||
        !zero(p.reserved4, sizeof(p.reserved4))) {
        return false;
    }
    if (p.len < 1 || p.len > max_packet_bytes) {
        return false;
    }
    if (p.kind == inject_kind::udp_payload) {
        return p.port_index < lim.max_ports && p.peer == no_peer && endpoint_usable(p.remote) &&
               endpoint_empty_or_usable_like(p.local, p.remote);
    }
    unsigned version = p.bytes[0] >> 4;
    return p.port_index == 0 && p.peer < lim.max_peers && p.peer < next_hop_control &&
           zero(&p.remote, sizeof(p.remote)) && zero(&p.local, sizeof(p.local)) &&
           (version == 4 || version == 6);
}

bool peer_in_range(peer_id p, const limits& lim)
{
    return p < lim.max_peers && p < next_hop_control;
}

bool punted_ok(const punted_packet& p, const limits& lim)
{
    if (p.reserved != 0 || p.reserved3 != 0) {
        return false;
    }
    bool kind_ok = p.kind == punt_kind::udp_payload
        ? p.peer == no_peer
        : p.kind == punt_kind::inner_packet && peer_in_range(p.peer, lim) && p.len >= 1 &&
            (p.bytes[0] >> 4 == 4 || p.bytes[0] >> 4 == 6);
    return kind_ok && p.len <= max_packet_bytes && p.port_index < lim.max_ports &&
        endpoint_usable(p.remote);
}

template <typename Member> bool body_tail_zero(const command& c)
{
    return zero(c.body.raw + sizeof(Member), command_body_size - sizeof(Member));
}

// What an accepted command must satisfy, per type (necessary conditions from validate.hh).
void check_accepted(const command& c, const limits& lim)
{
    require(c.crc == command_crc_reference(c), "accepted command has a matching crc");
    require(c.reserved == 0, "accepted command has reserved zero");
    require(c.type > command_type::none && c.type < command_type::count, "accepted type is known");
    const auto& b = c.body;
    switch (c.type) {
    case command_type::add_peer:
        require(peer_in_range(b.add_peer.peer, lim) && (b.add_peer.flags & ~1u) == 0 &&
                    body_tail_zero<cmd_add_peer>(c),
                "add_peer command");
        break;
    case command_type::remove_peer:
    case command_type::send_keepalive:
        require(peer_in_range(b.peer.peer, lim) && body_tail_zero<cmd_peer>(c), "peer command");
        break;
    case command_type::set_endpoint:
        require(peer_in_range(b.set_endpoint.peer, lim) && b.set_endpoint.reserved == 0 &&
                    b.set_endpoint.port_index < lim.max_ports &&
                    endpoint_usable(b.set_endpoint.remote) &&
                    endpoint_empty_or_usable_like(b.set_endpoint.local, b.set_endpoint.remote) &&
                    body_tail_zero<cmd_set_endpoint>(c),
                "set_endpoint");
        break;
    case command_type::install_keypair: {
        const auto& k = b.install_keypair;
        require(peer_in_range(k.peer, lim) && k.reserved == 0 &&
                    static_cast<uint8_t>(k.slot) < static_cast<uint8_t>(key_slot::count) &&
                    k.initiator <= 1 && !zero(k.send_key, 32) && !zero(k.recv_key, 32) &&
                    k.age_ms < lim.reject_after_time_ms &&
                    k.send_counter < lim.reject_after_messages &&
                    body_tail_zero<cmd_install_keypair>(c),
                "install_keypair");
        break;
    }
    case command_type::retire_keypair: {
        const auto& r = b.retire_keypair;
        bool slot_ok = r.slot == key_slot::by_index ||
                       (static_cast<uint8_t>(r.slot) < static_cast<uint8_t>(key_slot::count) &&
                        r.local_index == 0);
        require(peer_in_range(r.peer, lim) && zero(r.reserved, sizeof(r.reserved)) && slot_ok &&
                    body_tail_zero<cmd_retire_keypair>(c),
                "retire_keypair");
        break;
    }
    case command_type::add_route:
    case command_type::remove_route:
        require(prefix_ok(b.route.dst) &&
                    (b.route.hop == next_hop_local || b.route.hop == next_hop_control ||
                     peer_in_range(b.route.hop, lim)) &&
                    body_tail_zero<cmd_route>(c),
                "route");
        break;
    case command_type::add_allowed_ip:
    case command_type::remove_allowed_ip:
        require(peer_in_range(b.allowed_ip.peer, lim) && prefix_ok(b.allowed_ip.src) &&
                    body_tail_zero<cmd_allowed_ip>(c),
                "allowed_ip");
        break;
    case command_type::add_splice:
    case command_type::remove_splice:
        require(b.splice.relay_port != 0 && b.splice.port_index < lim.max_ports &&
                    endpoint_usable(b.splice.a) && endpoint_usable(b.splice.b) &&
                    !(b.splice.a == b.splice.b) && body_tail_zero<cmd_splice>(c),
                "splice");
        break;
    case command_type::set_limits: {
        const auto& s = b.set_limits;
        require(s.punt_rate_pps != 0 && s.punt_burst != 0 && s.rekey_after_messages != 0 &&
                    s.rekey_after_time_ms != 0 &&
                    s.reject_after_messages >= s.rekey_after_messages &&
                    s.reject_after_time_ms >= s.rekey_after_time_ms &&
                    body_tail_zero<cmd_set_limits>(c),
                "set_limits");
        break;
    }
    case command_type::readback:
        require(zero(b.raw, command_body_size), "readback has an empty body");
        break;
    case command_type::none:
    case command_type::count:
        break;
    }
}

void check_command(const command& c, const limits& lim)
{
    error e = validate(c, lim);
    require(std::strcmp(error_name(e), "unknown") != 0, "validate returns a named error");
    bool crc_matches = c.crc == command_crc_reference(c);
    require(crc_ok(c) == crc_matches, "crc_ok agrees with the bitwise CRC32C");
    require((e == error::bad_crc) == !crc_matches, "bad_crc exactly when the crc does not match");
    if (e == error::ok) {
        check_accepted(c, lim);
    }
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/)
{
    // RFC 3720 §B.4's check value, through both implementations.
    require(crc32c("123456789", 9) == 0xE3069283u, "crc32c check value");
    require(crc32c_reference("123456789", 9) == 0xE3069283u, "reference check value");
    return 0;
}

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    require(crc32c(data, size) == crc32c_reference(data, size), "crc32c matches the reference");

    // Past the largest record, so the limits never alias the fields being checked.
    constexpr size_t limits_at = std::max(sizeof(injected_packet), sizeof(punted_packet));
    limits lim;
    if (size >= limits_at + sizeof(limits)) {
        lim = from_bytes<limits>(data + limits_at, sizeof(limits));
    }

    // As given: most inputs fail the crc, which must be the answer.
    auto c = from_bytes<command>(data, size);
    check_command(c, lim);
    if (std::getenv("EDGERELAY_FUZZ_VERBOSE") != nullptr) { // to check what seeds reach
        std::fprintf(stderr, "command %s, injected %s, punted %s\n", error_name(validate(c, lim)),
                     error_name(validate(from_bytes<injected_packet>(data, size), lim)),
                     error_name(validate(from_bytes<punted_packet>(data, size), lim)));
    }

    // Sealed, so every later check is reached; then any single flipped bit must be caught.
    seal(c);
    require(crc_ok(c), "seal gives a matching crc");
    require(c.crc == command_crc_reference(c), "seal agrees with the bitwise CRC32C");
    check_command(c, lim);
    if (size > 0) {
        size_t bit = (size_t{data[size - 1]} * 131 + size) % (sizeof(command) * 8);
        command flipped = c;
        reinterpret_cast<uint8_t*>(&flipped)[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        require(validate(flipped, lim) == error::bad_crc, "a flipped bit is bad_crc");
    }

    // The other records validate() takes, from the same bytes.
    auto inj = from_bytes<injected_packet>(data, size);
    require((validate(inj, lim) == error::ok) == injected_ok(inj, lim), "injected_packet rules");
    auto pun = from_bytes<punted_packet>(data, size);
    require((validate(pun, lim) == error::ok) == punted_ok(pun, lim), "punted_packet rules");
    auto ep = from_bytes<endpoint>(data, size);
    require((validate(ep) == error::ok) == endpoint_usable(ep), "endpoint rules");
    auto pf = from_bytes<prefix>(data, size);
    require((validate(pf) == error::ok) == prefix_ok(pf), "prefix rules");
    return 0;
}
