#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Rekey (issue #5): traffic flows for 140 s between two wireguard-go endpoints through one
# relay; both sessions rekey after REKEY_AFTER_TIME (120 s) with no packet lost. The relay
# initiated ep1's session, so the relay's control plane rekeys it (the dataplane asks when it
# sends on a keypair older than 120 s); ep2 initiated its own, so wireguard-go rekeys that one.
#
#   ns ep1                         ns relay                            ns ep2
#   wireguard-go 10.0.1.2 veth0 ── r1 10.0.1.1  dataplane +  10.0.2.1 r2 ── veth0 10.0.2.2 wireguard-go
#   ping -i 0.05 (140 s) ──────────────────────▶ controlplane ─────────────────────▶ 192.168.2.20
#
# Usage: rekey_test.sh DRIVER(io_uring|dpdk) DATAPLANE CONTROLPLANE EDGERELAYCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 controlplane=$3 ctl=$4
. "$here/wg_topology.sh" # and lib.sh, hugepages.sh, topology.sh
wgt_prologue jq

wgt_up "$driver"
relay_hs() { # seconds since the relay's latest handshake with peer $1
    nsexec relay "$ctl" --socket "$wgt_sock" peers --json | jq -r ".[] | select(.name == \"$1\") | .latest_handshake_seconds_ago"
}

# Test that 2800 pings over 140 s cross one rekey of each session without a loss: both
# wireguard-go endpoints show a later handshake, and so does the relay for both peers.
wgt_start_flow_interval() { bg ep1 ping -D -n -i 0.05 -W 2 -c "$1" 192.168.2.20; flow_pid=$BG_PID; flow_out=$(bg_log $flow_pid); }
wgt_start_flow_interval 2800
sleep 100
r1=$(relay_hs ep1); r2=$(relay_hs ep2)
echo "at 100 s: relay's handshakes with ep1 ${r1} s and ep2 ${r2} s ago"
wgt_finish_flow
n1=$(wgt_handshake ep1 "$wg1"); n2=$(wgt_handshake ep2 "$wg2")
a1=$(relay_hs ep1); a2=$(relay_hs ep2)
echo "ep1 handshake $hs1 → $n1 (+$((n1 - hs1)) s), ep2 $hs2 → $n2 (+$((n2 - hs2)) s); relay: ep1 ${a1} s ago, ep2 ${a2} s ago"
echo "flow: sent $flow_sent, received $flow_received, missing $flow_missing, longest gap ${flow_gap_ms} ms"
[ "$n1" -gt "$hs1" ] || fail "ep1's session (relay-initiated) did not rekey"
[ "$n2" -gt "$hs2" ] || fail "ep2's session (ep2-initiated) did not rekey"
[ $((n1 - hs1)) -ge 120 ] && [ $((n2 - hs2)) -ge 120 ] || fail "rekeyed before REKEY_AFTER_TIME"
awk -v a="$a1" -v b="$a2" -v c="$r1" -v d="$r2" 'BEGIN { exit !(a < c && b < d) }' ||
    fail "the relay shows no newer handshake (ep1 ${r1} → ${a1} s ago, ep2 ${r2} → ${a2} s ago)"
[ "$flow_sent" -eq 2800 ] && [ "$flow_received" -eq "$flow_sent" ] && [ "$flow_missing" = 0 ] ||
    fail "lost $((flow_sent - flow_received)) pings across the rekey"
pass "rekey after $((n1 - hs1)) s (relay → ep1) and $((n2 - hs2)) s (ep2 → relay): 2800/2800 pings, longest gap ${flow_gap_ms} ms"
