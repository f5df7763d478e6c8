#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Drill 3: edgerelay-dataplane is restarted under traffic; the control plane replays its
# sessions into the new one and traffic resumes without a new handshake.
#
#   ns ep1                         ns relay                            ns ep2
#   wireguard-go 10.0.1.2 veth0 ── r1 10.0.1.1  dataplane +  10.0.2.1 r2 ── veth0 10.0.2.2 wireguard-go
#   ping -i 0.005 ─────────────────────────────▶ controlplane ─────────────────────▶ 192.168.2.20
#                                  (dataplane stopped and started again)
#
# Usage: dp_restart_test.sh DRIVER(io_uring|dpdk) DATAPLANE CONTROLPLANE EDGERELAYCTL [SIGNAL]
# SIGNAL (default TERM) is what stops the dataplane: KILL leaves its segment behind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 controlplane=$3 ctl=$4 signal=${5:-TERM}
. "$here/wg_topology.sh" # and lib.sh, hugepages.sh, topology.sh
wgt_prologue jq

wgt_up "$driver"

# Test that after a dataplane restart 2 s into a numbered flow, the control plane replays
# peers, keypairs and routes (no handshake), the flow resumes and runs to its end without
# further loss, and neither wireguard-go endpoint handshakes again.
count=2400
wgt_start_flow $count
sleep 2
t0=$(date +%s.%N)
kill -"$signal" "$dp_pid"; bg_wait "$dp_pid" || [ "$signal" != TERM ] || fail "edgerelay-dataplane exited with an error on SIGTERM"
wgt_start_dataplane
t1=$(date +%s.%N)
wait_for "[ \"\$(grep -c 'programmed dataplane' $(bg_err $cp_pid))\" = 2 ]" 15 || fail "the control plane did not replay into the new dataplane"
t2=$(date +%s.%N)
replay=$(grep 'programmed dataplane' "$(bg_err $cp_pid)" | tail -1)
echo "control plane: $replay"
grep -q 'started 0 handshakes' <<<"$replay" || fail "the replay started handshakes"
wgt_finish_flow
# The flow's last 2 s (400 pings) come after the restart: every one must be answered.
tail_missing=$(awk -v n="$flow_sent" '/icmp_seq=/ { sub(/.*icmp_seq=/, ""); seen[$1 + 0] = 1 }
    END { m = 0; for (i = n - 399; i <= n; i++) if (!(i in seen)) m++; print m }' "$flow_out")
echo "flow: sent $flow_sent, received $flow_received, missing icmp_seq $flow_missing, longest gap ${flow_gap_ms} ms;" \
     "dataplane down→ready $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, replayed $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.2f", b-a}') s later"
[ "$flow_sent" -ge $count ] || fail "the flow sent only $flow_sent"
[ "$tail_missing" = 0 ] || fail "$tail_missing of the last 400 pings (after the restart) unanswered"
[ "$flow_received" -gt $((count / 2)) ] || fail "the flow mostly failed"
[ "$(wgt_handshake ep1 "$wg1")" = "$hs1" ] && [ "$(wgt_handshake ep2 "$wg2")" = "$hs2" ] ||
    fail "an endpoint handshook again after the dataplane restart"
nsexec relay "$ctl" --socket "$wgt_sock" stats --json | jq -e '.[0].tx_packets >= 800' >/dev/null ||
    fail "the new dataplane did not forward: $(nsexec relay "$ctl" --socket "$wgt_sock" stats --json)"
pass "dataplane restart (SIG$signal, $driver): gap ${flow_gap_ms} ms, lost $((flow_sent - flow_received)) of $flow_sent, then none; no new handshake"
