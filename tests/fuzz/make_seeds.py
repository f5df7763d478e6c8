#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Writes the generated seeds: tests/fuzz/corpus/pipeline/ and tests/fuzz/corpus/abi/.
#
# fuzz_pipeline seals frames itself, so its seeds are only the port byte and records
# [ctl][len LE16][bytes] (see fuzz_pipeline.cc for the ctl bits); fuzz_abi's are records laid out
# as common/abi/records.hh, sealed with CRC32C. Run from anywhere: tests/fuzz/make_seeds.py
import ipaddress
import os
import random
import struct

SEAL, PEER_B, FIX_LEN, PAD, ROAM, VLAN = 1, 2, 4, 8, 16, 32
ETH, UDP, ACCESS = 0, 1, 2


def inner(src, dst, length):
    """An IPv4 or IPv6 UDP packet of total `length` bytes, filled with 0xab after the header."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, length, 0, 0, 64, 17, 0, s.packed, d.packed)
    else:
        h = struct.pack('!IHBB16s16s', 0x60000000, length - 40, 17, 64, s.packed, d.packed)
    return h + b'\xab' * (length - len(h))


def record(ctl, body):
    return bytes([ctl]) + struct.pack('<H', len(body)) + body


def sealed(ctl, counter, packet):
    return record(ctl | SEAL, struct.pack('<Q', counter) + packet)


def ipv4_checksum(h):
    s = sum(struct.unpack('!%dH' % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth_udp4(src, sport, dst, dport, payload):
    """Ethernet/IPv4/UDP frame toward the relay's MAC (UDP checksum 0, allowed over IPv4)."""
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                               ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed))
    struct.pack_into('!H', ip, 10, ipv4_checksum(bytes(ip)))
    mac_relay, mac_peer = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 0x11])
    return mac_relay + mac_peer + b'\x08\x00' + bytes(ip) + udp


def initiation():
    return bytes([1, 0, 0, 0]) + bytes(range(144))


a_to_b4 = inner('192.168.1.10', '192.168.2.20', 84)
a_to_b6 = inner('fd01::10', 'fd02::20', 120)
b_to_a4 = inner('192.168.2.20', '192.168.1.10', 300)
b_to_a6 = inner('fd02::20', 'fd01::10', 64)
a_to_local = inner('192.168.1.10', '10.99.1.1', 60)
rng = random.Random(20260101)

seeds = {
    'eth_a_to_b_ipv4': bytes([ETH]) + sealed(FIX_LEN | PAD, 1, a_to_b4),
    'eth_a_to_b_ipv6': bytes([ETH]) + sealed(FIX_LEN | PAD, 2, a_to_b6),
    'eth_vlan_a_to_b': bytes([ETH]) + sealed(PAD | VLAN, 3, a_to_b4),
    'eth_a_to_local': bytes([ETH]) + sealed(PAD, 4, a_to_local),
    'eth_a_roamed': bytes([ETH]) + sealed(PAD | ROAM, 5, a_to_b4),
    'udp_b_to_a_ipv4': bytes([UDP]) + sealed(PEER_B | PAD, 1, b_to_a4),
    'udp_b_to_a_ipv6': bytes([UDP]) + sealed(PEER_B | PAD, 2, b_to_a6),
    'access_to_b_ipv4': bytes([ACCESS]) + record(0, inner('10.99.1.1', '192.168.2.20', 90)),
    'access_to_a_ipv6': bytes([ACCESS]) + record(0, inner('fd99::1', 'fd01::10', 100)),
    'eth_keepalive': bytes([ETH]) + sealed(0, 9, b''),
    'udp_keepalive': bytes([UDP]) + sealed(PEER_B, 9, b''),
    'udp_initiation': bytes([UDP]) + record(0, initiation()),
    'eth_initiation': bytes([ETH]) + record(0, eth_udp4('10.0.0.2', 51820, '10.0.0.1', 51820,
                                                         initiation())),
    'eth_mixed_burst': bytes([ETH]) + b''.join([
        sealed(PAD, 10, a_to_b4),                                     # forwarded
        sealed(PAD, 10, a_to_b4),                                     # replay
        sealed(PAD, 11, inner('192.168.2.99', '192.168.2.20', 80)),   # cryptokey mismatch
        sealed(PAD, 12, inner('192.168.1.10', '172.16.0.1', 80)),     # no route
        sealed(PAD, 13, inner('192.168.1.10', '192.168.1.11', 80)),   # route loop
        sealed(PEER_B | PAD, 14, a_to_b4),                            # B's key, A's source
        record(0, bytes(rng.randrange(256) for _ in range(70))),      # garbage
    ]),
    'garbage': bytes(rng.randrange(256) for _ in range(200)),
}



