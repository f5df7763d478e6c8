#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Drill 1: three relays in a chain, each a dataplane + control plane with the neighbouring
# relays as static peers; wireguard-go endpoints at both ends; ping and iperf3 end to end.
#
#   ns ep1            ns ra                   ns rb                   ns rc            ns ep2
#   wireguard-go ── w0 relay-a e0 ──────── w0 relay-b e0 ──────── w0 relay-c e0 ── wireguard-go
#   10.0.1.2      10.0.1.1   10.0.12.1  10.0.12.2  10.0.23.2  10.0.23.3   10.0.3.1    10.0.3.2
#   192.168.1.10                                                                   192.168.2.20
#
# Every relay knows the endpoint of its west neighbour only and calls it (relay-a calls ep1,
# relay-b calls relay-a, relay-c calls relay-b); ep2 calls relay-c. With DPDK, w0 is port 0,
# where the control plane sends configured endpoints' initiations.
# Usage: chain_test.sh DRIVER(io_uring|dpdk) DATAPLANE CONTROLPLANE EDGERELAYCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 controlplane=$3 ctl=$4
. "$here/wg_topology.sh" # and lib.sh, hugepages.sh, topology.sh
require_root
command -v wireguard-go >/dev/null || skip "needs wireguard-go"
command -v wg >/dev/null || skip "needs wg (wireguard-tools)"
command -v iperf3 >/dev/null || skip "needs iperf3"
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
declare -A dpp cpp
report() {
    for r in ra rb rc; do
        echo "--- $r dataplane"; cat "$(bg_log "${dpp[$r]:-0}")" "$(bg_err "${dpp[$r]:-0}")" 2>/dev/null | tail -8
        echo "--- $r controlplane"; cat "$(bg_err "${cpp[$r]:-0}")" 2>/dev/null | tail -10
        nsexec $r "$ctl" --socket "$wgt_work/$r.sock" show 2>&1 | grep -v 'private key' || true
    done
    echo "--- ep1"; nsexec ep1 wg show "$wg1" 2>&1 || true; echo "--- ep2"; nsexec ep2 wg show "$wg2" 2>&1 || true
}
trap 'rc=$?; set +e; [ $rc -eq 0 ] || report; cleanup; hugepages_restore; exit $rc' EXIT INT TERM

wgt_driver=$driver
for n in ep1 ra rb rc ep2; do drill_netns $n; done
veth_pair ep1 veth0 10.0.1.2/24 ra w0 10.0.1.1/24
veth_pair ra e0 10.0.12.1/24 rb w0 10.0.12.2/24
veth_pair rb e0 10.0.23.2/24 rc w0 10.0.23.3/24
veth_pair rc e0 10.0.3.1/24 ep2 veth0 10.0.3.2/24
wgt_work=$(mktemp -d "$NETNS_TMP/chain.XXXXXX")
wg1="erda$$"; wg2="erdb$$"; wg1=${wg1:0:15}; wg2=${wg2:0:15}
[ "$driver" = dpdk ] && { hugepages_reserve 1200 || skip "no hugepages for 3 dataplanes"; }
declare -A pub
for n in ep1 ra rb rc ep2; do
    (umask 077; "$ctl" genkey > "$wgt_work/$n.key")
    pub[$n]=$("$ctl" pubkey < "$wgt_work/$n.key")
done

# relay_config R WEST_NS WEST_IF WEST_ADDR EAST_NS EAST_IF EAST_ADDR PEERS_AND_ROUTES
relay_config() {
    local r=$1 dp
    dp=$(wgt_dataplane_section "$r" w0 "$4" "$2" "$3" e0 "$7" "$5" "$6")
    cat > "$wgt_work/$r.yaml" <<EOT
instance: erd$r$$
listen_port: 51820
identity:
  private_key_file: $wgt_work/$r.key
  node_key_file: $wgt_work/$r.node
control_socket: $wgt_work/$r.sock
dataplane:
  workers: 1
  max_peers: 16
  max_routes: 256
$dp
$8
routes:
  - {prefix: 192.168.1.0/24, via: west}
  - {prefix: 192.168.2.0/24, via: east}
EOT
}
relay_config ra ep1 veth0 10.0.1.1 rb w0 10.0.12.1 "peers:
  - {public_key: ${pub[ep1]}, endpoint: 10.0.1.2:51820, allowed_ips: [192.168.1.10/32], name: west}
  - {public_key: ${pub[rb]}, allowed_ips: [192.168.2.0/24], name: east}"
relay_config rb ra e0 10.0.12.2 rc w0 10.0.23.2 "peers:
  - {public_key: ${pub[ra]}, endpoint: 10.0.12.1:51820, allowed_ips: [192.168.1.0/24], name: west}
  - {public_key: ${pub[rc]}, allowed_ips: [192.168.2.0/24], name: east}"
