#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# One edgerelay-dataplane programmed with static keys (er-program, no control plane) relays
# WireGuard transport traffic between two static-key endpoints (wgflow), through either
# driver. Usage: dataplane_test.sh DRIVER(io_uring|dpdk) DATAPLANE WGFLOW ER_PROGRAM
#
#   ns ep1                     ns relay                         ns ep2
#   wgflow 10.0.1.2 ── veth ── 10.0.1.1  edgerelay-  10.0.2.1 ── veth ── 10.0.2.2 wgflow
#   inner 192.168.1.10         (port 0)  dataplane   (port 1 for dpdk)     inner 192.168.2.20
#
# io_uring: one UDP socket on 51820 serves both veths. dpdk: two net_af_packet ports, one per
# veth, with the endpoints' MACs as gateways.
set -euo pipefail
# On failure, show what the relay saw: its start-up output and final counters.
relay_report() {
    [ -n "${relay_pid:-}" ] || return 0
    kill -TERM "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null || true
    echo "--- relay output"; cat "$(bg_log "$relay_pid")" "$(bg_err "$relay_pid")" 2>/dev/null | tail -30
}
here=$(cd "$(dirname "$0")" && pwd)
driver=$1 dataplane=$2 wgflow=$3 er_program=$4
. "$here/lib.sh"
. "$here/../lib/hugepages.sh"
require_root
# Processes first: hugepages still mapped by a live relay cannot be given back.
trap 'rc=$?; [ $rc -eq 0 ] || relay_report; cleanup; hugepages_restore' EXIT INT TERM

netns_add ep1; netns_add relay; netns_add ep2
veth_pair ep1 veth0 10.0.1.2/24 relay r1 10.0.1.1/24
veth_pair ep2 veth0 10.0.2.2/24 relay r2 10.0.2.1/24
work=$(mktemp -d "$NETNS_TMP/dp.XXXXXX")
instance="dptest$$"

k1=$("$er_program" --gen-keys | head -1); k1r=$("$er_program" --gen-keys | head -1)
k2=$("$er_program" --gen-keys | head -1); k2r=$("$er_program" --gen-keys | head -1)

