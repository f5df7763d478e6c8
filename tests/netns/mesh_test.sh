#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# Five relays find each other through the DHT from one bootstrap address, open tunnels by the
# neighbour policy, probe them and route between two stock WireGuard endpoints (wireguard-go);
# the relay carrying the flow is then SIGKILLed and the flow must resume within 1 s.
# Usage: mesh_test.sh DATAPLANE CONTROLPLANE EDGERELAYCTL PROMCHECK
#
#                       ns lan: bridge br0, underlay 10.77.0.0/16
#   ┌──────────┬──────────┬─────────┴┬──────────┬──────────┬──────────┐
#   r1         r2         r3         r4         r5         epA        epB
#   10.77.1.1  10.77.2.1  10.77.3.1  10.77.4.1  10.77.5.1  10.77.3.2  10.77.5.2
#   eu 55,-10  eu 35,-10  eu 55,25   am 45,-105 am -15,-40 (on r3)    (on r5)
#   DHT bootstrap for everyone: 10.77.1.1:4222 (r1) only. k_nearest 1.
#
#   Tunnels the neighbour policy gives (same region: all; other region: the nearest one):
#
#        r1 ────────── r4            epA 192.168.3.10 ── r3 ──┬── r4 ── r5 ── epB 192.168.5.20
#        │  ╲        ╱ │                                      └── r2 ── r5
#        │   r3 ────╯  │             two 2-hop paths r3 → r5 (and r3 → r1 → r4 → r5)
#        │  ╱          │
#        r2 ────────── r5
#
# Each relay is edgerelay-dataplane (io_uring driver, no hugepages) + edgerelay-controlplane
# in its own namespace. Needs root, wireguard-go, wg, curl and jq.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dataplane=$1 controlplane=$2 ctl=$3 promcheck=$4
. "$here/lib.sh"
require_root
command -v wireguard-go >/dev/null || skip "needs wireguard-go (apt install wireguard-go)"
command -v wg >/dev/null || skip "needs wg (apt install wireguard-tools)"
command -v curl >/dev/null || skip "needs curl"
command -v jq >/dev/null || skip "needs jq"
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"

relays=(r1 r2 r3 r4 r5)
declare -A region=([r1]=eu [r2]=eu [r3]=eu [r4]=am [r5]=am)
declare -A lat=([r1]=55 [r2]=35 [r3]=55 [r4]=45 [r5]=-15)
declare -A lon=([r1]=-10 [r2]=-10 [r3]=25 [r4]=-105 [r5]=-40)
declare -A ip=([r1]=10.77.1.1 [r2]=10.77.2.1 [r3]=10.77.3.1 [r4]=10.77.4.1 [r5]=10.77.5.1)
declare -A dp_pid cp_pid pub
work=$(mktemp -d "$NETNS_TMP/mesh.XXXXXX")
tag="m$$"
inst() { echo "mesh$$$1"; }
for r in "${relays[@]}"; do cleanup_file "/dev/shm/edgerelay-$(inst "$r")"; done

report() {
    for r in "${relays[@]}"; do
        echo "--- $r controlplane (pid ${cp_pid[$r]:-none})"
        grep -v 'waiting for' "$(bg_err "${cp_pid[$r]:-0}")" 2>/dev/null | tail -40
        echo "--- $r dataplane"
        tail -5 "$(bg_err "${dp_pid[$r]:-0}")" 2>/dev/null
        nsexec "$r" curl -s -m 2 "http://127.0.0.1:4040/routes" 2>/dev/null | head -c 2000; echo
        nsexec "$r" curl -s -m 2 "http://127.0.0.1:4040/topology" 2>/dev/null |
            jq -c '[.edges[] | [.from[0:6], .to[0:6], .up]]' 2>/dev/null | head -c 2000; echo
        nsexec "$r" curl -s -m 2 "http://127.0.0.1:4040/stats" 2>/dev/null |
            jq -c '{drops: (.drops | with_entries(select(.value > 0))), handshakes: (.handshakes | with_entries(select(.value > 0)))}' 2>/dev/null; echo
        nsexec "$r" curl -s -m 2 "http://127.0.0.1:4040/peers" 2>/dev/null |
            jq -c '[.peers[] | {name, id, session, rx_packets, tx_packets, hs: .latest_handshake_seconds_ago}]' 2>/dev/null; echo
    done
    # Who carries what when the flow is missing: the relays' own view of the world is above.
    for e in epA epB; do echo "--- $e"; nsexec $e wg show 2>&1 || true; done
}
trap 'rc=$?; set +e; [ $rc -eq 0 ] || [ $rc -eq 77 ] || report; cleanup; exit $rc' EXIT INT TERM

