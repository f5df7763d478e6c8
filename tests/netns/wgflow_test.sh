#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# wgflow against itself: B plays the relay for A, so the test endpoint is trusted before it is
# used to judge edgerelay-dataplane.
#
#   ┌──────────── ns a ─────────────┐          ┌──────────── ns b ─────────────┐
#   │ wgflow send / tun wga         │          │ wgflow recv / echo / tun wgb  │
#   │ underlay 10.0.0.1:51820       │  veth0   │ underlay 10.0.0.2:51820       │
#   │          fd00::1 (case 6)     ├──────────┤          fd00::2 (case 6)     │
#   │ inner    10.9.0.1, fd09::1    │          │ inner    10.9.0.2, fd09::2    │
#   └───────────────────────────────┘          └───────────────────────────────┘
#   keys: A seals with K1, B opens with K1; B seals with K2, A opens with K2.
#   indices: A writes 200 (B's local index), B writes 100 (A's local index).
#
# Usage: wgflow_test.sh [WGFLOW [ER_PROGRAM]]   (or $WGFLOW / $ER_PROGRAM); needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

WGFLOW=${1:-${WGFLOW:-}}
ER_PROGRAM=${2:-${ER_PROGRAM:-}}
[ -x "$WGFLOW" ] || { echo "usage: $0 WGFLOW [ER_PROGRAM]" >&2; exit 2; }
require_root
trap cleanup EXIT INT TERM

if [ -x "$ER_PROGRAM" ]; then
    mapfile -t keys < <("$ER_PROGRAM" --gen-keys)
    K1=${keys[0]}
    K2=${keys[1]}
else
    K1=$(head -c 32 /dev/urandom | base64)
    K2=$(head -c 32 /dev/urandom | base64)
fi
WRONG=$(head -c 32 /dev/urandom | base64)

netns_add a
netns_add b
veth_pair a veth0 10.0.0.1/24 b veth0 10.0.0.2/24
nsexec a ip addr add fd00::1/64 dev veth0 nodad
nsexec b ip addr add fd00::2/64 dev veth0 nodad

# Common arguments of each side; the far end's keys and indices mirror them.
A=(--listen 10.0.0.1:51820 --relay 10.0.0.2:51820 --send-key "$K1" --recv-key "$K2"
   --local-index 100 --remote-index 200 --src 10.9.0.1 --dst 10.9.0.2)
B=(--listen 10.0.0.2:51820 --send-key "$K2" --recv-key "$K1"
   --local-index 200 --remote-index 100 --src 10.9.0.2 --dst 10.9.0.1)

# Starts B with extra arguments and waits until its socket is bound; sets B_PID.
start_b() {
    bg b "$WGFLOW" "$@"
    B_PID=$BG_PID
    wait_udp_listen b 51820 ||
        fail "wgflow in b never bound its socket: $(cat "$(bg_err "$B_PID")")"
}

# Waits for B and checks its exit status; B_JSON is its summary file.
finish_b() {
    local want_rc=$1 rc=0
    bg_wait "$B_PID" || rc=$?
    B_JSON=$(bg_log "$B_PID")
    echo "  b: $(cat "$B_JSON")"
    [ "$rc" -eq "$want_rc" ] || fail "b exited $rc, expected $want_rc: $(cat "$(bg_err "$B_PID")")"
}

expect_field() {
    local file=$1 field=$2 want=$3 got
    got=$(json_field "$file" "$field")
    [ "$got" = "$want" ] || fail "$field is '$got', expected $want ($(cat "$file"))"
}

# Test that 2000 packets sent at 2000 pps all arrive, once each, with nothing replayed or
# forged, and keepalives counted apart from data.
start_b "${B[@]}" recv --expect 2000 --timeout 20 --progress
nsexec a "$WGFLOW" "${A[@]}" send --count 2000 --rate 2000 --size 100 --keepalive-every 100 \
    --timeout 20 > "$NETNS_TMP/a1.json" || fail "sender failed: $(cat "$NETNS_TMP/a1.json")"
echo "  a: $(cat "$NETNS_TMP/a1.json")"
finish_b 0
expect_field "$B_JSON" unique 2000
expect_field "$B_JSON" duplicates 0
expect_field "$B_JSON" replayed 0
expect_field "$B_JSON" bad_tag 0
expect_field "$B_JSON" lost 0
# The 20th keepalive follows the 2000th packet, so B may stop just before it arrives.
ka=$(json_field "$B_JSON" keepalives)
[ "$ka" -ge 19 ] && [ "$ka" -le 20 ] || fail "keepalives is $ka, expected 19 or 20"
pass "2000 packets delivered once each, $ka keepalives"

# Test that resending every 10th message unchanged is caught by the receiver's replay window:
# 200 replays dropped, all 2000 packets delivered, no duplicate reaches the inner layer.
start_b "${B[@]}" recv --expect 2000 --timeout 20
nsexec a "$WGFLOW" "${A[@]}" send --count 2000 --rate 2000 --duplicate-every 10 \
    --duplicate-lag 5 --timeout 20 > "$NETNS_TMP/a2.json" || fail "sender failed"
echo "  a: $(cat "$NETNS_TMP/a2.json")"
expect_field "$NETNS_TMP/a2.json" dup_sent 200
finish_b 0
expect_field "$B_JSON" unique 2000
expect_field "$B_JSON" replayed 200
expect_field "$B_JSON" duplicates 0
pass "200 replayed messages dropped by the replay window"

