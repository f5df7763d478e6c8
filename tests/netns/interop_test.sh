#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# Two stock WireGuard endpoints (Debian's wireguard-go, configured with wg) talk through one
# edgerelay relay in route mode: edgerelay-dataplane (io_uring, no hugepages) programmed by
# edgerelay-controlplane, which runs the handshakes.
# Usage: interop_test.sh DATAPLANE CONTROLPLANE EDGERELAYCTL
#
#   ns ep1                       ns relay                          ns ep2
#   wireguard-go  10.0.1.2 ─ veth ─ 10.0.1.1   edgerelay-   10.0.2.1 ─ veth ─ 10.0.2.2 wireguard-go
#   inner 192.168.1.10              :51820     dataplane +                     inner 192.168.2.20
#         fd01::10                             controlplane                          fd02::20
#
# The relay knows ep1's endpoint and calls it first (relay-initiated handshake); it does not
# know ep2's, so ep2 calls the relay (endpoint-initiated handshake, with a preshared key).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dataplane=$1 controlplane=$2 ctl=$3
. "$here/lib.sh"
require_root
command -v wireguard-go >/dev/null || skip "needs wireguard-go (apt install wireguard-go)"
command -v wg >/dev/null || skip "needs wg (apt install wireguard-tools)"
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"

report() {
    echo "--- relay dataplane"; cat "$(bg_log "$dp_pid")" "$(bg_err "$dp_pid")" 2>/dev/null | tail -20
    echo "--- relay controlplane"; cat "$(bg_err "${cp_pid:-0}")" 2>/dev/null | tail -30
    nsexec relay "$ctl" --socket "$sock" show 2>&1 || true
    nsexec relay "$ctl" --socket "$sock" stats 2>&1 || true
    for e in ep1 ep2; do echo "--- $e"; nsexec $e wg show 2>&1 || true; done
}
# set +e first: lib.sh's cleanup kills processes that may have exited already, and under
# set -e the first failing kill would end the trap before the namespaces are deleted.
trap 'rc=$?; set +e; [ $rc -eq 0 ] || report; cleanup; exit $rc' EXIT INT TERM

netns_add ep1; netns_add relay; netns_add ep2
veth_pair ep1 veth0 10.0.1.2/24 relay r1 10.0.1.1/24
veth_pair ep2 veth0 10.0.2.2/24 relay r2 10.0.2.1/24
work=$(mktemp -d "$NETNS_TMP/interop.XXXXXX")
instance="interop$$"
sock="$work/run/relay.sock"
# wireguard-go's UAPI sockets live in /var/run/wireguard, shared by every namespace: the
# interface names must be unique on the host, not just in their namespace.
wg1="wga$$"; wg2="wgb$$"; wg1=${wg1:0:15}; wg2=${wg2:0:15}

umask 077
"$ctl" genkey > "$work/ep1.key"; "$ctl" genkey > "$work/ep2.key"; "$ctl" genkey > "$work/relay.key"
wg genpsk > "$work/ep2.psk"
ep1_pub=$("$ctl" pubkey < "$work/ep1.key"); ep2_pub=$("$ctl" pubkey < "$work/ep2.key")
relay_pub=$("$ctl" pubkey < "$work/relay.key")
# Test that edgerelayctl pubkey agrees with wg pubkey.
[ "$(wg pubkey < "$work/ep1.key")" = "$ep1_pub" ] || fail "edgerelayctl pubkey differs from wg pubkey"
pass "edgerelayctl genkey/pubkey match wg"

cat > "$work/relay.yaml" <<EOT
instance: $instance
listen_port: 51820
identity:
  private_key_file: $work/relay.key
  node_key_file: $work/node.key
control_socket: $sock
dataplane:
  driver: io_uring
  workers: 1
  max_peers: 64
  max_routes: 1024
  hugepages: false
  io_uring: {bind: 0.0.0.0, family: ipv4}
peers:
  - public_key: $ep1_pub
    endpoint: 10.0.1.2:51820
    allowed_ips: [192.168.1.10/32, fd01::10/128]
    name: ep1
  - public_key: $ep2_pub
    allowed_ips: [192.168.2.20/32, fd02::20/128]
    preshared_key: $(cat "$work/ep2.psk")
    name: ep2
routes:
  - {prefix: 192.168.1.0/24, via: ep1}
  - {prefix: "fd01::/64", via: ep1}
  - {prefix: 192.168.2.0/24, via: ep2}
  - {prefix: "fd02::/64", via: ep2}
EOT

