#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# io_uring mode against a wireguard-go hub: iperf3 TCP and UDP between two wireguard-go
# endpoints through (a) edgerelay (io_uring dataplane + control plane doing the handshakes) and
# (b) a third wireguard-go in the relay namespace with both endpoints as peers and IP forwarding
# on. Same keys, same MTU (1420), same namespaces; the endpoints are reconfigured (sessions
# dropped) between the two relays. Prints key=value lines and the ratio (target: >= 2).
# Root. Usage: perf/uring_vs_wggo.sh [--build DIR] [--time S] [--rounds N] [--out FILE]
#
#   ns ep1                       ns relay                          ns ep2
#   wireguard-go  10.0.1.2 ─ veth ─ 10.0.1.1   edgerelay (io_uring)  10.0.2.1 ─ veth ─ 10.0.2.2 wireguard-go
#   inner 192.168.1.10                         or wireguard-go hub                   inner 192.168.2.20
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build-perf
secs=5
rounds=1
out=/dev/null
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --time) secs=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n 3,14p "$0"; exit 0 ;;
        *) echo "uring_vs_wggo: unknown option $1" >&2; exit 2 ;;
    esac
done
dataplane=$build/edgerelay-dataplane
controlplane=$build/controlplane/edgerelay-controlplane
ctl=$build/controlplane/edgerelayctl
. "$root/tests/netns/lib.sh"
# perf/ namespaces are erp-*, apart from the tests' er-*.
ns() { echo "erp-$1-$NETNS_SUFFIX"; }
require_root
for b in "$dataplane" "$controlplane" "$ctl"; do
    [ -x "$b" ] || { echo "uring_vs_wggo: $b missing (ninja -C $build)" >&2; exit 2; }
done
for c in wireguard-go wg iperf3 python3; do
    command -v $c >/dev/null || { echo "uring_vs_wggo: needs $c" >&2; exit 2; }
done
trap 'rc=$?; set +e; cleanup; exit $rc' EXIT INT TERM

netns_add ep1; netns_add relay; netns_add ep2
veth_pair ep1 veth0 10.0.1.2/24 relay r1 10.0.1.1/24
veth_pair ep2 veth0 10.0.2.2/24 relay r2 10.0.2.1/24
work=$(mktemp -d "$NETNS_TMP/uvw.XXXXXX")
instance="erp$$"
sock="$work/run/relay.sock"
# wireguard-go's UAPI sockets live in /var/run/wireguard for every namespace: unique names.
wg1="erpa$$"; wg2="erpb$$"; wgr="erpr$$"; wg1=${wg1:0:15}; wg2=${wg2:0:15}; wgr=${wgr:0:15}
umask 077
"$ctl" genkey > "$work/ep1.key"; "$ctl" genkey > "$work/ep2.key"; "$ctl" genkey > "$work/relay.key"
ep1_pub=$("$ctl" pubkey < "$work/ep1.key"); ep2_pub=$("$ctl" pubkey < "$work/ep2.key")
relay_pub=$("$ctl" pubkey < "$work/relay.key")
fact() { echo "uvw $1=$2" | tee -a "$out"; }
fact load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# Endpoints: wireguard-go, the relay as their only peer (it knows where the relay is).
for e in 1 2; do
    name=ep$e; ifname=$([ $e = 1 ] && echo "$wg1" || echo "$wg2")
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 bg "$name" wireguard-go -f "$ifname"
    wait_for "nsexec $name ip link show $ifname" 10 || fail "$name: wireguard-go did not create $ifname"
    other=$((3 - e))
    cat > "$work/$name.conf" <<EOT
[Interface]
PrivateKey = $(cat "$work/$name.key")
ListenPort = 51820

[Peer]
PublicKey = $relay_pub
AllowedIPs = 192.168.$other.0/24
Endpoint = 10.0.$e.1:51820
EOT
    nsexec "$name" ip addr add "192.168.$e.$((e * 10))/24" dev "$ifname"
    nsexec "$name" ip link set "$ifname" mtu 1420 up
    nsexec "$name" ip route add "192.168.$other.0/24" dev "$ifname"
done
# (Re)sets both endpoints' peer: drops the sessions with the previous relay.
reset_endpoints() {
    nsexec ep1 wg setconf "$wg1" "$work/ep1.conf" || fail "ep1: wg setconf"
    nsexec ep2 wg setconf "$wg2" "$work/ep2.conf" || fail "ep2: wg setconf"
}