# Test that a receiver with the wrong key counts every message as bad_tag and fails.
start_b --listen 10.0.0.2:51820 --send-key "$K2" --recv-key "$WRONG" --local-index 200 \
    --src 10.9.0.2 recv --expect 100 --idle 1 --timeout 10
nsexec a "$WGFLOW" "${A[@]}" send --count 100 --rate 1000 > /dev/null || fail "sender failed"
finish_b 1
expect_field "$B_JSON" bad_tag 100
expect_field "$B_JSON" unique 0
pass "wrong key: 100 bad tags, non-zero exit"

# Test that a receiver listening for another index drops everything as bad_index.
start_b --listen 10.0.0.2:51820 --send-key "$K2" --recv-key "$K1" --local-index 201 \
    --src 10.9.0.2 recv --expect 50 --idle 1 --timeout 10
nsexec a "$WGFLOW" "${A[@]}" send --count 50 --rate 1000 > /dev/null || fail "sender failed"
finish_b 1
expect_field "$B_JSON" bad_index 50
pass "wrong receiver index: 50 dropped"

# Test that echo answers every packet and the sender measures round trips.
start_b "${B[@]}" echo --count 500 --timeout 20
nsexec a "$WGFLOW" "${A[@]}" send --count 500 --rate 1000 --expect-echo --linger 2 \
    > "$NETNS_TMP/a5.json" || fail "echo round trip failed: $(cat "$NETNS_TMP/a5.json")"
echo "  a: $(cat "$NETNS_TMP/a5.json")"
expect_field "$NETNS_TMP/a5.json" unique 500
expect_field "$NETNS_TMP/a5.json" wrong_dst 0
finish_b 0
expect_field "$B_JSON" echoed 500
pass "500 echoes, rtt measured"

# Test that an IPv6 underlay carrying IPv6 inner packets works the same way.
start_b --listen "[fd00::2]:51820" --send-key "$K2" --recv-key "$K1" --local-index 200 \
    --src fd09::2 recv --expect 300 --timeout 20
nsexec a "$WGFLOW" --listen "[fd00::1]:51820" --relay "[fd00::2]:51820" --send-key "$K1" \
    --recv-key "$K2" --local-index 100 --remote-index 200 --src fd09::1 --dst fd09::2 \
    send --count 300 --rate 3000 > /dev/null || fail "IPv6 sender failed"
finish_b 0
expect_field "$B_JSON" unique 300
pass "IPv6 in IPv6: 300 packets"

# Test that recorded messages played back later are all refused as replays, while the
# originals were accepted (the drill a relay's replay protection must pass).
start_b "${B[@]}" recv --expect 200 --min-ratio 0.5 --idle 1.5 --timeout 20
nsexec a "$WGFLOW" "${A[@]}" send --count 100 --rate 1000 --record "$NETNS_TMP/rec.bin" \
    > /dev/null || fail "recording sender failed"
nsexec a "$WGFLOW" --listen 10.0.0.1:51820 --relay 10.0.0.2:51820 replay \
    --from "$NETNS_TMP/rec.bin" --rate 1000 > "$NETNS_TMP/a7.json" || fail "replay failed"
expect_field "$NETNS_TMP/a7.json" dup_sent 100
finish_b 0
expect_field "$B_JSON" unique 100
expect_field "$B_JSON" replayed 100
pass "100 recorded messages replayed and refused"

# Test that two TUN bridges carry kernel traffic: ping across the tunnel.
if [ -c /dev/net/tun ] && command -v ping >/dev/null; then
    nsexec a ip tuntap add dev wga mode tun
    nsexec b ip tuntap add dev wgb mode tun
    nsexec a ip addr add 10.9.0.1/24 dev wga
    nsexec b ip addr add 10.9.0.2/24 dev wgb
    nsexec a ip link set wga up mtu 1420
    nsexec b ip link set wgb up mtu 1420
    bg b "$WGFLOW" --listen 10.0.0.2:51820 --relay 10.0.0.1:51820 --send-key "$K2" \
        --recv-key "$K1" --local-index 200 --remote-index 100 --tun wgb --timeout 30
    TB=$BG_PID
    bg a "$WGFLOW" --listen 10.0.0.1:51820 --relay 10.0.0.2:51820 --send-key "$K1" \
        --recv-key "$K2" --local-index 100 --remote-index 200 --tun wga --timeout 30
    TA=$BG_PID
    wait_udp_listen a 51820 && wait_udp_listen b 51820 || fail "tun bridges did not start"
    nsexec a ping -c 5 -i 0.2 -W 2 10.9.0.2 > "$NETNS_TMP/ping.txt" \
        || fail "ping over the tunnel failed: $(cat "$NETNS_TMP/ping.txt")"
    grep -q " 0% packet loss" "$NETNS_TMP/ping.txt" || fail "ping lost packets"
    kill -TERM "$TA" "$TB"
    bg_wait "$TA"
    echo "  a: $(cat "$(bg_log "$TA")")"
    pass "ping over two TUN bridges"
else
    echo "SKIP: no /dev/net/tun or ping; TUN case not run"
fi

echo "PASS: wgflow"