# An endpoint: wireguard-go in the foreground (its TUN inside the namespace), then wg setconf.
start_endpoint() {
    local name=$1 ifname=$2 key=$3 inner4=$4 inner6=$5 peer_routes4=$6 peer_routes6=$7 extra=$8
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 bg "$name" wireguard-go -f "$ifname"
    wait_for "nsexec $name ip link show $ifname" 10 || fail "$name: wireguard-go did not create $ifname"
    cat > "$work/$name.conf" <<EOT
[Interface]
PrivateKey = $(cat "$key")
ListenPort = 51820

[Peer]
PublicKey = $relay_pub
AllowedIPs = $peer_routes4, $peer_routes6
$extra
EOT
    nsexec "$name" wg setconf "$ifname" "$work/$name.conf" || fail "$name: wg setconf"
    nsexec "$name" ip addr add "$inner4/24" dev "$ifname"
    nsexec "$name" ip -6 addr add "$inner6/64" dev "$ifname" nodad
    nsexec "$name" ip link set "$ifname" mtu 1420 up
    nsexec "$name" ip route add "$peer_routes4" dev "$ifname"
    nsexec "$name" ip -6 route add "$peer_routes6" dev "$ifname"
}
# ep1 waits for the relay to call; ep2 knows where the relay is and calls it.
start_endpoint ep1 "$wg1" "$work/ep1.key" 192.168.1.10 fd01::10 192.168.2.0/24 fd02::/64 ""
start_endpoint ep2 "$wg2" "$work/ep2.key" 192.168.2.20 fd02::20 192.168.1.0/24 fd01::/64 \
    "Endpoint = 10.0.2.1:51820
PresharedKey = $(cat "$work/ep2.psk")"

bg relay "$dataplane" --config "$work/relay.yaml"; dp_pid=$BG_PID
wait_for "grep -q '^ready' $(bg_log $dp_pid)" 30 || fail "edgerelay-dataplane did not start"
bg relay "$controlplane" --config "$work/relay.yaml"; cp_pid=$BG_PID
wait_for "[ -S $sock ]" 10 || fail "edgerelay-controlplane did not open its control socket"

handshake_age() { # seconds since the latest handshake of endpoint $1 (0 = never)
    nsexec "$1" wg show "$2" latest-handshakes | awk '{print $2}'
}

# Test that the relay initiates the handshake with the peer whose endpoint it knows, before
# any traffic: ep1 has no endpoint configured, so only the relay can have called.
wait_for "[ \"\$(handshake_age ep1 $wg1)\" != 0 ]" 15 || fail "the relay did not handshake with ep1"
pass "relay-initiated handshake with wireguard-go (ep1)"

# Test that ep2 (which the relay cannot call) handshakes on its own, with a preshared key,
# and that IPv4 crosses the relay ep2 → ep1 (decrypt, route, re-encrypt).
nsexec ep2 ping -c 3 -i 0.2 -W 5 192.168.1.10 >/dev/null || fail "IPv4 ping ep2 → ep1"
[ "$(handshake_age ep2 "$wg2")" != 0 ] || fail "ep2 shows no handshake"
pass "endpoint-initiated handshake (ep2, psk); IPv4 ping ep2 → ep1"

# Test IPv4 the other way, and IPv6 inner packets both ways.
nsexec ep1 ping -c 3 -i 0.2 -W 5 192.168.2.20 >/dev/null || fail "IPv4 ping ep1 → ep2"
pass "IPv4 ping ep1 → ep2"
nsexec ep1 ping -6 -c 3 -i 0.2 -W 5 fd02::20 >/dev/null || fail "IPv6 ping ep1 → ep2"
nsexec ep2 ping -6 -c 3 -i 0.2 -W 5 fd01::10 >/dev/null || fail "IPv6 ping ep2 → ep1"
pass "IPv6 ping both ways"

# Test that iperf3 TCP and UDP run through the relay in both directions (-R reverses), so
# full-size packets (1420-byte plaintexts, padded to the MTU, not to 16) cross it too.
bg ep2 iperf3 -s -1 -p 5201; srv=$BG_PID
wait_for "nsexec ep2 ss -Htln 'sport = :5201' | grep -q ." 5 || fail "iperf3 server did not start"
nsexec ep1 iperf3 -c 192.168.2.20 -p 5201 -t 2 >"$NETNS_TMP/iperf_tcp.txt" 2>&1 || { cat "$NETNS_TMP/iperf_tcp.txt"; fail "iperf3 TCP ep1 → ep2"; }
bg_wait $srv || true
bg ep2 iperf3 -s -1 -p 5202; srv=$BG_PID
wait_for "nsexec ep2 ss -Htln 'sport = :5202' | grep -q ." 5 || fail "iperf3 server did not start"
nsexec ep1 iperf3 -c 192.168.2.20 -p 5202 -t 2 -R >"$NETNS_TMP/iperf_tcp_r.txt" 2>&1 || { cat "$NETNS_TMP/iperf_tcp_r.txt"; fail "iperf3 TCP ep2 → ep1"; }
bg_wait $srv || true
bg ep2 iperf3 -s -1 -p 5203; srv=$BG_PID
wait_for "nsexec ep2 ss -Htln 'sport = :5203' | grep -q ." 5 || fail "iperf3 server did not start"
nsexec ep1 iperf3 -c 192.168.2.20 -p 5203 -t 2 -u -b 20M >"$NETNS_TMP/iperf_udp.txt" 2>&1 || { cat "$NETNS_TMP/iperf_udp.txt"; fail "iperf3 UDP ep1 → ep2"; }
bg_wait $srv || true
pass "iperf3 TCP both ways and UDP: $(grep -E 'receiver' "$NETNS_TMP/iperf_tcp.txt" | awk '{print $7, $8}') / $(grep -E 'receiver' "$NETNS_TMP/iperf_tcp_r.txt" | awk '{print $7, $8}') TCP"

