# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# Helpers for network-namespace tests. Source it, then install the cleanup first thing:
#
#   . "$here/lib.sh"
#   trap cleanup EXIT INT TERM
#   netns_add a; netns_add b
#   veth_pair a veth0 10.0.0.1/24  b veth0 10.0.0.2/24
#   bg b wgflow ... recv --expect 100      # pid in $BG_PID, output in $(bg_log $BG_PID)
#   wait_for "ip netns exec b ss -uln | grep -q 51820" 5 || fail "B never listened"
#   pass "B got everything"
#
# Namespace names get a per-run suffix ($NETNS_SUFFIX, default the shell's pid), so two runs
# (or a crashed earlier one) never collide; use "$(ns a)" for the real name, or the helpers,
# which take the short name. Every namespace, background process and temporary file created
# through these helpers is removed by cleanup, which is idempotent.

NETNS_SUFFIX=${NETNS_SUFFIX:-$$}
NETNS_TMP=${NETNS_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/edgerelay-netns.XXXXXX")}
_netns_list=()
_bg_pids=()
_cleaned=0

# Prints the real name of namespace NAME.
ns() {
    echo "er-$1-$NETNS_SUFFIX"
}

# Runs CMD... inside namespace NAME (foreground).
nsexec() {
    local name=$1
    shift
    ip netns exec "$(ns "$name")" "$@"
}

# Prints MSG on stderr and exits 1 (cleanup runs from the EXIT trap).
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Prints MSG as a passed check.
pass() {
    echo "PASS: $*"
}

# Exits 77 (meson's "skipped") with a reason, for hosts that cannot run the test.
skip() {
    echo "SKIP: $*"
    exit 77
}

# Creates namespace NAME with its loopback up, remembered for cleanup.
netns_add() {
    local name=$1 real
    real=$(ns "$name")
    ip netns add "$real" || fail "ip netns add $real"
    _netns_list+=("$real")
    ip -n "$real" link set lo up
}

# Joins NS1 and NS2 with a veth pair: IF1 with ADDR1 in NS1, IF2 with ADDR2 in NS2. Addresses
# carry their prefix length (10.0.0.1/24, fd00::1/64). Both ends come up; IPv6 addresses skip
# duplicate address detection so they are usable at once.
veth_pair() {
    local ns1=$1 if1=$2 addr1=$3 ns2=$4 if2=$5 addr2=$6
    local real1 real2 tmp
    real1=$(ns "$ns1")
    real2=$(ns "$ns2")
    # Created in the root namespace under a unique temporary name, then moved: the final
    # names may exist in the root namespace already (eth0, veth0).
    tmp="ve$NETNS_SUFFIX$RANDOM"
    ip link add "${tmp:0:15}" type veth peer name "${tmp:0:13}p" || fail "ip link add veth"
    ip link set "${tmp:0:15}" netns "$real1" name "$if1"
    ip link set "${tmp:0:13}p" netns "$real2" name "$if2"
    _addr_add "$real1" "$if1" "$addr1"
    _addr_add "$real2" "$if2" "$addr2"
    ip -n "$real1" link set "$if1" up
    ip -n "$real2" link set "$if2" up
}

_addr_add() {
    local real=$1 ifname=$2 addr=$3
    if [[ $addr == *:* ]]; then
        ip -n "$real" addr add "$addr" dev "$ifname" nodad
    else
        ip -n "$real" addr add "$addr" dev "$ifname"
    fi
}

# Starts CMD... in namespace NS in the background, remembered for cleanup. Sets BG_PID; its
# stdout goes to "$(bg_log $BG_PID)" and stderr to "$(bg_err $BG_PID)".
bg() {
    local name=$1
    shift
    local out="$NETNS_TMP/bg.$RANDOM$RANDOM"
    ip netns exec "$(ns "$name")" "$@" >"$out.out" 2>"$out.err" &
    BG_PID=$!
    _bg_pids+=("$BG_PID")
    ln -sf "$out.out" "$NETNS_TMP/pid-$BG_PID.out"
    ln -sf "$out.err" "$NETNS_TMP/pid-$BG_PID.err"
}

bg_log() {
    echo "$NETNS_TMP/pid-$1.out"
}

bg_err() {
    echo "$NETNS_TMP/pid-$1.err"
}

# Waits for background PID to exit and returns its status (also when it already exited).
bg_wait() {
    local rc=0
    wait "$1" || rc=$?
    return $rc
}

# Retries the shell command CMD (a string, evaluated) every 0.1 s until it succeeds or TIMEOUT
# seconds (default 5) pass. Returns 0 on success, 1 on timeout.
wait_for() {
    local cmd=$1 timeout=${2:-5}
    local deadline=$((SECONDS + timeout))
    while ! eval "$cmd" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
    return 0
}

# Waits until something in namespace NS listens on UDP PORT.
wait_udp_listen() {
    local name=$1 port=$2 timeout=${3:-5}
    wait_for "nsexec $name ss -Huln 'sport = :$port' | grep -q ." "$timeout"
}

# Prints the value of numeric FIELD from a one-line JSON object in FILE (wgflow's summary).
json_field() {
    local file=$1 field=$2
    sed -n "s/.*\"$field\":\([0-9.]*\).*/\1/p" "$file" | tail -n 1
}

# Kills remembered background processes (TERM, then KILL after 2 s), deletes the namespaces
# and temporary files. Safe to call more than once, and from a trap.
cleanup() {
    [ "$_cleaned" = 1 ] && return 0
    _cleaned=1
    # Runs from EXIT/INT traps of scripts that use `set -e`: a kill of an already gone process
    # must not abort the cleanup half-way and leave namespaces behind.
    set +e
    local pid i
    for pid in "${_bg_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for i in $(seq 20); do
        local alive=0
        for pid in "${_bg_pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${_bg_pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    local real
    for real in "${_netns_list[@]}"; do
        ip netns del "$real" 2>/dev/null
    done
    local f
    for f in "${_extra_files[@]}"; do
        # shellcheck disable=SC2086 # globs are wanted here
        rm -f $f
    done
    if [ -n "${NETNS_KEEP_TMP:-}" ]; then
        echo "netns: logs kept in $NETNS_TMP" >&2
    else
        rm -rf "$NETNS_TMP"
    fi
    return 0
}

# Skips the test unless it runs as root with ip(8) available.
require_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
    command -v ip >/dev/null || skip "needs iproute2"
}

