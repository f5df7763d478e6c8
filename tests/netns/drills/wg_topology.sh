# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Shared set-up of the control-plane drills: two wireguard-go endpoints around one relay
# (edgerelay-dataplane + edgerelay-controlplane), io_uring or dpdk (net_af_packet on the veths).
#
#   ns ep1                         ns relay                            ns ep2
#   wireguard-go 10.0.1.2 veth0 ── r1 10.0.1.1  dataplane +  10.0.2.1 r2 ── veth0 10.0.2.2 wireguard-go
#   inner 192.168.1.10            (port 0)      controlplane (port 1)         inner 192.168.2.20
#
# Source it (it sources lib.sh, hugepages.sh and topology.sh), with dataplane, controlplane and
# ctl set; then wgt_setup DRIVER; wgt_start_relay; wgt_start_endpoints. The relay knows
# ep1's endpoint and calls it; ep2 knows the relay's and calls it (so with DPDK every
# configured endpoint is on port 0: the control plane sends configured endpoints' first
# initiation through port 0, it has no per-subnet port choice).
# IPv6 is off on the underlay; the inner traffic is IPv4 only.
wgt_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$wgt_dir/../lib.sh"
. "$wgt_dir/../../lib/hugepages.sh"
. "$wgt_dir/topology.sh"

# Writes the dataplane section of relay NAME's configuration for ports IF0 IF1 (in namespace
# NSREL) whose neighbours are NS0/N0IF and NS1/N1IF, with addresses A0 and A1 (no prefix).
wgt_dataplane_section() {
    local nsrel=$1 if0=$2 a0=$3 ns0=$4 n0if=$5 if1=$6 a1=$7 ns1=$8 n1if=$9
    local m0 m1 r0 r1
    m0=$(nsexec "$nsrel" cat /sys/class/net/"$if0"/address)
    m1=$(nsexec "$nsrel" cat /sys/class/net/"$if1"/address)
    r0=$(nsexec "$ns0" cat /sys/class/net/"$n0if"/address)
    r1=$(nsexec "$ns1" cat /sys/class/net/"$n1if"/address)
    # Static neighbours everywhere: DPDK does no ARP, and io_uring runs start without waiting.
    nsexec "$ns0" ip neigh replace "$a0" lladdr "$m0" dev "$n0if"
    nsexec "$ns1" ip neigh replace "$a1" lladdr "$m1" dev "$n1if"
    if [ "$wgt_driver" = dpdk ]; then
        nsexec "$nsrel" ip addr flush dev "$if0"; nsexec "$nsrel" ip addr flush dev "$if1"
        cat <<EOT
  driver: dpdk
  hugepages: true
  ports:
    - {name: net_af_packet_${nsrel}0, devargs: "iface=$if0", role: underlay, address: $a0/24, gateway_mac: "$r0"}
    - {name: net_af_packet_${nsrel}1, devargs: "iface=$if1", role: underlay, address: $a1/24, gateway_mac: "$r1"}
EOT
    else
        local p0 p1
        p0=$(nsexec "$ns0" ip -4 -o addr show dev "$n0if" | awk '{print $4}' | cut -d/ -f1)
        p1=$(nsexec "$ns1" ip -4 -o addr show dev "$n1if" | awk '{print $4}' | cut -d/ -f1)
        nsexec "$nsrel" ip neigh replace "$p0" lladdr "$r0" dev "$if0"
        nsexec "$nsrel" ip neigh replace "$p1" lladdr "$r1" dev "$if1"
        cat <<EOT
  driver: io_uring
  hugepages: false
  io_uring: {bind: 0.0.0.0, family: ipv4}
EOT
    fi
}

