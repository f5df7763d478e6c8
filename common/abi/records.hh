// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Plain records that cross the shared-memory segment: commands, events, punted and injected packets.
//
// Every record is trivially copyable, has no pointers and no implicit padding (checked below with
// has_unique_object_representations), so a byte-wise copy between processes is the whole contract.
// Any layout change must bump abi_version: the static_asserts below catch accidental ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "common/wire/endpoint.hh"

namespace edgerelay::abi {

/// Version of everything in common/abi. Both processes must agree exactly; bump on any change to a
/// record, the segment header or the ring layout.
inline constexpr uint32_t abi_version = 2;

using peer_id = uint32_t;

/// Route next hop: a peer id below limits::max_peers, or one of the special values below. The
/// values match dataplane/limits.hh (they fit rte_lpm's 24-bit next hop).
using next_hop = uint32_t;
inline constexpr next_hop next_hop_local = 0x00FFFFFEu; ///< deliver to the local access side
/// Punt the (authenticated) inner packet to the control plane (punt_kind::inner_packet): how
/// relays reach each other's control planes through the tunnels, e.g. for health probes.
inline constexpr next_hop next_hop_control = 0x00FFFFFDu;
inline constexpr peer_id no_peer = UINT32_MAX;

/// Largest packet carried by the punt and inject rings. WireGuard handshake messages are 148
/// (initiation), 92 (response) and 64 (cookie reply) bytes.
inline constexpr uint16_t max_packet_bytes = 256;

/// Sizes the dataplane was started with; written into the segment header at creation so the
/// control plane validates against the same numbers.
struct limits {
    uint32_t max_peers = 65536;   ///< peer ids are 0 .. max_peers-1 (< next_hop_control)
    uint16_t max_ports = 8;       ///< underlay port indices are 0 .. max_ports-1
    uint16_t workers = 1;         ///< workers in use (≤ max_workers); stats blocks beyond are zero
    uint32_t reject_after_time_ms = 180'000; ///< keypairs older than this are refused
    uint32_t reserved = 0;
    uint64_t reject_after_messages = UINT64_MAX - (1ull << 13); ///< WireGuard REJECT_AFTER_MESSAGES
};

/// Answer codes, carried by reply events. Closed list: the control plane maps each to a message.
enum class error : uint16_t {
    ok = 0,
    bad_crc,        ///< crc32c does not match the record
    unknown_type,   ///< type is not a known command_type
    bad_reserved,   ///< a reserved field or unused body byte is not zero
    bad_peer_id,    ///< peer id (or next hop) out of range
    unknown_peer,   ///< peer id not in the peer table (applier)
    bad_family,     ///< address family is not 4 or 6
    bad_prefix,     ///< prefix length too long, or host bits set
    bad_key,        ///< a key is all zeros, or the initiator flag is not 0/1
    bad_slot,       ///< keypair slot out of range
    bad_endpoint,   ///< endpoint family/port/address not usable
    bad_port,       ///< port index beyond the dataplane's ports
    bad_length,     ///< a length exceeds its capacity, or is zero where data is required
    bad_limits,     ///< set_limits values inconsistent
    expired,        ///< keypair already older than REJECT_AFTER_TIME or past its message limit
    table_full,     ///< the table has no room (applier)
    duplicate,      ///< entry already present (applier)
    not_found,      ///< entry to remove or update is absent (applier)
    timeout,        ///< an RCU grace period did not complete in time (applier)
    internal,       ///< the dataplane failed for a reason not caused by the command
    unsupported,    ///< a valid command this dataplane does not implement (splices, for now)
    count           // keep last
};

/// Returns a stable, lower-case name for an error code ("ok", "bad_crc", ...); "unknown" if out
/// of range.
const char* error_name(error e) noexcept;

/// Command types (control → data). 0 is never valid, so a zeroed record is refused.
enum class command_type : uint16_t {
    none = 0,
    add_peer,
    remove_peer,
    set_endpoint,
    install_keypair,
    retire_keypair,
    add_route,
    remove_route,
    add_allowed_ip,
    remove_allowed_ip,
    add_splice,
    remove_splice,
    set_limits,
    readback,
    send_keepalive,
    count // keep last
};

/// Keypair slots, as in WireGuard: current sends, previous still receives, next is the
/// responder's unconfirmed keypair.
enum class key_slot : uint8_t {
    current = 0,
    previous = 1,
    next = 2,
    count, // keep last
    /// retire_keypair only: select the keypair by local_index instead of by slot.
    by_index = 0xFF,
};

struct cmd_peer { ///< remove_peer, send_keepalive
    peer_id peer;
};

/// add_peer flag: a relay-to-relay (mesh) tunnel. Its packets may carry inner sources outside
/// the peer's allowed IPs (they belong to prefixes behind other relays, and were validated where
/// they entered the mesh), so the cryptokey source check lets a mismatch through for it.
inline constexpr uint32_t peer_flag_transit = 1u << 0;
/// Every flag this ABI defines; any other bit is refused (bad_reserved).
inline constexpr uint32_t peer_flags_known = peer_flag_transit;

struct cmd_add_peer { ///< add_peer
    peer_id peer;             ///< same offset as cmd_peer::peer
    uint32_t flags;           ///< peer_flag_* bits
};

struct cmd_set_endpoint {
    peer_id peer;
    uint16_t port_index;    ///< underlay port, < limits::max_ports
    uint16_t reserved;      ///< must be zero
    wire::endpoint remote;  ///< the peer's underlay address; must be a usable unicast endpoint
    wire::endpoint local;   ///< our source address on that underlay; empty lets the driver choose
    uint8_t src_mac[6];     ///< our MAC on the port (Ethernet ports; zero otherwise)
    uint8_t dst_mac[6];     ///< next-hop MAC toward remote (Ethernet ports; zero otherwise)
};

struct cmd_install_keypair {
    peer_id peer;
    key_slot slot;            ///< current, previous or next
    uint8_t initiator;        ///< 1 if we sent the handshake initiation, else 0
    uint16_t reserved;        ///< must be zero
    uint32_t local_index;     ///< our receiver index
    uint32_t remote_index;    ///< the peer's receiver index
    uint8_t send_key[32];
    uint8_t recv_key[32];
    uint64_t age_ms;          ///< time since the handshake completed (replays after a restart)
    uint64_t send_counter;    ///< first counter to use (non-zero when replaying a live session)
};

struct cmd_retire_keypair {
    peer_id peer;
    key_slot slot;            ///< a slot, or key_slot::by_index to use local_index
    uint8_t reserved[3];      ///< must be zero
    uint32_t local_index;     ///< with key_slot::by_index; must be zero otherwise
};

/// An IPv4 (family 4, prefix[0..3], rest zero) or IPv6 prefix with no host bits set.
struct prefix {
    uint8_t family;           ///< 4 or 6
    uint8_t length;           ///< ≤ 32 or ≤ 128
    uint16_t reserved;        ///< must be zero
    uint8_t addr[16];
};

struct cmd_route { ///< add_route, remove_route
    prefix dst;
    next_hop hop;             ///< a peer id, next_hop_local or next_hop_control
};

struct cmd_allowed_ip { ///< add_allowed_ip, remove_allowed_ip (cryptokey routing)
    peer_id peer;
    prefix src;
};

/// A transit rule: packets arriving on relay_port from a are sent to b, and from b to a, with only
/// the outer headers rewritten (no key material at the relay).
struct cmd_splice { ///< add_splice, remove_splice
    uint16_t relay_port;      ///< the UDP port the control plane allocated on this relay; non-zero
    uint16_t port_index;      ///< underlay port, < limits::max_ports
    wire::endpoint a;
    wire::endpoint b;         ///< must differ from a
};

/// Policy knobs that may change at run time. All must be non-zero, and reject ≥ rekey.
struct cmd_set_limits {
    uint32_t punt_rate_pps;         ///< token-bucket rate of packets punted to the control plane
    uint32_t punt_burst;            ///< token-bucket depth
    uint64_t rekey_after_messages;  ///< raise rekey_needed after this many sends on a keypair
    uint64_t reject_after_messages; ///< stop using a keypair after this many
    uint32_t rekey_after_time_ms;   ///< raise rekey_needed (initiator) after this age
    uint32_t reject_after_time_ms;  ///< expire a keypair after this age
};

inline constexpr std::size_t command_body_size = 112;

/// A command (control → data). Fill in type, seq and the body member of that type, leave every
/// other byte zero, then seal() it.
struct command {
    command_type type = command_type::none;
    uint16_t reserved = 0;    ///< must be zero
    uint32_t crc = 0;         ///< CRC32C (Castagnoli) of the 128 bytes with this field zeroed
    uint64_t seq = 0;         ///< chosen by the control plane, echoed in the reply event
    union body_t {
        // Members with default initialisers (wire::endpoint) would delete the implicit
        // constructor; this one zeroes every body byte instead.
        constexpr body_t() noexcept : raw{} {}
        uint8_t raw[command_body_size];
        cmd_peer peer;
        cmd_add_peer add_peer;
        cmd_set_endpoint set_endpoint;
        cmd_install_keypair install_keypair;
        cmd_retire_keypair retire_keypair;
        cmd_route route;
        cmd_allowed_ip allowed_ip;
        cmd_splice splice;
        cmd_set_limits set_limits;
    } body;
};

/// Event types (data → control).
enum class event_type : uint16_t {
    none = 0,
    reply,             ///< answer to one command
    rekey_needed,      ///< a keypair passed REKEY_AFTER_MESSAGES / REKEY_AFTER_TIME
    keypair_expired,   ///< a keypair passed REJECT_AFTER_*, no longer used
    endpoint_roamed,   ///< an authenticated packet came from a new endpoint
    rb_peer,           ///< readback item
    rb_keypair,        ///< readback item (never the keys)
    rb_route,          ///< readback item
    rb_allowed_ip,     ///< readback item
    rb_splice,         ///< readback item
    readback_done,     ///< end of a readback; followed by the reply to the readback command
    keypair_confirmed, ///< ev_keypair_ref: the peer used `next` first; the dataplane promoted it
                       ///< to current (and current to previous) already
    handshake_wanted,  ///< ev_keypair_ref (local_index 0): a packet for the peer found no
                       ///< usable current keypair; at most once per REKEY_TIMEOUT per peer
    count // keep last
};

struct ev_reply {
    uint64_t seq;             ///< the command's seq
    command_type command;     ///< the command's type (as received, may be out of range)
    error code;
    uint32_t reserved;
};

struct ev_keypair_ref { ///< rekey_needed, keypair_expired, keypair_confirmed, handshake_wanted
    peer_id peer;
    uint32_t local_index;
};

struct ev_endpoint_roamed {
    peer_id peer;
    uint16_t port_index;
    uint16_t reserved;
    wire::endpoint remote;    ///< the new endpoint, already applied by the dataplane
};

struct ev_rb_peer {
    peer_id peer;
    uint16_t port_index;      ///< meaningful when remote is not empty
    uint16_t reserved;
    wire::endpoint remote;    ///< empty if no endpoint is known
    wire::endpoint local;
    uint8_t src_mac[6];
    uint8_t dst_mac[6];
    uint32_t flags;           ///< peer_flag_* bits given to add_peer
};

struct ev_rb_keypair {
    peer_id peer;
    key_slot slot;
    uint8_t initiator;
    uint16_t reserved;
    uint32_t local_index;
    uint32_t remote_index;
    uint64_t age_ms;
    uint64_t send_counter;    ///< next counter the dataplane would use
    /// The keys, so that a restarted control plane can replay them to a later dataplane
    /// (the segment is 0600 and carries them the other way in install_keypair already).
    uint8_t send_key[32];
    uint8_t recv_key[32];
};

struct ev_rb_route {
    prefix dst;
    next_hop hop;
};

struct ev_readback_done {
    uint64_t seq;             ///< seq of the readback command
    uint64_t generation;      ///< segment generation the state belongs to
    uint32_t items;           ///< rb_* events sent before this one
    uint32_t reserved;
};

inline constexpr std::size_t event_body_size = 112;

/// An event (data → control). Bytes outside the member named by type are zero.
struct event {
    event_type type = event_type::none;
    uint16_t worker = 0;      ///< worker that raised it; UINT16_MAX for the applier
    uint32_t reserved = 0;
    uint64_t time_ns = 0;     ///< CLOCK_MONOTONIC when raised
    union body_t {
        constexpr body_t() noexcept : raw{} {}
        uint8_t raw[event_body_size];
        ev_reply reply;
        ev_keypair_ref keypair_ref;
        ev_endpoint_roamed endpoint_roamed;
        ev_rb_peer rb_peer;
        ev_rb_keypair rb_keypair;
        ev_rb_route rb_route;
        cmd_allowed_ip rb_allowed_ip;
        cmd_splice rb_splice;
        ev_readback_done readback_done;
    } body;
};

enum class punt_kind : uint8_t {
    udp_payload = 0,  ///< a handshake initiation/response or cookie reply (the UDP payload)
    inner_packet = 1, ///< an authenticated inner IPv4/IPv6 packet routed to next_hop_control
};

/// A packet the dataplane hands to the control plane: handshake messages, and inner packets
/// addressed to the control plane through a tunnel.
struct punted_packet {
    uint16_t port_index = 0;  ///< port it arrived on
    uint16_t len = 0;         ///< valid bytes in bytes[], ≤ max_packet_bytes
    uint16_t worker = 0;      ///< worker that punted it
    punt_kind kind = punt_kind::udp_payload;
    uint8_t reserved = 0;
    uint64_t rx_ns = 0;       ///< CLOCK_MONOTONIC at receive (cookie/load decisions)
    wire::endpoint remote;    ///< the sender's UDP endpoint (inner_packet: the peer's)
    wire::endpoint local;     ///< our address and port it was sent to
    peer_id peer = no_peer;   ///< inner_packet: the authenticated sending peer; else no_peer
    uint32_t reserved3 = 0;
    uint8_t bytes[max_packet_bytes] = {}; ///< udp_payload: UDP payload; inner_packet: IP packet
};

enum class inject_kind : uint8_t {
    none = 0,
    udp_payload = 1,  ///< send bytes as a UDP payload from local to remote (handshake answers)
    inner_packet = 2, ///< encrypt bytes (an IPv4/IPv6 packet) for peer with its current keypair
    count // keep last
};

/// A packet the control plane asks the dataplane to send.
struct alignas(8) injected_packet {
    inject_kind kind = inject_kind::none;
    uint8_t reserved = 0;
    uint16_t port_index = 0;  ///< udp_payload: underlay port; inner_packet: must be zero
    peer_id peer = no_peer;   ///< inner_packet: destination peer; udp_payload: no_peer
    uint16_t len = 0;         ///< valid bytes in bytes[], 1..max_packet_bytes
    uint16_t reserved2 = 0;
    uint32_t reserved3 = 0;
    wire::endpoint remote;    ///< udp_payload: destination; inner_packet: empty
    wire::endpoint local;     ///< udp_payload: source (empty lets the driver choose); inner: empty
    uint8_t reserved4[8] = {};
    uint8_t bytes[max_packet_bytes] = {};
};

// ---- layout checks: a failure here means the ABI changed, so bump abi_version ----
#define EDGERELAY_ABI_POD(T, size, align)                                                          \
    static_assert(std::is_trivially_copyable_v<T>, #T " must be trivially copyable");             \
    static_assert(std::has_unique_object_representations_v<T>, #T " must have no padding");      \
    static_assert(sizeof(T) == (size), #T " size changed: bump abi_version");                     \
    static_assert(alignof(T) == (align), #T " alignment changed: bump abi_version")

EDGERELAY_ABI_POD(wire::endpoint, 20, 2);
EDGERELAY_ABI_POD(limits, 24, 8);
EDGERELAY_ABI_POD(prefix, 20, 2);
EDGERELAY_ABI_POD(cmd_peer, 4, 4);
EDGERELAY_ABI_POD(cmd_add_peer, 8, 4);
EDGERELAY_ABI_POD(cmd_set_endpoint, 60, 4);
EDGERELAY_ABI_POD(cmd_install_keypair, 96, 8);
EDGERELAY_ABI_POD(cmd_retire_keypair, 12, 4);
EDGERELAY_ABI_POD(cmd_route, 24, 4);
EDGERELAY_ABI_POD(cmd_allowed_ip, 24, 4);
EDGERELAY_ABI_POD(cmd_splice, 44, 2);
EDGERELAY_ABI_POD(cmd_set_limits, 32, 8);
EDGERELAY_ABI_POD(ev_reply, 16, 8);
EDGERELAY_ABI_POD(ev_keypair_ref, 8, 4);
EDGERELAY_ABI_POD(ev_endpoint_roamed, 28, 4);
EDGERELAY_ABI_POD(ev_rb_peer, 64, 4);
EDGERELAY_ABI_POD(ev_rb_keypair, 96, 8);
EDGERELAY_ABI_POD(ev_rb_route, 24, 4);
EDGERELAY_ABI_POD(ev_readback_done, 24, 8);
EDGERELAY_ABI_POD(punted_packet, 320, 8);
EDGERELAY_ABI_POD(injected_packet, 320, 8);

// Unions cannot satisfy has_unique_object_representations (members differ in size), so the
// envelopes are checked field by field.
static_assert(std::is_trivially_copyable_v<command>);
static_assert(sizeof(command) == 128 && alignof(command) == 8);
static_assert(sizeof(command::body_t) == command_body_size);
static_assert(offsetof(command, type) == 0 && offsetof(command, reserved) == 2);
static_assert(offsetof(command, crc) == 4 && offsetof(command, seq) == 8);
static_assert(offsetof(command, body) == 16);
static_assert(std::is_trivially_copyable_v<event>);
static_assert(sizeof(event) == 128 && alignof(event) == 8);
static_assert(sizeof(event::body_t) == event_body_size);
static_assert(offsetof(event, type) == 0 && offsetof(event, worker) == 2);
static_assert(offsetof(event, reserved) == 4 && offsetof(event, time_ns) == 8);
static_assert(offsetof(event, body) == 16);

static_assert(offsetof(cmd_set_endpoint, remote) == 8 && offsetof(cmd_set_endpoint, local) == 28);
static_assert(offsetof(cmd_set_endpoint, src_mac) == 48 && offsetof(cmd_set_endpoint, dst_mac) == 54);
static_assert(offsetof(cmd_install_keypair, local_index) == 8);
static_assert(offsetof(cmd_install_keypair, send_key) == 16);
static_assert(offsetof(cmd_install_keypair, recv_key) == 48);
static_assert(offsetof(cmd_install_keypair, age_ms) == 80);
static_assert(offsetof(cmd_install_keypair, send_counter) == 88);
static_assert(offsetof(cmd_retire_keypair, local_index) == 8);
static_assert(offsetof(prefix, addr) == 4);
static_assert(offsetof(cmd_route, hop) == 20);
static_assert(offsetof(cmd_allowed_ip, src) == 4);
static_assert(offsetof(cmd_splice, a) == 4 && offsetof(cmd_splice, b) == 24);
static_assert(offsetof(cmd_set_limits, rekey_after_messages) == 8);
static_assert(offsetof(cmd_set_limits, rekey_after_time_ms) == 24);
static_assert(offsetof(ev_endpoint_roamed, remote) == 8);
static_assert(offsetof(ev_rb_peer, remote) == 8 && offsetof(ev_rb_peer, src_mac) == 48);
static_assert(offsetof(ev_rb_peer, flags) == 60);
static_assert(offsetof(cmd_add_peer, peer) == offsetof(cmd_peer, peer));
static_assert(offsetof(cmd_add_peer, flags) == 4);
static_assert(offsetof(ev_rb_keypair, age_ms) == 16);
static_assert(offsetof(ev_rb_keypair, send_key) == 32 && offsetof(ev_rb_keypair, recv_key) == 64);
static_assert(offsetof(ev_readback_done, items) == 16);
static_assert(offsetof(punted_packet, rx_ns) == 8 && offsetof(punted_packet, remote) == 16);
static_assert(offsetof(punted_packet, local) == 36 && offsetof(punted_packet, bytes) == 64);
static_assert(offsetof(punted_packet, kind) == 6 && offsetof(punted_packet, reserved) == 7);
static_assert(offsetof(punted_packet, peer) == 56 && offsetof(punted_packet, reserved3) == 60);
static_assert(offsetof(injected_packet, peer) == 4 && offsetof(injected_packet, len) == 8);
static_assert(offsetof(injected_packet, remote) == 16 && offsetof(injected_packet, local) == 36);
static_assert(offsetof(injected_packet, bytes) == 64);

#undef EDGERELAY_ABI_POD

} // namespace edgerelay::abi