relay_config rc rb e0 10.0.23.3 ep2 veth0 10.0.3.1 "peers:
  - {public_key: ${pub[rb]}, endpoint: 10.0.23.2:51820, allowed_ips: [192.168.1.0/24], name: west}
  - {public_key: ${pub[ep2]}, allowed_ips: [192.168.2.20/32], name: east}"

wgt_endpoint ep1 "$wg1" "$wgt_work/ep1.key" 192.168.1.10 "${pub[ra]}" 192.168.2.0/24
wgt_endpoint ep2 "$wg2" "$wgt_work/ep2.key" 192.168.2.20 "${pub[rc]}" 192.168.1.0/24 10.0.3.1:51820
for r in ra rb rc; do
    bg $r "$dataplane" --config "$wgt_work/$r.yaml"; dpp[$r]=$BG_PID
done
for r in ra rb rc; do
    wait_for "grep -q '^ready' $(bg_log ${dpp[$r]})" 30 || fail "$r: dataplane did not start"
done
t0=$SECONDS
for r in ra rb rc; do
    bg $r "$controlplane" --config "$wgt_work/$r.yaml"; cpp[$r]=$BG_PID
    wait_for "grep -q 'programmed dataplane' $(bg_err ${cpp[$r]})" 15 || fail "$r: control plane did not program its dataplane"
done

# Test that the control planes handshake along the chain on their own: every relay shows a
# session with both neighbours, and ep1 got its call from relay-a.
wait_for "[ \"\$(wgt_handshake ep1 $wg1)\" != 0 ]" 15 || fail "relay-a did not handshake with ep1"
for r in rb rc; do
    wait_for "nsexec $r '$ctl' --socket $wgt_work/$r.sock peers --json | jq -e '.[] | select(.name == \"west\") | .session' " 15 ||
        fail "$r: no session with its west neighbour"
done
pass "relay-to-relay handshakes done by the control planes ($((SECONDS - t0)) s after the first started)"

# Test that ping crosses the three relays both ways (ep2's first packet brings up its session).
wait_for "nsexec ep2 ping -c 1 -W 1 192.168.1.10" 15 || fail "no ping ep2 → ep1 across the chain"
nsexec ep1 ping -c 20 -i 0.05 -W 2 192.168.2.20 > "$wgt_work/ping.txt" || { cat "$wgt_work/ping.txt"; fail "ping ep1 → ep2 lost packets"; }
pass "ping across 3 relays: $(grep -o 'rtt.*' "$wgt_work/ping.txt")"
for r in ra rb rc; do
    nsexec $r "$ctl" --socket "$wgt_work/$r.sock" peers --json | jq -e 'length == 2 and all(.session)' >/dev/null ||
        fail "$r: not both sessions up"
done

# Test that iperf3 TCP runs both ways and UDP end to end across the chain (full-size packets);
# UDP loss is printed and bounded loosely (< 20 %): the test machines are shared and busy.
iperf() { # PORT ARGS... ; prints the receiver's figure
    local port=$1 srv; shift
    bg ep2 iperf3 -s -1 -p "$port"; srv=$BG_PID
    wait_for "nsexec ep2 ss -Htln 'sport = :$port' | grep -q ." 5 || fail "iperf3 server did not start"
    nsexec ep1 iperf3 -c 192.168.2.20 -p "$port" -t 3 "$@" > "$wgt_work/iperf$port.txt" 2>&1 ||
        { cat "$wgt_work/iperf$port.txt"; fail "iperf3 $*"; }
    bg_wait $srv || true
}
iperf 5201; iperf 5202 -R; iperf 5203 -u -b 20M
tcp_f=$(grep receiver "$wgt_work/iperf5201.txt" | awk '{print $7, $8}')
tcp_r=$(grep receiver "$wgt_work/iperf5202.txt" | awk '{print $7, $8}')
udp=$(grep receiver "$wgt_work/iperf5203.txt" | tail -1)
udp_loss=$(grep receiver "$wgt_work/iperf5203.txt" | grep -oE '[0-9.]+%' | tr -d '%')
echo "iperf3 UDP 20 Mbit/s: $udp"
awk -v l="${udp_loss:-100}" 'BEGIN { exit !(l < 20) }' || fail "UDP loss ${udp_loss}% across the chain"
pass "iperf3 across 3 relays ($driver): TCP ep1→ep2 $tcp_f, ep2→ep1 $tcp_r; UDP 20 Mbit/s loss ${udp_loss}%"
for r in ra rb rc; do
    echo "$r: $(nsexec $r "$ctl" --socket "$wgt_work/$r.sock" stats --json | jq -c '.[0] | {rx_packets, tx_packets, drops}')"
done
