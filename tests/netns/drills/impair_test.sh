#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Self-test of tools/impair: each impairment, between two wgflow endpoints, does what it says and its counts are exact.
#
#   ns ep1 (wgflow send)          ns wire1                         ns ep2 (wgflow recv)
#   10.0.1.2 veth0 ──── w1 [impair (no kernel bridge)] w2 ──── veth0 10.0.1.3
#
# Usage: impair_test.sh WGFLOW ER_PROGRAM IMPAIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wgflow=$1 er_program=$2 impair=$3
. "$here/../lib.sh"
. "$here/topology.sh"
require_root
trap cleanup EXIT INT TERM

seed=${DRILL_SEED:-$RANDOM}
echo "drill seed: $seed (rerun with DRILL_SEED=$seed)"
drill_netns ep1; drill_netns wire1; drill_netns ep2
drill_wire_pair ep1 veth0 10.0.1.2/24 wire1 w1
drill_wire_pair ep2 veth0 10.0.1.3/24 wire1 w2
drill_work=$(mktemp -d "$NETNS_TMP/drill.XXXXXX")
k1=$("$er_program" --gen-keys | head -1); k2=$("$er_program" --gen-keys | head -1)
a=(--listen 10.0.1.2:51820 --relay 10.0.1.3:51820 --send-key "$k1" --recv-key "$k2"
   --local-index 9 --remote-index 7 --src 10.9.0.1 --dst 10.9.0.2)
b=(--listen 10.0.1.3:51820 --send-key "$k2" --recv-key "$k1" --local-index 7 --remote-index 9
   --src 10.9.0.2)
count=5000

# Runs one case: impair with ARGS..., ep1 sends $count packets at 5000 pps to ep2; leaves the
# receiver's summary in $rx_json and the impairer's in $impair_json.
run_case() {
    drill_start_impair --seed "$seed" "$@"
    bg ep2 "$wgflow" "${b[@]}" --timeout 20 recv --expect $count --min-ratio 0 --idle 2; local rx=$BG_PID
    wait_udp_listen ep2 51820 5 || true
    nsexec ep1 "$wgflow" "${a[@]}" --timeout 20 send --count $count --rate 5000 --size 100 >/dev/null ||
        fail "sender failed"
    bg_wait $rx || true
    rx_json=$(bg_log $rx)
    sleep 0.3
    drill_stop_impair
    echo "  $(tail -1 "$rx_json")"
    echo "  $(cat "$impair_json")"
}
f() { json_field "$rx_json" "$1"; }
g() { impair_field "$impair_json" ab "$1"; }

# Test that a plain forwarder carries everything, ARP included (untouched with
# --only-udp-port), so the endpoints resolve each other through it.
run_case
[ "$(f unique)" -eq $count ] || fail "plain: $(f unique) of $count"
pass "plain: $count of $count"

# Test that Bernoulli loss drops exactly what it counts, about P of the packets.
run_case --direction ab --loss 0.1
[ "$(f unique)" -eq $((count - $(g dropped))) ] || fail "loss: $(f unique) != $count - $(g dropped)"
[ "$(g dropped)" -gt 350 ] && [ "$(g dropped)" -lt 650 ] || fail "loss: $(g dropped) dropped, far from 10 %"
pass "loss 0.1: dropped $(g dropped)"

# Test that Gilbert-Elliott loss drops in bursts, exactly what it counts.
run_case --direction ab --loss-burst 0.01,0.2
[ "$(f unique)" -eq $((count - $(g dropped))) ] || fail "burst: $(f unique) != $count - $(g dropped)"
[ "$(g dropped)" -gt 50 ] || fail "burst: only $(g dropped) dropped"
pass "loss-burst 0.01,0.2: dropped $(g dropped), max gap $(f max_gap_ms) ms"

# Test that delay with jitter reorders but loses nothing.
run_case --direction ab --delay 20 --jitter 10
[ "$(f unique)" -eq $count ] || fail "jitter: $(f unique) of $count"
[ "$(f reordered)" -gt 0 ] || fail "jitter: nothing reordered"
pass "delay 20 jitter 10: $(f reordered) reordered at ep2"

# Test that a corrupted frame never gets through: every flipped byte (headers or sealed
# payload) makes the frame undeliverable, so exactly the corrupted ones are missing.
run_case --direction ab --corrupt 0.05
[ "$(f unique)" -eq $((count - $(g corrupted))) ] || fail "corrupt: $(f unique) != $count - $(g corrupted)"
[ "$(g corrupted)" -gt 100 ] || fail "corrupt: only $(g corrupted) corrupted"
pass "corrupt 0.05: $(g corrupted) corrupted, bad_tag $(f bad_tag) at ep2"

# Test that duplicates reach the receiver's replay check and are counted as replayed there.
run_case --direction ab --duplicate 0.05 --reorder 0.1 --reorder-depth 8
[ "$(f unique)" -eq $count ] || fail "duplicate: $(f unique) of $count"
[ "$(f replayed)" -eq "$(g duplicated)" ] || fail "duplicate: ep2 replayed $(f replayed) != $(g duplicated)"
pass "duplicate 0.05 + reorder: $(g duplicated) copies all caught as replays, $(g reordered) held back"

# Test that payload corruption with a recomputed UDP checksum reaches the receiver, whose
# checks catch every one: as a bad tag, or a bad index/header/counter when the flip hit those.
run_case --direction ab --corrupt-payload 0.05
caught=$(( $(f bad_tag) + $(f bad_index) + $(f malformed) + $(f replayed) ))
[ "$(f unique)" -eq $((count - $(g corrupted))) ] || fail "corrupt-payload: $(f unique) != $count - $(g corrupted)"
[ "$caught" -eq "$(g corrupted)" ] || fail "corrupt-payload: receiver caught $caught of $(g corrupted)"
[ "$(f bad_tag)" -gt 0 ] || fail "corrupt-payload: no bad tag at all"
pass "corrupt-payload 0.05: $(g corrupted) corrupted, all caught (bad_tag $(f bad_tag))"