# Test that edgerelayctl shows both peers with a handshake, like wg show, in text and JSON.
show=$(nsexec relay "$ctl" --socket "$sock" show)
grep -q "public key: $relay_pub" <<<"$show" || fail "show lacks the relay's key: $show"
[ "$(grep -c 'latest handshake: ' <<<"$show")" = 2 ] || fail "show lacks handshakes: $show"
grep -q "endpoint: 10.0.2.2:51820" <<<"$show" || fail "show lacks ep2's learned endpoint: $show"
nsexec relay "$ctl" --socket "$sock" peers --json | jq -e 'length == 2 and all(.session)' >/dev/null ||
    fail "peers --json: $(nsexec relay "$ctl" --socket "$sock" peers --json)"
nsexec relay "$ctl" --socket "$sock" stats --json | jq -e '.[0].tx_packets > 0 and .[0].tx_bytes > 0' >/dev/null ||
    fail "stats --json shows no forwarded packets or bytes"
# Per-peer transfer comes from the dataplane's counters: iperf3 moved megabytes each way.
[ "$(grep -c 'transfer: .* received, .* sent' <<<"$show")" = 2 ] || fail "show lacks transfer lines: $show"
nsexec relay "$ctl" --socket "$sock" peers --json |
    jq -e 'all(.rx_bytes > 1000000 and .tx_bytes > 1000000)' >/dev/null ||
    fail "peers --json transfer: $(nsexec relay "$ctl" --socket "$sock" peers --json)"
pass "edgerelayctl show/peers/stats, with per-peer transfer"

# Test that a restarted dataplane gets the live sessions replayed: traffic resumes with the
# same keypairs, so neither endpoint sees a new handshake.
hs1=$(nsexec ep1 wg show "$wg1" latest-handshakes | awk '{print $2}')
hs2=$(nsexec ep2 wg show "$wg2" latest-handshakes | awk '{print $2}')
kill -TERM "$dp_pid"; bg_wait "$dp_pid" || fail "edgerelay-dataplane exited with an error"
wait_for "grep -q 'not heartbeating' $(bg_err $cp_pid)" 5 || fail "control plane did not notice the dataplane stop"
bg relay "$dataplane" --config "$work/relay.yaml"; dp_pid=$BG_PID
wait_for "grep -q '^ready' $(bg_log $dp_pid)" 30 || fail "edgerelay-dataplane did not restart"
wait_for "[ \"\$(grep -c 'programmed dataplane' $(bg_err $cp_pid))\" = 2 ]" 10 || fail "no replay into the new dataplane"
grep 'programmed dataplane' "$(bg_err $cp_pid)" | tail -1 | grep -q 'started 0 handshakes' ||
    fail "replay started handshakes: $(grep 'programmed' "$(bg_err $cp_pid)" | tail -1)"
nsexec ep1 ping -c 3 -i 0.2 -W 5 192.168.2.20 >/dev/null || fail "IPv4 ping after dataplane restart"
nsexec ep2 ping -6 -c 3 -i 0.2 -W 5 fd01::10 >/dev/null || fail "IPv6 ping after dataplane restart"
[ "$(nsexec ep1 wg show "$wg1" latest-handshakes | awk '{print $2}')" = "$hs1" ] &&
    [ "$(nsexec ep2 wg show "$wg2" latest-handshakes | awk '{print $2}')" = "$hs2" ] ||
    fail "an endpoint handshook again after the dataplane restart"
pass "dataplane restart: sessions replayed, no new handshake"

# Test that the dataplane forwards while the control plane is gone (headless), and that a
# restarted control plane adopts the dataplane's state: no command, no new handshake.
kill -TERM "$cp_pid"; bg_wait "$cp_pid" || fail "edgerelay-controlplane exited with an error on SIGTERM"
nsexec ep1 ping -c 3 -i 0.2 -W 5 192.168.2.20 >/dev/null || fail "headless forwarding (no control plane)"
pass "headless forwarding while the control plane is stopped"
bg relay "$controlplane" --config "$work/relay.yaml"; cp_pid=$BG_PID
wait_for "grep -q 'programmed dataplane' $(bg_err $cp_pid)" 10 || fail "restarted control plane did not reconcile"
grep -q 'found 2 peers, [1-9][0-9]* keypairs, 4 routes; sent 0 commands; started 0 handshakes' "$(bg_err $cp_pid)" ||
    fail "reconcile after restart was not a no-op: $(grep 'programmed' "$(bg_err $cp_pid)")"
nsexec ep2 ping -6 -c 3 -i 0.2 -W 5 fd01::10 >/dev/null || fail "ping after control plane restart"
pass "control plane restart: state adopted without commands or handshakes"

# Test that SIGTERM leaves the control plane cleanly.
kill -TERM "$cp_pid"; bg_wait "$cp_pid" || fail "edgerelay-controlplane exited with an error"
pass "clean exit"