# ---- the underlay LAN ---------------------------------------------------------------------
netns_add lan
bridge_add lan br0
for r in "${relays[@]}"; do
    netns_add "$r"
    lan_join lan br0 "$r" eth0 "${ip[$r]}/16"
done
netns_add epA; lan_join lan br0 epA eth0 10.77.3.2/16
netns_add epB; lan_join lan br0 epB eth0 10.77.5.2/16

# ---- keys and configurations --------------------------------------------------------------
umask 077
for k in "${relays[@]}" epA epB; do
    "$ctl" genkey > "$work/$k.key"
    pub[$k]=$("$ctl" pubkey < "$work/$k.key")
done

# Static peers: epA on r3, epB on r5 (each owns its endpoint's /24, announced in the DHT).
static_peers() {
    case $1 in
    r3) cat <<EOT
peers:
  - {public_key: ${pub[epA]}, endpoint: "10.77.3.2:51820", allowed_ips: [192.168.3.0/24], name: epA}
routes:
  - {prefix: 192.168.3.0/24, via: epA}
EOT
    ;;
    r5) cat <<EOT
peers:
  - {public_key: ${pub[epB]}, endpoint: "10.77.5.2:51820", allowed_ips: [192.168.5.0/24], name: epB}
routes:
  - {prefix: 192.168.5.0/24, via: epB}
EOT
    ;;
    esac
}

for r in "${relays[@]}"; do
    mkdir -p "$work/$r"
    # r4 announces an explicit endpoint; the others derive it from the io_uring bind address.
    announce=""
    [ "$r" = r4 ] && announce="announce: {endpoints: [\"${ip[$r]}:51820\"]}"
    cat > "$work/$r.yaml" <<EOT
$(mesh_relay_yaml "$work" "$r" "$(inst "$r")" "${region[$r]}" "${lat[$r]}" "${lon[$r]}" 10.77.1.1:4222 1)
$announce
dataplane:
  driver: io_uring
  workers: 1
  max_peers: 64
  max_routes: 1024
  hugepages: false
  io_uring: {bind: ${ip[$r]}, family: ipv4}
$(static_peers "$r")
EOT
done

# ---- relays -------------------------------------------------------------------------------
# The control planes first: they join the DHT and discover each other while the dataplanes
# start, one at a time (EAL start-up is slow on a loaded 2-core host; five at once starve).
# Relays and endpoints run at nice -10: the probes' 100 ms deadlines are about the relays, not
# about a build that shares the host's two cores (a starved relay would look dead).
prio="nice -n -10"
for r in "${relays[@]}"; do
    bg "$r" $prio "$controlplane" --config "$work/$r.yaml"; cp_pid[$r]=$BG_PID
done
for r in "${relays[@]}"; do
    bg "$r" $prio "$dataplane" --config "$work/$r.yaml"; dp_pid[$r]=$BG_PID
    wait_for "grep -q '^ready' $(bg_log "${dp_pid[$r]}")" 90 || fail "$r: edgerelay-dataplane did not start"
done
for r in "${relays[@]}"; do
    wait_for "nsexec $r curl -sf -m 1 http://127.0.0.1:4040/health" 30 ||
        fail "$r: the HTTP API did not come up"
done
pass "5 relays started (dataplane + control plane each)"

# ---- endpoints ----------------------------------------------------------------------------
# wireguard-go's UAPI sockets live in /var/run/wireguard, shared by every namespace: the
# interface names must be unique on the host.
wga="wga$tag"; wgb="wgb$tag"; wga=${wga:0:15}; wgb=${wgb:0:15}
start_endpoint() {  # NAME IFNAME RELAY INNER OTHER
    wg_endpoint_start "$1" "$2" "$work/$1.key" "${pub[$3]}" "${ip[$3]}:51820" "$4" "$5"
}
start_endpoint epA "$wga" r3 192.168.3.10 192.168.5.0/24
start_endpoint epB "$wgb" r5 192.168.5.20 192.168.3.0/24

