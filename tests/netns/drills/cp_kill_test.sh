#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Drill 2: the control plane is SIGKILLed under traffic and restarted; not one packet is lost.
#
#   ns ep1                         ns relay                            ns ep2
#   wireguard-go 10.0.1.2 veth0 ── r1 10.0.1.1  dataplane +  10.0.2.1 r2 ── veth0 10.0.2.2 wireguard-go
#   ping -i 0.005 ─────────────────────────────▶ controlplane ─────────────────────▶ 192.168.2.20
#                                               (kill -9, 3 s, restart)
#
# Usage: cp_kill_test.sh DRIVER(io_uring|dpdk) DATAPLANE CONTROLPLANE EDGERELAYCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 controlplane=$3 ctl=$4
. "$here/wg_topology.sh" # and lib.sh, hugepages.sh, topology.sh
wgt_prologue jq

wgt_up "$driver"

# Test that a 10 s flow (2000 numbered pings, each answered through the relay twice) loses
# nothing while the control plane is SIGKILLed 2 s in and restarted 3 s later, and that the
# restarted control plane adopts the dataplane's state: no command, no handshake.
wgt_start_flow 2000
sleep 2
kill -KILL "$cp_pid"; bg_wait "$cp_pid" || true
nsexec relay "$ctl" --socket "$wgt_sock" show >/dev/null 2>&1 && fail "control socket still answers after kill -9"
sleep 3
t0=$(date +%s.%N)
wgt_start_controlplane
t1=$(date +%s.%N)
grep 'programmed dataplane' "$(bg_err $cp_pid)"
grep -q 'found 2 peers, [1-9][0-9]* keypairs, 2 routes; sent 0 commands; started 0 handshakes' "$(bg_err $cp_pid)" ||
    fail "the restarted control plane did not adopt the state as is: $(grep programmed "$(bg_err $cp_pid)")"
wgt_finish_flow
echo "flow: sent $flow_sent, received $flow_received, missing icmp_seq $flow_missing, longest gap ${flow_gap_ms} ms; control plane reattached in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
[ "$flow_sent" -ge 2000 ] || fail "the flow sent only $flow_sent"
[ "$flow_received" -eq "$flow_sent" ] && [ "$flow_missing" = 0 ] || fail "lost $((flow_sent - flow_received)) packets across the control-plane kill"
[ "$(wgt_handshake ep1 "$wg1")" = "$hs1" ] && [ "$(wgt_handshake ep2 "$wg2")" = "$hs2" ] ||
    fail "an endpoint handshook again across the control-plane kill"
pass "control plane kill -9 under traffic ($driver): $flow_received/$flow_sent answered, 0 lost, no new handshake, state adopted"

# Test that the adopted control plane still serves the dataplane's counters, and that its
# peer manager knows the adopted keypairs: `peers` reports a session and a handshake for both.
nsexec relay "$ctl" --socket "$wgt_sock" stats --json | jq -e '.[0].tx_packets >= 4000' >/dev/null ||
    fail "stats after restart: $(nsexec relay "$ctl" --socket "$wgt_sock" stats --json)"
grep -q 'adopted [1-9][0-9]* keypairs the dataplane held' "$(bg_err $cp_pid)" ||
    fail "the restarted control plane adopted no keypair: $(grep -E 'programmed|adopted' "$(bg_err $cp_pid)")"
peers=$(nsexec relay "$ctl" --socket "$wgt_sock" peers --json)
echo "peers after the restart: $(jq -c '[.[] | {name, session, latest_handshake_seconds_ago}]' <<<"$peers")"
jq -e 'length == 2 and all(.[]; .session == true and (.latest_handshake_seconds_ago | type) == "number")' \
    <<<"$peers" >/dev/null || fail "the restarted control plane does not show the adopted sessions: $peers"
pass "restarted control plane serves the counters and shows both adopted sessions with their handshakes"

# Test that a dataplane restart after the adoption replays the adopted sessions: no command
# is missing, no handshake is started, and the endpoints do not handshake again.
kill -TERM "$dp_pid"; bg_wait "$dp_pid" || fail "edgerelay-dataplane exited with an error on SIGTERM"
wgt_start_dataplane
wait_for "[ \"\$(grep -c 'programmed dataplane' $(bg_err $cp_pid))\" = 2 ]" 15 || fail "the control plane did not program the new dataplane"
last=$(grep 'programmed dataplane' "$(bg_err $cp_pid)" | tail -1)
echo "control plane: $last"
grep -q 'found [0-9]* peers, 0 keypairs, [0-9]* routes; sent [1-9][0-9]* commands; started 0 handshakes' <<<"$last" ||
    fail "the adopting control plane did not replay the sessions to the new dataplane: $last"
nsexec ep1 ping -c 5 -i 0.2 -W 5 192.168.2.20 > "$wgt_work/ping.txt" || { cat "$wgt_work/ping.txt"; fail "no traffic after a dataplane restart behind the adopting control plane"; }
echo "handshakes: ep1 $hs1 → $(wgt_handshake ep1 "$wg1"), ep2 $hs2 → $(wgt_handshake ep2 "$wg2")"
[ "$(wgt_handshake ep1 "$wg1")" = "$hs1" ] && [ "$(wgt_handshake ep2 "$wg2")" = "$hs2" ] ||
    fail "an endpoint handshook again after the dataplane restart behind the adopting control plane"
pass "dataplane restart after the adoption: sessions replayed, 0 new handshakes, traffic back ($(grep -o '[0-9]* received' "$wgt_work/ping.txt") of 5)"