# Creates bridge BR (up) inside namespace NS: an underlay LAN that lan_join attaches to.
bridge_add() {
    local name=$1 br=$2
    ip -n "$(ns "$name")" link add "$br" type bridge || fail "ip link add bridge $br"
    ip -n "$(ns "$name")" link set "$br" up
}

# Plugs namespace NS into bridge BR of namespace BRNS with a veth: IF (with ADDR) in NS, the
# other end enslaved to BR. Same naming rules as veth_pair.
lan_join() {
    local brns=$1 br=$2 name=$3 ifname=$4 addr=$5
    local realbr real tmp
    realbr=$(ns "$brns")
    real=$(ns "$name")
    tmp="vl$NETNS_SUFFIX$RANDOM"
    ip link add "${tmp:0:15}" type veth peer name "${tmp:0:13}p" || fail "ip link add veth"
    ip link set "${tmp:0:15}" netns "$real" name "$ifname"
    ip link set "${tmp:0:13}p" netns "$realbr"
    ip -n "$realbr" link set "${tmp:0:13}p" master "$br" up
    _addr_add "$real" "$ifname" "$addr"
    ip -n "$real" link set "$ifname" up
}

# Files outside $NETNS_TMP that cleanup removes too (e.g. /dev/shm segments of SIGKILLed
# dataplanes). Globs are expanded at cleanup time.
_extra_files=()
cleanup_file() {
    _extra_files+=("$1")
}

# SIGKILLs one remembered background process (a crash, not a shutdown) and reaps it.
bg_kill9() {
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# A stock WireGuard endpoint (Debian's wireguard-go) in namespace NAME with one peer, its relay:
# interface IFNAME (unique on the host: wireguard-go's UAPI sockets in /var/run/wireguard are
# shared by every namespace), private key in KEYFILE, the relay's PUBKEY at ENDPOINT
# (host:port), inner address INNER/24, the prefix OTHER routed into the tunnel; MTU 1380 and a
# 5 s keepalive. Runs wireguard-go under $prio when the caller sets it.
wg_endpoint_start() {  # wg_endpoint_start NAME IFNAME KEYFILE PUBKEY ENDPOINT INNER OTHER
    local name=$1 ifname=$2 key=$3 pubkey=$4 endpoint=$5 inner=$6 other=$7 conf
    # shellcheck disable=SC2086 # $prio is a command prefix ("nice -n -10") or empty
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 bg "$name" ${prio:-} wireguard-go -f "$ifname"
    wait_for "nsexec $name ip link show $ifname" 10 || fail "$name: wireguard-go did not create $ifname"
    conf=$(mktemp "$NETNS_TMP/$name.conf.XXXXXX")
    cat > "$conf" <<EOT
[Interface]
PrivateKey = $(cat "$key")
ListenPort = 51820

[Peer]
PublicKey = $pubkey
AllowedIPs = $other
Endpoint = $endpoint
PersistentKeepalive = 5
EOT
    nsexec "$name" wg setconf "$ifname" "$conf" || fail "$name: wg setconf"
    nsexec "$name" ip addr add "$inner/24" dev "$ifname"
    nsexec "$name" ip link set "$ifname" mtu 1380 up
    nsexec "$name" ip route add "$other" dev "$ifname"
}

# The identity, mesh and health part of a relay's YAML, as the mesh scenarios (mesh_test,
# the impaired-mesh drill, tools/demo) write it: key files and control socket under DIR/NAME,
# the HTTP API on 127.0.0.1:4040, DHT on UDP 4222 with its state file, the default 100 ms
# probes. The caller appends announce:, dataplane: and static peers.
mesh_relay_yaml() {  # mesh_relay_yaml DIR NAME INSTANCE REGION LAT LON BOOTSTRAP K_NEAREST
    local dir=$1 name=$2
    cat <<EOT
instance: $3
listen_port: 51820
identity:
  private_key_file: $dir/$name.key
  node_key_file: $dir/$name/node.key
control_socket: $dir/$name/cp.sock
region: $4
location: {latitude: $5, longitude: $6}
http: {address: 127.0.0.1:4040}
bootstrap: ["$7"]
dht: {port: 4222, state_file: $dir/$name/dht.state, k_nearest: $8}
health: {interval_ms: 100, misses: 3}
EOT
}