# ---- discovery and convergence ------------------------------------------------------------
api() { # relay path
    nsexec "$1" curl -sf -m 2 "http://127.0.0.1:4040$2"
}
# Test that every relay finds the four others through the DHT, starting from r1's address.
for r in "${relays[@]}"; do
    wait_for "[ \"\$(api $r /topology | jq '.nodes | length')\" = 5 ]" 120 ||
        fail "$r: topology has $(api "$r" /topology | jq '.nodes | length') of 5 relays"
done
pass "every relay discovered the 4 others from one bootstrap address"

# The tunnels the neighbour policy must have opened (union of both ends' choices).
expect_links() { # relay neighbours...
    local r=$1; shift
    local got want
    got=$(api "$r" /peers | jq -r '[.peers[] | select(.name | startswith("relay-")) | .public_key] | sort | .[]')
    want=$(for n in "$@"; do echo "${pub[$n]}"; done | sort)
    [ "$got" = "$want" ]
}
links_r1="r2 r3 r4"; links_r2="r1 r3 r5"; links_r3="r1 r2 r4"; links_r4="r1 r3 r5"; links_r5="r2 r4"
for r in "${relays[@]}"; do
    v="links_$r"
    # shellcheck disable=SC2086
    wait_for "expect_links $r ${!v}" 60 ||
        fail "$r: relay tunnels are $(api "$r" /peers | jq -c '[.peers[] | select(.name | startswith("relay-")) | .name]'), expected ${!v}"
done
pass "tunnels follow the neighbour policy (same region + 1 nearest): r1-r4, r2-r5, r3-r4 across"

# Test that routes converge: r3 reaches epB's prefix through a relay (never directly: r3 and
# r5 are not neighbours), and r5 reaches epA's.
route_via() { # relay prefix → next-hop peer's public key
    local peers routes hop
    routes=$(api "$1" /routes) || return 1
    hop=$(jq -r --arg p "$2" '.routes[] | select(.prefix == $p) | .next_hop' <<<"$routes")
    [ -n "$hop" ] || return 1
    api "$1" /peers | jq -r --argjson h "$hop" '.peers[] | select(.id == $h) | .public_key'
}
relay_of_key() {
    local k
    for k in "${relays[@]}"; do
        if [ "${pub[$k]}" = "$1" ]; then echo "$k"; fi
    done
    return 0
}
wait_for "[ -n \"\$(route_via r3 192.168.5.0/24)\" ] && [ -n \"\$(route_via r5 192.168.3.0/24)\" ]" 90 ||
    fail "routes did not converge"
pass "routes converged: r3 → 192.168.5.0/24 via $(relay_of_key "$(route_via r3 192.168.5.0/24)"), r5 → 192.168.3.0/24 via $(relay_of_key "$(route_via r5 192.168.3.0/24)")"

# Test end to end: epA → epB across two relays in between.
wait_for "nsexec epA ping -c 1 -W 1 192.168.5.20" 60 || fail "no ping epA → epB across the mesh"
nsexec epA ping -c 5 -i 0.2 -W 2 192.168.5.20 >/dev/null || fail "ping epA → epB lost packets"
nsexec epB ping -c 5 -i 0.2 -W 2 192.168.3.10 >/dev/null || fail "ping epB → epA lost packets"
pass "wireguard-go epA ↔ epB across the mesh (3 relays on the path)"

# ---- the HTTP API -------------------------------------------------------------------------
# Test every endpoint with content checks, on the ingress relay r3.
api r3 /health >/dev/null || fail "/health"
api r3 /ready >/dev/null || fail "/ready: $(nsexec r3 curl -s -m 2 http://127.0.0.1:4040/ready)"
api r3 /metrics > "$work/metrics.txt" || fail "/metrics"
"$promcheck" < "$work/metrics.txt" || fail "/metrics is not valid Prometheus text format"
grep -q '^edgerelay_' "$work/metrics.txt" || fail "/metrics has no edgerelay_ series"
api r3 /peers | jq -e --arg a "${pub[epA]}" '(.peers | length) == 4 and any(.peers[]; .public_key == $a and .name == "epA")' >/dev/null ||
    fail "/peers: $(api r3 /peers)"
