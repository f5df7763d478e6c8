# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
# Shared set-up of the drills: ep1 ─ [wire1: impair] ─ relay ─ ep2 (+ an optional flooder).
#
#   ns ep1            ns wire1 (no addresses)        ns relay                 ns ep2
#   10.0.1.2 veth0 ── w1  impair (AF_PACKET)  w2 ── r1 10.0.1.1   r2 10.0.2.1 ── veth0 10.0.2.2
#                                                     r3 10.0.3.1 ── veth0 10.0.3.2 ns flood
#
# Source after lib.sh and hugepages.sh, then: drill_setup DRIVER WITH_FLOOD(0|1);
# drill_start_relay DATAPLANE ER_PROGRAM; the endpoint arguments are in ep1_args / ep2_args.
# IPv6 is off in every namespace: with DPDK the relay's ports see every frame, and kernel
# neighbour discovery would add drops the drills' exact sums would have to guess at.

# Creates namespace NAME with IPv6 disabled before any interface moves in.
drill_netns() {
    netns_add "$1"
    nsexec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# A veth pair whose second end (in the wire namespace) gets no address.
drill_wire_pair() {
    local ns1=$1 if1=$2 addr1=$3 ns2=$4 if2=$5 tmp
    tmp="vw$NETNS_SUFFIX$RANDOM"
    ip link add "${tmp:0:15}" type veth peer name "${tmp:0:13}p" || fail "ip link add veth"
    ip link set "${tmp:0:15}" netns "$(ns "$ns1")" name "$if1"
    ip link set "${tmp:0:13}p" netns "$(ns "$ns2")" name "$if2"
    [ -z "$addr1" ] || ip -n "$(ns "$ns1")" addr add "$addr1" dev "$if1"
    ip -n "$(ns "$ns1")" link set "$if1" up
    ip -n "$(ns "$ns2")" link set "$if2" up
}

drill_setup() {
    drill_driver=$1
    local with_flood=$2
    drill_netns ep1; drill_netns wire1; drill_netns relay; drill_netns ep2
    drill_wire_pair ep1 veth0 10.0.1.2/24 wire1 w1
    drill_wire_pair relay r1 10.0.1.1/24 wire1 w2
    veth_pair ep2 veth0 10.0.2.2/24 relay r2 10.0.2.1/24
    if [ "$with_flood" = 1 ]; then
        drill_netns flood
        veth_pair flood veth0 10.0.3.2/24 relay r3 10.0.3.1/24
    fi
    drill_work=$(mktemp -d "$NETNS_TMP/drill.XXXXXX")
    drill_instance="drill$$"
    k1=$("$er_program" --gen-keys | head -1); k1r=$("$er_program" --gen-keys | head -1)
    k2=$("$er_program" --gen-keys | head -1); k2r=$("$er_program" --gen-keys | head -1)
    local port_ep2=0 mac_r1 mac_r2
    mac_r1=$(nsexec relay cat /sys/class/net/r1/address)
    mac_r2=$(nsexec relay cat /sys/class/net/r2/address)
    # Static neighbours everywhere: no ARP queueing at the start of a burst, where the kernel
    # would silently drop datagrams beyond its unresolved-queue limit and break exact counts.
    nsexec ep1 ip neigh add 10.0.1.1 lladdr "$mac_r1" dev veth0
    nsexec ep2 ip neigh add 10.0.2.1 lladdr "$mac_r2" dev veth0
    if [ "$with_flood" = 1 ]; then
        nsexec flood ip neigh add 10.0.3.1 lladdr "$(nsexec relay cat /sys/class/net/r3/address)" dev veth0
    fi
    if [ "$drill_driver" = dpdk ]; then
        hugepages_reserve 600 || skip "no hugepages"
        local mac_ep1 mac_ep2 ports
        mac_ep1=$(nsexec ep1 cat /sys/class/net/veth0/address)
        mac_ep2=$(nsexec ep2 cat /sys/class/net/veth0/address)
        # DPDK owns the relay's veths: the kernel must not answer on them, and nobody does
        # ARP, so every neighbour of the relay is static.
        nsexec relay ip addr flush dev r1; nsexec relay ip addr flush dev r2
        ports="    - {name: net_af_packet0, devargs: \"iface=r1\", role: underlay, address: 10.0.1.1/24, gateway_mac: \"$mac_ep1\"}
    - {name: net_af_packet1, devargs: \"iface=r2\", role: underlay, address: 10.0.2.1/24, gateway_mac: \"$mac_ep2\"}"
        if [ "$with_flood" = 1 ]; then
            nsexec relay ip addr flush dev r3
            ports="$ports
    - {name: net_af_packet2, devargs: \"iface=r3\", role: underlay, address: 10.0.3.1/24, gateway_mac: \"$(nsexec flood cat /sys/class/net/veth0/address)\"}"
        fi
        dp_section="  driver: dpdk
  hugepages: true
  ports:
$ports"
        port_ep2=1
    else
        nsexec relay ip neigh add 10.0.1.2 lladdr "$(nsexec ep1 cat /sys/class/net/veth0/address)" dev r1
        nsexec relay ip neigh add 10.0.2.2 lladdr "$(nsexec ep2 cat /sys/class/net/veth0/address)" dev r2
        dp_section="  driver: io_uring
  hugepages: false
  io_uring: {bind: 0.0.0.0, family: ipv4}"
    fi
    cat > "$drill_work/relay.yaml" <<EOT
instance: $drill_instance
listen_port: 51820
dataplane:
  workers: 1
  max_peers: 64
  max_routes: 1024
$dp_section
EOT
    cat > "$drill_work/program.conf" <<EOT
peer 1 endpoint 10.0.1.2:51820 port 0
keypair 1 local-index 100 remote-index 200 send-key $k1r recv-key $k1
allowed 1 192.168.1.0/24
peer 2 endpoint 10.0.2.2:51820 port $port_ep2
keypair 2 local-index 101 remote-index 201 send-key $k2r recv-key $k2
allowed 2 192.168.2.0/24
route 192.168.1.0/24 via 1
route 192.168.2.0/24 via 2
EOT
    ep1_args=(--listen 10.0.1.2:51820 --relay 10.0.1.1:51820 --send-key "$k1" --recv-key "$k1r"
              --local-index 200 --remote-index 100 --src 192.168.1.10 --dst 192.168.2.20)
    ep2_args=(--listen 10.0.2.2:51820 --relay 10.0.2.1:51820 --send-key "$k2" --recv-key "$k2r"
              --local-index 201 --remote-index 101 --src 192.168.2.20 --dst 192.168.1.10)
}

# Starts the impairer in wire1 with ARGS... (w1 = ep1's side = direction "ab" toward the
# relay); sets impair_pid and waits for its start line.
drill_start_impair() {
    bg wire1 "$impair" --only-udp-port 51820 "$@" w1 w2; impair_pid=$BG_PID
    wait_for "grep -q '^impair: seed' $(bg_log $impair_pid)" 5 || { cat "$(bg_err $impair_pid)"; fail "impair did not start"; }
}

# Stops the impairer; impair_json names the file holding its JSON summary line. (Not meant
# for $(...): a subshell cannot wait for the impairer.)
drill_stop_impair() {
    kill -TERM "$impair_pid" 2>/dev/null || true
    bg_wait "$impair_pid" || fail "impair failed: $(cat "$(bg_err $impair_pid)")"
    impair_json="$drill_work/impair.$impair_pid.json"
    grep '^{' "$(bg_log $impair_pid)" | tail -1 > "$impair_json"
}

drill_start_relay() {
    bg relay "$dataplane" --config "$drill_work/relay.yaml"; relay_pid=$BG_PID
    wait_for "grep -q '^ready' $(bg_log $relay_pid)" 30 || { cat "$(bg_log $relay_pid)" "$(bg_err $relay_pid)"; fail "dataplane did not start"; }
    nsexec relay "$er_program" --instance "$drill_instance" "$drill_work/program.conf" || fail "programming refused"
}

# Stops the relay (its final counters go to its log) and prints the log's path.
drill_stop_relay() {
    kill -TERM "$relay_pid"
    bg_wait "$relay_pid" || fail "dataplane exited with an error on SIGTERM"
    relay_log=$(bg_log "$relay_pid")
    relay_pid=""
}

# Prints the relay's final count for drop REASON (0 when it never happened).
relay_drop() {
    local n
    n=$(sed -n "s/^worker 0: drop $1=\([0-9]*\)$/\1/p" "$relay_log")
    echo "${n:-0}"
}

# Prints the relay's final worker-0 counter NAME (rx_packets, decrypted, punted, drops, ...).
relay_counter() {
    grep '^worker 0: rx_packets' "$relay_log" | grep -oE "(^| )$1=[0-9]+" | cut -d= -f2
}

# Prints numeric FIELD of direction DIR ("ab"/"ba") from the impairer's JSON FILE.
impair_field() {
    sed -n "s/.*\"$2\":{[^}]*\"$3\":\([0-9]*\).*/\1/p" "$1"
}

relay_report() {
    [ -n "${relay_pid:-}" ] || return 0
    kill -TERM "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null || true
    echo "--- relay output"; cat "$(bg_log "$relay_pid")" "$(bg_err "$relay_pid")" 2>/dev/null | tail -30
}