# One iperf3 test ep1 → ep2: sets BPS to the receiver's bits/s. ARGS: port extra-iperf3-args...
iperf_bps() {
    local port=$1; shift
    bg ep2 iperf3 -s -1 -p "$port"; local srv=$BG_PID
    wait_for "nsexec ep2 ss -Htln 'sport = :$port' | grep -q ." 5 || fail "iperf3 server did not start"
    nsexec ep1 iperf3 -c 192.168.2.20 -p "$port" -t "$secs" -J "$@" > "$work/iperf-$port.json" 2> "$work/iperf-$port.err" ||
        { cat "$work/iperf-$port.json" "$work/iperf-$port.err" >&2; fail "iperf3 $*"; }
    bg_wait "$srv" || true
    # TCP: bytes the receiver got; UDP: the sender's rate times what was not lost.
    BPS=$(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["end"]
r = e.get("sum_received")
print(r["bits_per_second"] if r else e["sum"]["bits_per_second"] * (1 - e["sum"]["lost_percent"] / 100))' \
        "$work/iperf-$port.json")
}
port=5301
measure() { # label: sets TCP, then UDP (unlimited rate, 1392-byte datagrams = full inner packets)
    local label=$1
    wait_for "nsexec ep1 ping -c 1 -W 1 192.168.2.20" 40 || fail "$label: no ping ep1 → ep2"
    iperf_bps $port; TCP=$BPS; port=$((port + 1))
    iperf_bps $port -u -b 0 -l 1392; UDP=$BPS; port=$((port + 1))
}

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
  - {public_key: $ep1_pub, endpoint: "10.0.1.2:51820", allowed_ips: [192.168.1.0/24], name: ep1}
  - {public_key: $ep2_pub, endpoint: "10.0.2.2:51820", allowed_ips: [192.168.2.0/24], name: ep2}
routes:
  - {prefix: 192.168.1.0/24, via: ep1}
  - {prefix: 192.168.2.0/24, via: ep2}
EOT
cat > "$work/hub.conf" <<EOT
[Interface]
PrivateKey = $(cat "$work/relay.key")
ListenPort = 51820

[Peer]
PublicKey = $ep1_pub
AllowedIPs = 192.168.1.0/24
Endpoint = 10.0.1.2:51820

[Peer]
PublicKey = $ep2_pub
AllowedIPs = 192.168.2.0/24
Endpoint = 10.0.2.2:51820
EOT
nsexec relay sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

for r in $(seq "$rounds"); do
    # (a) edgerelay: io_uring dataplane, control plane for the handshakes.
    reset_endpoints
    bg relay "$dataplane" --config "$work/relay.yaml"; dp=$BG_PID
    wait_for "grep -q '^ready' $(bg_log $dp)" 30 || { cat "$(bg_err $dp)" >&2; fail "edgerelay-dataplane did not start"; }
    bg relay "$controlplane" --config "$work/relay.yaml"; cp=$BG_PID
    wait_for "[ -S $sock ]" 10 || fail "edgerelay-controlplane did not open its control socket"
    measure edgerelay; er_tcp=$TCP er_udp=$UDP
    kill -TERM "$cp"; bg_wait "$cp" || true
    kill -TERM "$dp"; bg_wait "$dp" || echo "uring_vs_wggo: the dataplane exited with an error" >&2
    # (b) wireguard-go hub with IP forwarding, the relay's key, MTU 1420.
    reset_endpoints
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 bg relay wireguard-go -f "$wgr"; hub=$BG_PID
    wait_for "nsexec relay ip link show $wgr" 10 || fail "relay: wireguard-go did not create $wgr"
    nsexec relay wg setconf "$wgr" "$work/hub.conf" || fail "hub: wg setconf"
    nsexec relay ip link set "$wgr" mtu 1420 up
    nsexec relay sysctl -qw "net.ipv4.conf.$wgr.send_redirects=0" "net.ipv4.conf.$wgr.rp_filter=0"
    nsexec relay ip route add 192.168.1.0/24 dev "$wgr"
    nsexec relay ip route add 192.168.2.0/24 dev "$wgr"
    measure wireguard-go; wg_tcp=$TCP wg_udp=$UDP
    kill -TERM "$hub"; bg_wait "$hub" || true
    wait_for "! nsexec relay ip link show $wgr" 5 || true
    awk -v r="$r" -v a="$er_tcp" -v b="$wg_tcp" -v c="$er_udp" -v d="$wg_udp" 'BEGIN {
        printf "uvw round=%s edgerelay_tcp_bps=%.0f wggo_tcp_bps=%.0f tcp_ratio=%.2f edgerelay_udp_bps=%.0f wggo_udp_bps=%.0f udp_ratio=%.2f\n",
            r, a, b, (b > 0 ? a / b : 0), c, d, (d > 0 ? c / d : 0) }' | tee -a "$out"
done
fact load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
fact iperf3_s "$secs"