wgt_setup() {
    wgt_driver=$1
    drill_netns ep1; drill_netns relay; drill_netns ep2
    veth_pair ep1 veth0 10.0.1.2/24 relay r1 10.0.1.1/24
    veth_pair ep2 veth0 10.0.2.2/24 relay r2 10.0.2.1/24
    wgt_work=$(mktemp -d "$NETNS_TMP/wgt.XXXXXX")
    wgt_instance="erd$$"
    wgt_sock="$wgt_work/run/relay.sock"
    # wireguard-go's UAPI sockets live in /var/run/wireguard, shared by every namespace.
    wg1="erda$$"; wg2="erdb$$"; wg1=${wg1:0:15}; wg2=${wg2:0:15}
    [ "$wgt_driver" = dpdk ] && { hugepages_reserve 600 || skip "no hugepages"; }
    (umask 077
     "$ctl" genkey > "$wgt_work/ep1.key"; "$ctl" genkey > "$wgt_work/ep2.key"
     "$ctl" genkey > "$wgt_work/relay.key")
    relay_pub=$("$ctl" pubkey < "$wgt_work/relay.key")
    local dp
    dp=$(wgt_dataplane_section relay r1 10.0.1.1 ep1 veth0 r2 10.0.2.1 ep2 veth0)
    cat > "$wgt_work/relay.yaml" <<EOT
instance: $wgt_instance
listen_port: 51820
identity:
  private_key_file: $wgt_work/relay.key
  node_key_file: $wgt_work/node.key
control_socket: $wgt_sock
dataplane:
  workers: 1
  max_peers: 64
  max_routes: 1024
$dp
peers:
  - public_key: $("$ctl" pubkey < "$wgt_work/ep1.key")
    endpoint: 10.0.1.2:51820
    allowed_ips: [192.168.1.10/32]
    name: ep1
  - public_key: $("$ctl" pubkey < "$wgt_work/ep2.key")
    allowed_ips: [192.168.2.20/32]
    name: ep2
routes:
  - {prefix: 192.168.1.0/24, via: ep1}
  - {prefix: 192.168.2.0/24, via: ep2}
EOT
}

# wgt_endpoint NS IFNAME KEYFILE INNER PEERPUB PEER_ALLOWED [ENDPOINT]: wireguard-go in NS.
wgt_endpoint() {
    local name=$1 ifname=$2 key=$3 inner=$4 peerpub=$5 allowed=$6 endpoint=${7:-}
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 bg "$name" wireguard-go -f "$ifname"
    wait_for "nsexec $name ip link show $ifname" 10 || fail "$name: wireguard-go did not create $ifname"
    {
        printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n' \
            "$(cat "$key")" "$peerpub" "$allowed"
        [ -z "$endpoint" ] || echo "Endpoint = $endpoint"
    } > "$wgt_work/$name.conf"
    nsexec "$name" wg setconf "$ifname" "$wgt_work/$name.conf" || fail "$name: wg setconf"
    nsexec "$name" ip addr add "$inner/24" dev "$ifname"
    nsexec "$name" ip link set "$ifname" mtu 1420 up
    nsexec "$name" ip route add "$allowed" dev "$ifname"
}

wgt_start_endpoints() {
    wgt_endpoint ep1 "$wg1" "$wgt_work/ep1.key" 192.168.1.10 "$relay_pub" 192.168.2.0/24
    wgt_endpoint ep2 "$wg2" "$wgt_work/ep2.key" 192.168.2.20 "$relay_pub" 192.168.1.0/24 10.0.2.1:51820
}

wgt_start_dataplane() {
    bg relay "$dataplane" --config "$wgt_work/relay.yaml"; dp_pid=$BG_PID
    wait_for "grep -q '^ready' $(bg_log $dp_pid)" 30 || fail "edgerelay-dataplane did not start: $(cat "$(bg_err $dp_pid)")"
}

wgt_start_controlplane() {
    bg relay "$controlplane" --config "$wgt_work/relay.yaml"; cp_pid=$BG_PID
    wait_for "grep -q 'programmed dataplane' $(bg_err $cp_pid)" 15 || fail "edgerelay-controlplane did not program the dataplane"
}

# Seconds-since-epoch of the latest handshake of wireguard-go in NS on IFNAME (0 = never).
wgt_handshake() {
    nsexec "$1" wg show "$2" latest-handshakes | awk '{print $2}'
}