if [ "$driver" = dpdk ]; then
    hugepages_reserve 600
    mac_ep1=$(nsexec ep1 cat /sys/class/net/veth0/address)
    mac_ep2=$(nsexec ep2 cat /sys/class/net/veth0/address)
    # The kernel must not answer for the relay's addresses on the veths DPDK has taken.
    nsexec relay ip addr flush dev r1; nsexec relay ip addr flush dev r2
    nsexec ep1 ip neigh add 10.0.1.1 lladdr "$(nsexec relay cat /sys/class/net/r1/address)" dev veth0
    nsexec ep2 ip neigh add 10.0.2.1 lladdr "$(nsexec relay cat /sys/class/net/r2/address)" dev veth0
    dp_section="  driver: dpdk
  hugepages: true
  ports:
    - {name: net_af_packet0, devargs: \"iface=r1\", role: underlay, address: 10.0.1.1/24, gateway_mac: \"$mac_ep1\"}
    - {name: net_af_packet1, devargs: \"iface=r2\", role: underlay, address: 10.0.2.1/24, gateway_mac: \"$mac_ep2\"}"
    port_ep2=1
else
    dp_section="  driver: io_uring
  hugepages: false
  io_uring: {bind: 0.0.0.0, family: ipv4}"
    port_ep2=0
fi
cat > "$work/relay.yaml" <<EOT
instance: $instance
listen_port: 51820
dataplane:
  workers: 1
  max_peers: 64
  max_routes: 1024
$dp_section
EOT
cat > "$work/program.conf" <<EOT
peer 1 endpoint 10.0.1.2:51820 port 0
keypair 1 local-index 100 remote-index 200 send-key $k1r recv-key $k1
allowed 1 192.168.1.0/24
peer 2 endpoint 10.0.2.2:51820 port $port_ep2
keypair 2 local-index 101 remote-index 201 send-key $k2r recv-key $k2
allowed 2 192.168.2.0/24
route 192.168.1.0/24 via 1
route 192.168.2.0/24 via 2
EOT

bg relay "$dataplane" --config "$work/relay.yaml"; relay_pid=$BG_PID
wait_for "grep -q '^ready' $(bg_log $relay_pid)" 30 || { cat "$(bg_log $relay_pid)" "$(bg_err $relay_pid)"; fail "dataplane did not start"; }
nsexec relay "$er_program" --instance "$instance" "$work/program.conf" || fail "programming refused"

ep1=(--listen 10.0.1.2:51820 --relay 10.0.1.1:51820 --send-key "$k1" --recv-key "$k1r"
     --local-index 200 --remote-index 100 --src 192.168.1.10 --dst 192.168.2.20)
ep2=(--listen 10.0.2.2:51820 --relay 10.0.2.1:51820 --send-key "$k2" --recv-key "$k2r"
     --local-index 201 --remote-index 101 --src 192.168.2.20 --dst 192.168.1.10)

# Test that 3000 packets cross the relay A→B, each exactly once.
bg ep2 "$wgflow" "${ep2[@]}" --timeout 30 recv --expect 3000; rx=$BG_PID
wait_udp_listen ep2 51820 5 || true
nsexec ep1 "$wgflow" "${ep1[@]}" --timeout 30 send --count 3000 --rate 3000 --size 200 >/dev/null
bg_wait $rx || { cat "$(bg_log $rx)"; fail "A→B: receiver did not get all 3000 packets"; }
pass "A→B: $(tail -1 "$(bg_log $rx)")"

# Test that traffic flows back B→A with fresh counters on the relay's side.
bg ep1 "$wgflow" "${ep1[@]}" --timeout 30 recv --expect 1000; rx=$BG_PID
wait_udp_listen ep1 51820 5 || true
nsexec ep2 "$wgflow" "${ep2[@]}" --timeout 30 send --count 1000 --rate 2000 --size 1000 >/dev/null
bg_wait $rx || { cat "$(bg_log $rx)"; fail "B→A: receiver did not get all 1000 packets"; }
pass "B→A: $(tail -1 "$(bg_log $rx)")"

# Test that the dataplane keeps forwarding while its programming helper is SIGKILLed: a
# sequence-numbered flow loses nothing (headless forwarding).
bg ep2 "$wgflow" "${ep2[@]}" --timeout 30 recv --expect 4000; rx=$BG_PID
wait_udp_listen ep2 51820 5 || true
bg ep1 "$wgflow" "${ep1[@]}" --counter-start 100000 --timeout 30 send --count 4000 --rate 2000 --size 100; tx=$BG_PID
sleep 0.5
nsexec relay "$er_program" --instance "$instance" --readback >/dev/null & prog=$!
sleep 0.2; kill -9 $prog 2>/dev/null || true; wait $prog 2>/dev/null || true
bg_wait $tx || fail "sender failed"
bg_wait $rx || { cat "$(bg_log $rx)"; fail "packets lost while the programmer was killed"; }
pass "headless: $(tail -1 "$(bg_log $rx)")"

# Test that SIGTERM stops the dataplane cleanly and removes its segment.
kill -TERM $relay_pid
bg_wait $relay_pid || fail "dataplane exited with an error on SIGTERM"
[ ! -e /dev/shm/edgerelay-$instance ] || fail "segment left behind"
pass "clean exit on SIGTERM"

# Test that the relay's counters match what was sent exactly: 8000 decrypted and re-sealed,
# 8000 out, and every other frame the port saw (kernel chatter such as IPv6 neighbour
# discovery on the veth, with DPDK) counted under a drop reason: rx = 8000 + drops.
grep '^worker' "$(bg_log $relay_pid)"
line=$(grep '^worker 0: rx_packets' "$(bg_log $relay_pid)")
for want in tx_packets=8000 decrypted=8000 encrypted=8000; do
    grep -q "$want" <<<"$line" || fail "counters: expected $want in: $line"
done
rx=$(sed -E 's/.*rx_packets=([0-9]+).*/\1/' <<<"$line")
drops=$(sed -E 's/.*drops=([0-9]+).*/\1/' <<<"$line")
[ "$rx" -eq $((8000 + drops)) ] || fail "counters: rx_packets=$rx is not 8000 + drops=$drops"
if grep -E '^worker 0: drop (replay|auth_failed|unknown_receiver|cryptokey_mismatch|no_route|tx_full)' "$(bg_log $relay_pid)"; then
    fail "the flow itself lost packets on the relay"
fi
pass "counters exact: $line"