api r3 /routes | jq -e 'any(.routes[]; .prefix == "192.168.5.0/24" and (.local | not)) and any(.routes[]; .prefix == "192.168.3.0/24")' >/dev/null ||
    fail "/routes: $(api r3 /routes)"
wait_for "api r3 /topology | jq -e '(.nodes | length) == 5 and ([.edges[] | select(.up)] | length) == 14 and (.neighbours | length) == 3 and all(.neighbours[]; .up)'" 30 ||
    fail "/topology: $(api r3 /topology)"
# Failover needs the alternative path known everywhere: other relays' links arrive with their
# records (DHT lookups), so wait until every relay sees all 7 tunnels up from both ends.
for r in "${relays[@]}"; do
    wait_for "api $r /topology | jq -e '([.edges[] | select(.up)] | length) == 14'" 90 ||
        fail "$r: link state incomplete: $(api "$r" /topology | jq -c '[.edges[] | [.from[0:6], .to[0:6], .up]]')"
done
api r3 /stats | jq -e '.dataplane.ready and (.workers | length) == 1 and .workers[0].tx_packets > 0' >/dev/null ||
    fail "/stats: $(api r3 /stats)"
[ "$(nsexec r3 curl -s -o /dev/null -w '%{http_code}' -m 2 http://127.0.0.1:4040/nope)" = 404 ] ||
    fail "unknown path is not 404"
pass "HTTP API: /health /ready /metrics (promcheck) /peers /routes /topology /stats, 404"

# ---- failover -----------------------------------------------------------------------------
# Find the relay carrying epA → epB at r3, SIGKILL both its processes while a 100 pps
# sequence-numbered flow (ping -D: receive timestamps) runs, and measure the largest gap
# between consecutive replies.
bg epA $prio ping -D -i 0.01 -W 1 -w 12 192.168.5.20; ping_pid=$BG_PID
sleep 3
# The carrier is read right before the kill (routes keep their next hop unless another path is
# 20 % cheaper, so it does not change in between).
carrier=$(relay_of_key "$(route_via r3 192.168.5.0/24)")
case $carrier in r2|r4) ;; *) fail "r3 → epB goes via '$carrier', expected r2 or r4" ;; esac
kill_at=$(date +%s.%N)
bg_kill9 "${cp_pid[$carrier]}"
bg_kill9 "${dp_pid[$carrier]}"
back=$(relay_of_key "$(route_via r5 192.168.3.0/24)")
echo "flow epA → epB: r3 → $carrier → r5; killed $carrier (return path now r5 → ${back:-?} → r3)"
bg_wait "$ping_pid" || true
out=$(bg_log "$ping_pid")
gap=$(awk -F'[][]' '/bytes from/ { t = $2 + 0; if (prev != "" && t - prev > max) max = t - prev; prev = t }
                    END { printf "%.3f", max + 0 }' "$out")
after=$(awk -F'[][]' -v k="$kill_at" '/bytes from/ && $2 + 0 > k + 1.5 { n++ } END { print n + 0 }' "$out")
received=$(grep -c 'bytes from' "$out" || true)
echo "failover gap: ${gap} s (largest gap between consecutive replies; $received replies, $after of them more than 1.5 s after the kill)"
new_carrier=$(relay_of_key "$(route_via r3 192.168.5.0/24)")
echo "r3 → epB now via $new_carrier"
[ "$new_carrier" != "$carrier" ] && [ -n "$new_carrier" ] || fail "r3 still routes via the dead $carrier"
[ "$after" -gt 100 ] || fail "traffic did not resume after the kill ($after replies later)"
awk -v g="$gap" 'BEGIN { exit !(g <= 1.0) }' || fail "failover gap ${gap} s > 1 s"
# Detection alone takes 2-3 probe intervals: a shorter gap means the kill missed the flow.
awk -v g="$gap" 'BEGIN { exit !(g >= 0.15) }' || fail "gap ${gap} s: the killed $carrier was not carrying the flow"
pass "failover: $carrier killed, traffic moved to $new_carrier, gap ${gap} s ≤ 1 s"