def write(corpus, table):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', corpus)
    os.makedirs(out, exist_ok=True)
    for name, data in table.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


write('pipeline', seeds)

# ---- fuzz_abi: records.hh layouts (little-endian, no padding) ----


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def endpoint(text):
    host, port = text.rsplit(':', 1)
    a = ipaddress.ip_address(host.strip('[]'))
    return struct.pack('<BBH16s', a.version, 0, int(port), a.packed.ljust(16, b'\0'))


def prefix(text):
    n = ipaddress.ip_network(text)
    addr = n.network_address.packed.ljust(16, b'\0')
    return struct.pack('<BBH16s', n.version, n.prefixlen, 0, addr)


def command(ctype, body, seq=1):
    raw = bytearray(struct.pack('<HHIQ', ctype, 0, 0, seq) + body.ljust(112, b'\0'))
    struct.pack_into('<I', raw, 4, crc32c(bytes(raw)))
    return bytes(raw)


ADD_PEER, SET_ENDPOINT, INSTALL, RETIRE, ADD_ROUTE, ADD_ALLOWED = 1, 3, 4, 5, 6, 8
ADD_SPLICE, SET_LIMITS, READBACK = 10, 12, 13
NEXT_HOP_LOCAL, NO_PEER = 0x00FFFFFE, 0xFFFFFFFF
REJECT_AFTER_MESSAGES = (1 << 64) - 1 - (1 << 13)
MACS = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 7])
limits = struct.pack('<IHHIIQ', 16, 2, 1, 180000, 0, REJECT_AFTER_MESSAGES)
keypair_next = (struct.pack('<IBBHII', 7, 2, 1, 0, 0x1234, 0x5678)
                + bytes(range(1, 33)) + bytes(range(33, 65)) + struct.pack('<QQ', 500, 9))
keypair_current = (struct.pack('<IBBHII', 3, 0, 0, 0, 1, 2)
                   + b'\x11' * 32 + b'\x22' * 32 + struct.pack('<QQ', 0, 0))
abi = {
    'add_peer': command(ADD_PEER, struct.pack('<I', 7)),
    'set_endpoint': command(SET_ENDPOINT, struct.pack('<IHH', 7, 1, 0)
                            + endpoint('192.0.2.7:51820') + endpoint('192.0.2.1:51820') + MACS),
    'install_keypair': command(INSTALL, keypair_next),
    'retire_by_index': command(RETIRE, struct.pack('<IB3xI', 7, 0xFF, 0x1234)),
    'route_local_v4': command(ADD_ROUTE, prefix('10.99.0.0/16')
                              + struct.pack('<I', NEXT_HOP_LOCAL)),
    'allowed_ip_v6': command(ADD_ALLOWED, struct.pack('<I', 7) + prefix('2001:db8:ff::/48')),
    'splice': command(ADD_SPLICE, struct.pack('<HH', 40000, 0) + endpoint('[2001:db8::1]:51820')
                      + endpoint('[2001:db8::2]:51820')),
    'set_limits': command(SET_LIMITS, struct.pack('<IIQQII', 1000, 64, 1 << 60,
                                                  REJECT_AFTER_MESSAGES, 120000, 180000)),
    'readback': command(READBACK, b''),
    'install_keypair_limits': command(INSTALL, keypair_current).ljust(320, b'\0') + limits,
    'injected_udp_payload': struct.pack('<BBHIHHI', 1, 0, 1, NO_PEER, 148, 0, 0)
                            + endpoint('192.0.2.7:51820') + bytes(28) + initiation(),
    'injected_inner_packet': struct.pack('<BBHIHHI', 2, 0, 0, 7, 84, 0, 0) + bytes(48)
                             + inner('10.99.0.1', '192.168.2.20', 84),
    'punted_initiation': struct.pack('<HHHHQ', 1, 148, 0, 0, 123456789)
                         + endpoint('[2001:db8::7]:51820') + endpoint('[2001:db8::1]:51820')
                         + bytes(8) + initiation(),
    'zero': bytes(128),
}
write('abi', abi)