# Brings both sessions up: the relay calls ep1 on its own; ep2 calls at its first packet.
wgt_sessions_up() {
    wait_for "[ \"\$(wgt_handshake ep1 $wg1)\" != 0 ]" 15 || fail "the relay did not handshake with ep1"
    nsexec ep2 ping -c 3 -i 0.2 -W 5 192.168.1.10 >/dev/null || fail "no ping ep2 → ep1 through the relay"
    [ "$(wgt_handshake ep2 "$wg2")" != 0 ] || fail "ep2 shows no handshake"
}

# Starts a sequence-numbered flow: ping ep1 → ep2 every 5 ms (icmp_seq numbers the packets),
# COUNT packets; flow_pid, and flow_out for its output (-D: a timestamp per reply).
wgt_start_flow() {
    local count=$1
    bg ep1 ping -D -n -i 0.005 -W 2 -c "$count" 192.168.2.20; flow_pid=$BG_PID
    flow_out=$(bg_log $flow_pid)
}

# Waits for the flow to end and sets flow_sent, flow_received, flow_gap_ms (longest time
# between two consecutive replies) and flow_missing (icmp_seq numbers never answered).
wgt_finish_flow() {
    bg_wait "$flow_pid" || true
    flow_sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$flow_out")
    flow_received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$flow_out")
    [ -n "$flow_sent" ] || fail "ping printed no summary: $(tail -3 "$flow_out")"
    flow_gap_ms=$(awk -F'[][]' '/icmp_seq=/ { t = $2 + 0; if (p && (t - p) * 1000 > g) g = (t - p) * 1000; p = t }
        END { printf "%.0f", g }' "$flow_out")
    flow_missing=$(awk -v n="$flow_sent" '/icmp_seq=/ { sub(/.*icmp_seq=/, ""); seen[$1 + 0] = 1 }
        END { m = 0; for (i = 1; i <= n; i++) if (!(i in seen)) m++; print m }' "$flow_out")
}

wgt_report() {
    echo "--- relay dataplane"; cat "$(bg_log "${dp_pid:-0}")" "$(bg_err "${dp_pid:-0}")" 2>/dev/null | tail -20
    echo "--- relay controlplane"; cat "$(bg_err "${cp_pid:-0}")" 2>/dev/null | tail -30
    nsexec relay "$ctl" --socket "$wgt_sock" show 2>&1 || true
    nsexec relay "$ctl" --socket "$wgt_sock" stats 2>&1 || true
    echo "--- ep1"; nsexec ep1 wg show "$wg1" 2>&1 || true; echo "--- ep2"; nsexec ep2 wg show "$wg2" 2>&1 || true
    [ -z "${flow_out:-}" ] || { echo "--- flow"; tail -5 "$flow_out"; }
}

# The drills' common start: root, wireguard-go, wg, /dev/net/tun and any other command named
# (a missing one skips the drill), and everything torn down on every exit, Ctrl-C included.
wgt_prologue() {  # wgt_prologue [COMMAND...]
    require_root
    local c
    for c in wireguard-go wg "$@"; do
        command -v "$c" >/dev/null || skip "needs $c (tools/setup installs it)"
    done
    [ -c /dev/net/tun ] || skip "needs /dev/net/tun"
    trap 'rc=$?; set +e; [ $rc -eq 0 ] || wgt_report; cleanup; hugepages_restore; exit $rc' EXIT INT TERM
}

# The topology up with both endpoints' sessions through the relay; hs1/hs2 are the endpoints'
# handshake times, for drills that must show no new handshake happened.
wgt_up() {  # wgt_up DRIVER
    wgt_setup "$1"
    wgt_start_endpoints
    wgt_start_dataplane
    wgt_start_controlplane
    wgt_sessions_up
    hs1=$(wgt_handshake ep1 "$wg1"); hs2=$(wgt_handshake ep2 "$wg2")
}
