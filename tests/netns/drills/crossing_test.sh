#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Crossing initiations: the relay and wireguard-go call each other at the same moment, again and
# again. Each end accepts the other's initiation while its own is in flight; the relay must
# still complete a session from the response to its own, so that traffic flows at once. (Found
# as the mesh test's rare "no ping epA → epB": the relay retried its start-up initiation as the
# endpoint came up and called too; wireguard-go then lost the receive index of the session it
# had completed, and nothing recovered it.)
#
#   ns ep1                         ns relay                            ns ep2
#   wireguard-go 10.0.1.2 veth0 ── r1 10.0.1.1  dataplane +  10.0.2.1 r2 ── veth0 10.0.2.2 wireguard-go
#   (re-added with an endpoint     controlplane (ep1 re-added by a         ping → 192.168.1.10
#    and keepalive: it calls)      reload: it calls)
#
# Each round removes ep1 on both ends, then re-adds it on both at once (a relay reload and a
# `wg set` within 0-20 ms of each other). One ping from ep2 to ep1 must be answered within
# 3 s; with the crossing refused it is dropped for want of a keypair. Rounds go on until the
# relay has counted 3 crossings (about one round in three crosses here), at most 40 rounds.
#
# Usage: crossing_test.sh DRIVER(io_uring|dpdk) DATAPLANE CONTROLPLANE EDGERELAYCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 controlplane=$3 ctl=$4
. "$here/wg_topology.sh" # and lib.sh, hugepages.sh, topology.sh
wgt_prologue jq curl

wgt_up "$driver"
handshake_count() { # result label of edgerelay_handshakes_total
    nsexec relay curl -sf -m 2 http://127.0.0.1:4040/metrics |
        awk -v r="result=\"$1\"" 'index($0, r) && /^edgerelay_handshakes_total/ { print $2 }'
}
# ep1 is "ep1" or "ep1x" in the relay's configuration: renaming it makes the reload re-add it.
toggle_ep1() {
    if grep -q 'name: ep1x$' "$wgt_work/relay.yaml"; then
        sed -i 's/name: ep1x$/name: ep1/; s/via: ep1x}/via: ep1}/' "$wgt_work/relay.yaml"
    else
        sed -i 's/name: ep1$/name: ep1x/; s/via: ep1}/via: ep1x}/' "$wgt_work/relay.yaml"
    fi
}

rounds=0 crossed=0
while [ "$crossed" -lt 3 ] && [ "$rounds" -lt 40 ]; do
    rounds=$((rounds + 1))
    nsexec ep1 wg set "$wg1" peer "$relay_pub" remove
    toggle_ep1
    sleep 0.3
    ( sleep "0.$(printf %03d $((RANDOM % 20)))"; kill -HUP "$cp_pid" ) & hup=$!
    nsexec ep1 wg set "$wg1" peer "$relay_pub" endpoint 10.0.1.1:51820 allowed-ips 192.168.2.0/24 \
        persistent-keepalive 1
    wait "$hup"
    nsexec ep1 ip route replace 192.168.2.0/24 dev "$wg1"
    sleep 1
    nsexec ep2 ping -c 1 -W 3 192.168.1.10 >/dev/null ||
        fail "round $rounds: no ping ep2 → ep1 after both ends called at once ($(handshake_count initiation_crossed) crossings so far)"
    crossed=$(handshake_count initiation_crossed)
done
completed=$(handshake_count crossed_completed)
echo "$rounds rounds: $crossed crossed initiations, $completed completed by the response to the relay's own"
[ "$crossed" -ge 3 ] || fail "only $crossed crossings in $rounds rounds: the drill did not produce the race"
[ "$completed" -ge 1 ] || fail "no crossed initiation was completed by its response"
[ "$(handshake_count dropped_malformed)" = 0 ] || fail "responses refused: $(handshake_count dropped_malformed)"
pass "crossing initiations: $rounds rounds, $crossed crossed, every ping answered"
