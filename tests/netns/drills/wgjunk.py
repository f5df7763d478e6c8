#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
"""Unauthenticated WireGuard-shaped traffic for the unauth drill (stdlib only).

wgjunk.py send --dst IP:PORT --src IP:PORT --relay-pub B64 [--count N] [--replay HEX] [--seed S]
    Sends N packets of each category (bad mac1, valid mac1 with garbage, transport to an
    unknown index, truncated messages of every type, wrong types, reserved bytes set,
    responses and cookie replies for no pending handshake, random bytes) plus N copies of
    --replay, paced so that the relay never judges itself under load. Prints one JSON line:
    per-category counts and what the dataplane should do with them (punt to the control
    plane, drop as unknown_receiver, or drop while parsing).
    --mac1-senders FILE lists the sender indices of the messages that pass mac1.
wgjunk.py initiation PCAP SRC_IP
    Prints, in hex, the UDP payload of the first initiation (type 1) from SRC_IP in PCAP.
wgjunk.py answers PCAP SRC_IP DPORT SENDERS_FILE
    Counts what SRC_IP sent to DPORT: cookie replies to listed senders, and anything else
    (printed; exit status 1 if any).
"""
import base64, hashlib, json, random, socket, struct, sys, time

INIT, RESP, COOKIE, TRANSPORT = 1, 2, 3, 4
SIZES = {INIT: 148, RESP: 92, COOKIE: 64}


def expected(p):
    """The dataplane's classify_wg: 'punt', 'transport' (then unknown_receiver) or 'parse'."""
    if len(p) < 4 or p[0] < 1 or p[0] > 4 or any(p[1:4]):
        return "parse"
    if p[0] in SIZES:
        return "punt" if len(p) == SIZES[p[0]] else "parse"
    return "transport" if len(p) >= 32 else "parse"


def mac1(relay_pub, msg):
    key = hashlib.blake2s(b"mac1----" + relay_pub).digest()
    return hashlib.blake2s(msg, key=key, digest_size=16).digest()


def header(t):
    return struct.pack("<I", t)


def categories(rng, relay_pub, replay):
    rb = rng.randbytes

    def init_bad_mac1():
        return header(INIT) + rb(144)

    def init_garbage_valid_mac1():
        body = header(INIT) + rb(112)
        return body + mac1(relay_pub, body) + bytes(16)

    def response_no_pending():
        body = header(RESP) + rb(56)
        return body + mac1(relay_pub, body) + bytes(16)

    def cookie_no_pending():
        return header(COOKIE) + rb(60)

    def transport_unknown_index():
        return header(TRANSPORT) + rb(12) + rb(16 * rng.randint(1, 8))

    def truncated():
        t = rng.choice([INIT, RESP, COOKIE, TRANSPORT])
        full = SIZES.get(t, 32)
        return (header(t) + rb(200))[: rng.randint(0, full - 1)]

    def wrong_type():
        return bytes([rng.choice([0] + list(range(5, 256)))]) + bytes(3) + rb(rng.choice([28, 60, 88, 144]))

    def reserved_set():
        t = rng.choice([INIT, RESP, COOKIE, TRANSPORT])
        return bytes([t, rng.randint(1, 255), 0, 0]) + rb(SIZES.get(t, 64) - 4)

    def random_bytes():
        return rb(rng.randint(0, 300))

    cats = [init_bad_mac1, init_garbage_valid_mac1, response_no_pending, cookie_no_pending,
            transport_unknown_index, truncated, wrong_type, reserved_set, random_bytes]
    out = [(f.__name__, f) for f in cats]
    if replay:
        out.append(("replayed_initiation", lambda: replay))
    return out


def send(args):
    dst = args["--dst"].rsplit(":", 1)
    src = args["--src"].rsplit(":", 1)
    relay_pub = base64.b64decode(args["--relay-pub"])
    count = int(args.get("--count", "200"))
    rng = random.Random(int(args.get("--seed", "1")))
    replay = bytes.fromhex(args["--replay"]) if args.get("--replay") else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src[0], int(src[1])))
    summary = {"sent": 0, "punt": 0, "transport": 0, "parse": 0, "categories": {}}
    mac1_valid = set()  # sender indices a cookie reply under load may answer
    for name, make in categories(rng, relay_pub, replay):
        per = {"punt": 0, "transport": 0, "parse": 0}
        valid = name in ("init_garbage_valid_mac1", "response_no_pending", "replayed_initiation")
        for _ in range(count):
            p = make()
            per[expected(p)] += 1
            if valid:
                mac1_valid.add(p[4:8].hex())
            s.sendto(p, (dst[0], int(dst[1])))
            # ~2000/s, and 300/s for what passes mac1 (the control plane's work): far below
            # what the punt ring absorbs while the control plane keeps up.
            time.sleep(0.003 if valid else 0.0005)
        summary["categories"][name] = per
        for k, v in per.items():
            summary[k] += v
        summary["sent"] += count
    if args.get("--mac1-senders"):
        with open(args["--mac1-senders"], "w") as f:
            f.write("\n".join(sorted(mac1_valid)) + "\n")
    print(json.dumps(summary))


def udp_payloads(pcap, src_ip, dport=None):
    """(destination port, UDP payload) of every IPv4 UDP datagram from src_ip in pcap."""
    data = open(pcap, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    want = socket.inet_aton(src_ip)
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:
            if frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked capture
            ip = frame[16:]
        else:
            ip = frame
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17 or ip[12:16] != want:
            continue
        ihl = (ip[0] & 15) * 4
        port = struct.unpack(">H", ip[ihl + 2:ihl + 4])[0]
        if dport is None or port == dport:
            yield port, ip[ihl + 8:]


def initiation(pcap, src_ip):
    for _, payload in udp_payloads(pcap, src_ip):
        if len(payload) == 148 and payload[0] == INIT:
            print(payload.hex())
            return 0
    return 1


def answers(pcap, src_ip, dport, senders_file):
    """Prints every datagram src_ip sent to dport; exits 1 unless each is a cookie reply to a
    mac1-valid message the attacker sent (WireGuard's answer when the relay is under load)."""
    senders = set(open(senders_file).read().split())
    cookies = others = 0
    for _, p in udp_payloads(pcap, src_ip, int(dport)):
        ok = len(p) == 64 and p[0] == COOKIE and p[4:8].hex() in senders
        cookies += ok
        others += not ok
        if not ok:
            print("answer: type %d, %d bytes, %s" % (p[0] if p else -1, len(p), p[:16].hex()))
    print("cookie_replies=%d other=%d" % (cookies, others))
    return 1 if others else 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "send":
        args = dict(zip(argv[1::2], argv[2::2]))
        send(args)
        return 0
    if len(argv) == 3 and argv[0] == "initiation":
        return initiation(argv[1], argv[2])
    if len(argv) == 5 and argv[0] == "answers":
        return answers(argv[1], argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
