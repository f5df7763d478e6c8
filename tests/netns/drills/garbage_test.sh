#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Drill (scenario 6): a garbage flood at several times the legitimate rate hits the relay's overlay port; the flow survives and every garbage message is counted under its reason.
#
#   ns ep1 (wgflow send)     ns wire1                 ns relay                       ns ep2
#   10.0.1.2 veth0 ──── w1 [impair: plain] w2 ──── r1 10.0.1.1   edgerelay-  r2 ──── veth0 10.0.2.2
#                                                               dataplane   10.0.2.1     (wgflow recv)
#                                                  r3 10.0.3.1
#                                                      │
#                                      ns flood  veth0 10.0.3.2  (impair flood: random bytes,
#                                      truncated messages of each type, forged transport with
#                                      unknown index / known index and bad tag, initiations
#                                      with a bad mac1)
#
# Usage: garbage_test.sh DRIVER(io_uring|dpdk) DATAPLANE WGFLOW ER_PROGRAM IMPAIR
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
drill_setup "$driver" 1
drill_start_relay
# The wire namespace only forwards here: the garbage comes from its own namespace.
drill_start_impair --seed "$seed"
rate=2000
count=20000
flood_rate=$((4 * rate))
flood_count=$((4 * count))

# Test that a legitimate flow keeps at least 99 % of its packets while garbage at four times
# its rate hits the same overlay port from another address.
bg ep2 "$wgflow" "${ep2_args[@]}" --timeout 40 recv --expect $count --min-ratio 0.99 --idle 3; rx=$BG_PID
wait_udp_listen ep2 51820 5 || true
bg flood "$impair" flood --to 10.0.3.1:51820 --from 10.0.3.2 --rate $flood_rate \
    --count $flood_count --seed "$seed" --index 100; flood_pid=$BG_PID
nsexec ep1 "$wgflow" "${ep1_args[@]}" --timeout 40 send --count $count --rate $rate --size 200 \
    > "$drill_work/send.json" || fail "sender failed"
bg_wait $flood_pid || fail "flooder failed: $(cat "$(bg_log $flood_pid)" "$(bg_err $flood_pid)")"
bg_wait $rx || { cat "$(bg_log $rx)"; fail "the legitimate flow lost more than 1 %"; }
flood_json=$(grep '^{' "$(bg_log $flood_pid)")
echo "$flood_json"
unique=$(json_field "$(bg_log $rx)" unique)
grep -q '"duplicates":0' "$(bg_log $rx)" || fail "duplicates reached ep2"
pass "legitimate flow: $unique of $count delivered under a flood of $flood_count at $flood_rate pps"

drill_stop_impair
drill_stop_relay
grep '^worker 0' "$relay_log"

# Prints the flooder's expected count for relay REASON.
expect() {
    local n
    n=$(sed -n "s/.*\"expect\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" <<<"$flood_json")
    echo "${n:-0}"
}

# Test that every garbage kind is counted under its own reason, exactly as many as were sent:
# truncated and malformed framing under wg_*, forged transport messages with an unknown index
# as unknown_receiver and with our index but a bad tag as auth_failed.
reasons=$(sed -n 's/.*"expect":{\([^}]*\)}.*/\1/p' <<<"$flood_json" | tr ',' '\n' | sed 's/"//g; s/:.*//')
want_drops=0
for reason in $reasons; do
    [ "$reason" = punted ] && continue
    want=$(expect "$reason"); got=$(relay_drop "$reason")
    [ "$got" -eq "$want" ] || fail "relay drop $reason=$got, the flood sent $want"
    want_drops=$((want_drops + want))
    pass "$reason: $got = injected"
done

# Test that correctly sized handshake messages (initiations with a bad mac1) are punted, not
# dropped: only the control plane can check mac1, and none runs here, so the punt ring fills
# and the rest shows as punt_full.
punted=$(relay_counter punted); punt_full=$(relay_drop punt_full)
[ $((punted + punt_full)) -eq "$(expect punted)" ] ||
    fail "punted $punted + punt_full $punt_full != forged initiations $(expect punted)"
want_drops=$((want_drops + punt_full))
pass "punted=$punted + punt_full=$punt_full = forged initiations $(expect punted)"

# Test that the drops add up exactly to the garbage: nothing of the legitimate flow, and no
# unexplained drop.
[ "$(relay_counter drops)" -eq "$want_drops" ] || fail "relay drops $(relay_counter drops), injected $want_drops"
[ "$(relay_counter decrypted)" -eq "$unique" ] || fail "relay decrypted $(relay_counter decrypted), ep2 got $unique"
pass "relay drops=$want_drops = garbage, decrypted=$unique = delivered"
