#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Drill (scenario 5): replays, duplicates and reordering up to twice the anti-replay window on the underlay; the relay drops exactly the replays.
#
#   ns ep1 (wgflow send)     ns wire1                      ns relay                ns ep2
#   10.0.1.2 veth0 ──── w1 [impair: reorder, dup, ──── r1 10.0.1.1  edgerelay-  r2 ──── veth0 10.0.2.2
#                           late copies, oracle] w2         dataplane  10.0.2.1       (wgflow recv)
#
# Usage: replay_test.sh DRIVER(io_uring|dpdk) DATAPLANE WGFLOW ER_PROGRAM IMPAIR
#
# The impairer's --wg-window oracle replays what it wrote toward the relay through a plain
# model of an 8128-counter window (a set and the highest counter), so every assertion is an
# exact count: the relay's replay drops equal the oracle's replays plus stale messages, and
# ep2 gets exactly the messages the oracle accepted, each once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 wgflow=$3 er_program=$4 impair=$5
. "$here/../lib.sh"
. "$here/../../lib/hugepages.sh"
. "$here/topology.sh"
require_root
trap 'rc=$?; [ $rc -eq 0 ] || relay_report; cleanup; hugepages_restore' EXIT INT TERM

seed=${DRILL_SEED:-$RANDOM}
echo "drill seed: $seed (rerun with DRILL_SEED=$seed)"
drill_setup "$driver" 0
drill_start_relay
window=8128
rate=5000
count=40000

# Test that duplicates (immediate and 16000 messages late), sender-side replays and
# reordering within the window deliver every message exactly once: nothing valid is lost,
# no duplicate gets through.
drill_start_impair --seed "$seed" --wg-window $window --direction ab \
    --reorder 0.3 --reorder-depth 64 --duplicate 0.1 --duplicate-late 0.05,16000
bg ep2 "$wgflow" "${ep2_args[@]}" --timeout 40 recv --expect $count; rx=$BG_PID
wait_udp_listen ep2 51820 5 || true
nsexec ep1 "$wgflow" "${ep1_args[@]}" --timeout 40 send --count $count --rate $rate --size 100 \
    --duplicate-every 100 --duplicate-lag 64 > "$drill_work/send1.json" || fail "sender 1 failed"
bg_wait $rx || { cat "$(bg_log $rx)"; fail "phase 1: ep2 did not get every message exactly once"; }
sleep 0.5 # the reorder timeout lets the last held messages out; nothing may be pending
drill_stop_impair; j1=$impair_json
cat "$j1"
dup_sent=$(json_field "$drill_work/send1.json" dup_sent)
acc1=$(impair_field "$j1" ab wg_accepted); rep1=$(impair_field "$j1" ab wg_replayed)
stale1=$(impair_field "$j1" ab wg_stale); dup1=$(impair_field "$j1" ab duplicated)
[ "$(impair_field "$j1" ab pending)" = 0 ] || fail "phase 1: impair still held messages"
[ "$(impair_field "$j1" ab reordered)" -gt 1000 ] || fail "phase 1: too little reordering to mean anything"
[ "$stale1" -gt 0 ] || fail "phase 1: no late copy fell out of the window"
[ "$acc1" -eq $count ] || fail "phase 1: the oracle saw $acc1 fresh messages, not $count (reordering beyond the window?)"
[ $((rep1 + stale1)) -eq $((dup1 + dup_sent)) ] ||
    fail "phase 1: oracle replays $rep1 + stale $stale1 != impair copies $dup1 + wgflow copies $dup_sent"
grep -q '"duplicates":0' "$(bg_log $rx)" || fail "phase 1: duplicates reached ep2"
pass "phase 1: $count unique, 0 duplicates at ep2; injected $dup1 impair copies + $dup_sent sender replays ($stale1 older than the window)"

# Test that messages held back behind up to 16000 later ones (twice the window) are
# delivered when still inside the window at arrival and dropped when older, and nothing else.
drill_start_impair --seed "$((seed + 1))" --wg-window $window --direction ab \
    --reorder 0.01 --reorder-depth 16000 --reorder-timeout 5000 --duplicate-late 0.02,12000
bg ep2 "$wgflow" "${ep2_args[@]}" --timeout 40 recv --expect $count --min-ratio 0.5 --idle 7; rx=$BG_PID
wait_udp_listen ep2 51820 5 || true
nsexec ep1 "$wgflow" "${ep1_args[@]}" --counter-start 100000 --timeout 40 send --count $count \
    --rate $rate --size 100 > "$drill_work/send2.json" || fail "sender 2 failed"
bg_wait $rx || { cat "$(bg_log $rx)"; fail "phase 2: receiver failed"; }
drill_stop_impair; j2=$impair_json
cat "$j2"
acc2=$(impair_field "$j2" ab wg_accepted); rep2=$(impair_field "$j2" ab wg_replayed)
stale2=$(impair_field "$j2" ab wg_stale); dup2=$(impair_field "$j2" ab duplicated)
[ "$(impair_field "$j2" ab pending)" = 0 ] || fail "phase 2: impair still held messages"
unique2=$(json_field "$(bg_log $rx)" unique)
[ "$unique2" -eq "$acc2" ] || fail "phase 2: ep2 got $unique2 unique messages, the oracle accepted $acc2"
[ $((acc2 + stale2 + rep2)) -eq $((count + dup2)) ] || fail "phase 2: oracle totals do not add up"
[ $((count - acc2)) -gt 0 ] || fail "phase 2: no original fell out of the window"
grep -q '"duplicates":0' "$(bg_log $rx)" || fail "phase 2: duplicates reached ep2"
pass "phase 2: $unique2 of $count delivered = oracle; $((count - acc2)) originals older than the window at arrival dropped, $dup2 late copies"

# Test that the relay dropped exactly the replays of both phases, all as `replay`, and
# decrypted exactly the messages the oracle accepted.
drill_stop_relay
grep '^worker 0' "$relay_log"
want_replay=$((rep1 + stale1 + rep2 + stale2))
got_replay=$(relay_drop replay)
[ "$got_replay" -eq "$want_replay" ] || fail "relay replay drops $got_replay, expected $want_replay"
[ "$(relay_counter drops)" -eq "$got_replay" ] || fail "relay dropped something other than replays"
[ "$(relay_counter decrypted)" -eq $((acc1 + acc2)) ] || fail "relay decrypted $(relay_counter decrypted), expected $((acc1 + acc2))"
pass "relay: replay=$got_replay = oracle ($rep1+$stale1 phase 1, $rep2+$stale2 phase 2), decrypted=$((acc1 + acc2)), no other drop"
