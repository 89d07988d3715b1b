#!/usr/bin/env bash
# NAT traversal benchmark (issue 5): Warren against Nebula in the same NAT lab, same run.
#
# For each NAT pair (default easy:easy easy:hard hard:hard) the lab (dev.warren.testing.nat.NatLab, built through
# NatLabMain) is: a server "lh" on the internet (203.0.113.1), routers r1 and r2 of the pair's kinds, host a
# behind r1 and host b behind r2. Per implementation and pair it measures:
#   first_reply_s   overlay daemons started on a and b (the lighthouse/relay already up) → first ping reply a→b
#   direct_s        same start → first moment ping data travels router to router in both directions (below)
#   iperf_mbps      TCP a→b through the overlay for $SECS s, and the path it took (direct or relay)
#   upgrade_s       on a pair with a HARD router: every HARD router changed to EASY (ruleset swap, conntrack
#                   flush; one after the other) → first moment ping data travels directly again
# Ping runs all along at 10/s with 1000-byte payloads, so data packets (>900 bytes of IP) are told apart from
# handshakes, punches and lighthouse queries (all smaller).
#
# How "direct" is told, for any implementation: each router gets an extra nftables table (natbench) whose
# forward-hook counter counts UDP packets over 900 bytes that arrive from the internet from any address other
# than the server's (i.e. not via the relay) and that the router's firewall let in. Direct = both routers'
# counters rose. Nebula's own logs are kept beside the results for cross-checking.
#
# Output: a table, and bench/results/nat-DATE.tsv and .json (one row per implementation and pair).
# Implementations: nebula (Debian's nebula: lighthouse with am_relay on lh, hosts use it as relay, punchy on),
# nebula-norelay (the same hosts without relays: can Nebula punch this pair at all?), warren (control and relay
# on lh, `warren node` on a and b: see run_warren).
# upnp:hard is not measured for Nebula: it has no UPnP/NAT-PMP/PCP client, so a UPNP router is EASY to it.
# Usage (root): bench/nat-bench.sh [--pairs 'easy:easy easy:hard hard:hard'] [--impl 'nebula nebula-norelay warren']
#               [-t SECS] [--limit SECONDS-TO-WAIT (120)] [--upgrade-limit SECONDS (300)]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/bin/lib/jdk.sh"
PAIRS="easy:easy easy:hard hard:hard"
IMPLS="nebula nebula-norelay warren"
SECS=10
LIMIT=120         # seconds to wait for a first reply or a direct path before calling it "none"
UPGRADE_LIMIT=300 # seconds to wait for relay → direct after the NAT change (Nebula's upgrade is timer-driven)
while [ $# -gt 0 ]; do
    case "$1" in
    --pairs) PAIRS=$2; shift 2 ;;
    --impl) IMPLS=$2; shift 2 ;;
    -t) SECS=$2; shift 2 ;;
    --limit) LIMIT=$2; shift 2 ;;
    --upgrade-limit) UPGRADE_LIMIT=$2; shift 2 ;;
    *) echo "usage: $0 [--pairs 'easy:easy easy:hard hard:hard'] [--impl 'nebula nebula-norelay warren'] [-t SECS]" \
            "[--limit S] [--upgrade-limit S]" >&2
       exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "nat-bench: run as root (it builds network namespaces)" >&2; exit 1; }

# ------------------------------------------------------------------------------------------- prerequisites
declare -A pkg=([nebula]=nebula [nebula-cert]=nebula [iperf3]=iperf3 [conntrack]=conntrack [nft]=nftables
                [miniupnpd]=miniupnpd [ping]=iputils-ping [ip]=iproute2 [ss]=iproute2)
missing=()
for tool in "${!pkg[@]}"; do command -v "$tool" >/dev/null || missing+=("${pkg[$tool]}"); done
if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "nat-bench: installing ${missing[*]}..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
JDK=$(find_jdk) || { echo "nat-bench: no JDK 25 found" >&2; exit 1; }
if [ ! -d "$ROOT/warren-testing/target/classes/dev/warren/testing/nat" ] || [ ! -d "$ROOT/warren-wire/target/classes" ]; then
    echo "nat-bench: compiling the NAT lab (mvn compile, never install)..."
    (cd "$ROOT" && JAVA_HOME=$JDK mvn -o -q -B -pl warren-wire,warren-testing compile)
fi
CP="$ROOT/warren-testing/target/classes:$ROOT/warren-wire/target/classes"

STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
TSV="$RESULTS/nat-$STAMP.tsv"
JSON="$RESULTS/nat-$STAMP.json"
WORK=$(mktemp -d /tmp/warren-natbench.XXXXXX)
echo "nat-bench: logs in $WORK"
printf 'impl\tpair\tfirst_reply_s\tdirect_s\tiperf_mbps\tiperf_path\tupgrade_s\tnote\n' >"$TSV"

PREFIX=""
natlab() { # CMD ARGS...  (on the current lab)
    local cmd=$1; shift
    "$JDK/bin/java" -XX:TieredStopAtLevel=1 -cp "$CP" dev.warren.testing.nat.NatLabMain "$cmd" \
        --prefix "$PREFIX" --dir "$WORK/$PREFIX" "$@"
}
lab_up() { # PAIR — a fresh lab for one measurement; sets PREFIX
    PREFIX="wnat$(printf '%04x' $((RANDOM % 65536)))"
    natlab up --owner $$ --pair "$1" --server lh >"$WORK/$PREFIX.info"
    for r in r1 r2; do bench_counter "$r"; done
}
lab_down() {
    [ -n "$PREFIX" ] && natlab down 2>/dev/null || true
    PREFIX=""
}
trap 'lab_down; echo "nat-bench: logs kept in $WORK"' EXIT
ns() { echo "$PREFIX-$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

LH=203.0.113.1
# The "direct data" counter in router $1: UDP > 900 bytes from the internet, not from the server, let in.
bench_counter() {
    ip netns exec "$(ns "$1")" nft -f - <<EOF
table ip natbench {
    counter direct { }
    chain forward {
        type filter hook forward priority 10; policy accept;
        iifname "wan" ip saddr != $LH meta l4proto udp meta length > 900 counter name "direct"
    }
}
EOF
}
direct_count() { ip netns exec "$(ns "$1")" nft list counter ip natbench direct | awk '/packets/ { print $2 }'; }
is_direct() { [ "$(direct_count r1)" -gt 0 ] && [ "$(direct_count r2)" -gt 0 ]; }
reset_counters() { for r in r1 r2; do ip netns exec "$(ns "$r")" nft reset counter ip natbench direct >/dev/null; done; }

# Waits (polling every 0.1 s, at most $LIMIT s) until "$@" holds; prints seconds since $T0 or "none".
wait_for() {
    local t0=$1; shift
    local deadline; deadline=$(awk -v a="$(now)" -v l="$LIMIT" 'BEGIN { printf "%.3f", a + l }')
    while :; do
        if "$@"; then since "$t0"; return; fi
        if awk -v d="$deadline" -v n="$(now)" 'BEGIN { exit !(n > d) }'; then echo none; return; fi
        sleep 0.1
    done
}
# The first reply in a `ping -D` log, as seconds after $2, or "none".
first_reply() {
    awk -v t0="$2" '/bytes from/ { gsub(/[\[\]]/, "", $1); printf "%.2f\n", $1 - t0; found = 1; exit }
                    END { if (!found) print "none" }' "$1"
}
has_reply() { grep -q 'bytes from' "$1"; }

# An iperf3 TCP run a→b over the overlay address $1; prints "MBPS PATH" (path: direct, relay or mixed).
iperf_run() {
    local log=$WORK/$PREFIX-iperf.log
    ip netns exec "$(ns b)" iperf3 -s -1 -B "$1" >/dev/null 2>&1 &
    local server=$!
    sleep 0.5
    reset_counters
    local before_lh; before_lh=$(relayed_count)
    if ip netns exec "$(ns a)" iperf3 -c "$1" -t "$SECS" -J >"$log" 2>&1; then
        local mbps; mbps=$(awk '/"sum_received"/ { s = 1 } s && /"bits_per_second"/ { gsub(/[,]/, ""); printf "%.0f", $2 / 1e6; exit }' "$log")
        local d; d=$(( $(direct_count r1) + $(direct_count r2) ))
        local r; r=$(( $(relayed_count) - before_lh ))
        local path=relay
        if [ "$d" -gt 1000 ] && [ "$r" -gt 1000 ]; then path=mixed; elif [ "$d" -gt 1000 ]; then path=direct; fi
        echo "${mbps:-none} $path"
    else
        echo "none failed"
    fi
    kill "$server" 2>/dev/null || true
}
# UDP or TCP packets over 900 bytes that reached the server (relayed data: Nebula relays over UDP, Warren over
# TCP), counted on the internet's bridge.
relayed_count() {
    ip netns exec "$(ns inet)" nft list counter bridge natbench relayed 2>/dev/null | awk '/packets/ { print $2 }' || echo 0
}
relay_counter() {
    ip netns exec "$(ns inet)" nft -f - <<EOF
table bridge natbench {
    counter relayed { }
    chain forward {
        type filter hook forward priority 0; policy accept;
        ip daddr $LH meta l4proto { udp, tcp } meta length > 900 counter name "relayed"
    }
}
EOF
}

row() { # impl pair first direct mbps path upgrade note
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TSV"
}

# ------------------------------------------------------------------------------------------- Nebula
NEB=$WORK/nebula
nebula_certs() {
    mkdir -p "$NEB"
    [ -f "$NEB/ca.crt" ] && return
    (cd "$NEB" && nebula-cert ca -name natbench -out-crt ca.crt -out-key ca.key >/dev/null
     nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name lh -ip 192.168.100.1/24 -out-crt lh.crt -out-key lh.key
     nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name a -ip 192.168.100.2/24 -out-crt a.crt -out-key a.key
     nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name b -ip 192.168.100.3/24 -out-crt b.crt -out-key b.key)
}
nebula_config() { # NAME RELAY — lighthouse "lh" (am_lighthouse, am_relay) or a host using lh as lighthouse and,
                  # when RELAY is "on", as relay
    local f=$NEB/$PREFIX-$1.yml
    {
        echo "pki: { ca: $NEB/ca.crt, cert: $NEB/$1.crt, key: $NEB/$1.key }"
        if [ "$1" = lh ]; then
            echo "static_host_map: {}"
            echo "lighthouse: { am_lighthouse: true }"
            echo "relay: { am_relay: true, use_relays: false }"
        else
            echo "static_host_map: { '192.168.100.1': ['$LH:4242'] }"
            echo "lighthouse: { am_lighthouse: false, interval: 60, hosts: ['192.168.100.1'] }"
            if [ "$2" = on ]; then
                echo "relay: { relays: ['192.168.100.1'], am_relay: false, use_relays: true }"
            else
                echo "relay: { relays: [], am_relay: false, use_relays: false }"
            fi
        fi
        cat <<EOF
listen: { host: 0.0.0.0, port: 4242 }
punchy: { punch: true, respond: true }
tun: { disabled: false, dev: nebula1, mtu: 1300 }
logging: { level: debug, format: text }
firewall:
  outbound: [ { port: any, proto: any, host: any } ]
  inbound: [ { port: any, proto: any, host: any } ]
EOF
    } >"$f"
    echo "$f"
}
nebula_start() { # NODE NAME RELAY
    local cfg; cfg=$(nebula_config "$2" "$3")
    ip netns exec "$(ns "$1")" nebula -config "$cfg" >"$WORK/$PREFIX-nebula-$2.log" 2>&1 &
}
nebula_ready() { ip netns exec "$(ns "$1")" ip -br addr show nebula1 2>/dev/null | grep -q 192.168.100; }

run_nebula() { nebula_pair nebula "$1" on; }
# The same without relays on the hosts (the lighthouse still offers one): shows whether Nebula can punch a pair.
run_nebula-norelay() { nebula_pair nebula-norelay "$1" off; }

nebula_pair() { # IMPL PAIR RELAY
    local impl=$1 pair=$2 relay=$3 note="" first direct mbps=none path=- upgrade=n/a
    nebula_certs
    lab_up "$pair"
    relay_counter
    nebula_start lh lh on
    wait_for "$(now)" nebula_ready lh >/dev/null
    local t0; t0=$(now)
    nebula_start a a "$relay"
    nebula_start b b "$relay"
    : >"$WORK/$PREFIX-ping.log"
    ip netns exec "$(ns a)" ping -D -n -i 0.1 -s 1000 -W 1 192.168.100.3 >"$WORK/$PREFIX-ping.log" 2>&1 &
    local pinger=$!
    wait_for "$t0" has_reply "$WORK/$PREFIX-ping.log" >/dev/null
    first=$(first_reply "$WORK/$PREFIX-ping.log" "$t0")
    if [ "$first" = none ]; then
        direct=none   # no tunnel at all: nothing to measure until the NAT changes
    else
        direct=$(wait_for "$t0" is_direct)
        read -r mbps path < <(iperf_run 192.168.100.3)
    fi
    if [[ $pair == *hard* ]]; then
        # make direct possible: every HARD router becomes EASY (one after the other, ~0.3 s each); the time
        # counts from before the first change until data flows directly again
        reset_counters
        local tc; tc=$(now)
        if [[ ${pair%%:*} == hard ]]; then natlab kind r1 easy; fi
        if [[ ${pair#*:} == hard ]]; then natlab kind r2 easy; fi
        upgrade=$(LIMIT=$UPGRADE_LIMIT wait_for "$tc" is_direct)
    fi
    kill "$pinger" 2>/dev/null || true
    lab_down
    row "$impl" "$pair" "$first" "$direct" "$mbps" "$path" "$upgrade" "$note"
}

# ------------------------------------------------------------------------------------------- Warren
# The same measurements for Warren, through its CLI as a user runs it: on "lh" a control server (`warren control
# serve`, port 8080, relay map of one region "lab") and a relay (`warren relay serve`, TCP 443, STUN on UDP 3478,
# admitting only node keys control knows); on a and b `warren node` with its default magicsock data plane. The
# clock starts (t0) when both daemons are started, like Nebula's; `warren up` (login with a pre-auth key) and
# `warren ip` come first, so the ping to b's Warren address starts only after the login: first_reply counts all
# of that, and the note gives the ping's own start and its time to first reply. The relay is TCP, so relayed data
# does not move the routers' "direct" counters (UDP only); it is counted on the internet bridge (relayed_count
# counts TCP to lh too). The note also gives the PATH `warren status --json` shows during iperf3 and after the
# NAT change, as a cross-check of the counters.
WARREN=$ROOT/bin/warren
WLOG=""
warren_servers() { # starts control and the relay on lh (state in $WLOG); prints the pre-auth key
    local st=$WLOG/control
    mkdir -p "$st"
    cat >"$WLOG/relay-map.json" <<EOF
{"regions": [{"id": 1, "code": "lab", "name": "NAT bench relay",
              "nodes": [{"name": "lab1", "host": "$LH", "ipv4": "$LH", "port": 443, "stunPort": 3478, "tls": false},
                        {"name": "lab-stun", "host": "$LH", "ipv4": "$LH", "port": 444, "stunPort": 3479,
                         "tls": false}]}]}
EOF
    ip netns exec "$(ns lh)" "$WARREN" control serve --listen "$LH:8080" --url "http://$LH:8080" --state "$st" \
        --relay-map "$WLOG/relay-map.json" >"$WLOG/control.log" 2>&1 &
    wait_for "$(now)" test -f "$st/control.json" >/dev/null
    if [ ! -f "$st/control.json" ]; then
        echo "nat-bench: warren control did not start: $(tail -5 "$WLOG/control.log")" >&2
        return 1
    fi
    ip netns exec "$(ns lh)" "$WARREN" control domain create bench --state "$st" >/dev/null
    ip netns exec "$(ns lh)" "$WARREN" control relay-token --state "$st" >/dev/null
    ip netns exec "$(ns lh)" "$WARREN" relay serve --listen "$LH:443" --stun-port 3478 \
        --control "http://$LH:8080" --control-token "$st/relay.token" >"$WLOG/relay.log" 2>&1 &
    # a second STUN server (a second relay process, only its STUN port is used: relay clients dial a region's
    # first node): netcheck needs two to tell a hard NAT from an easy one, and birthday probing (ADR 0015) needs that
    ip netns exec "$(ns lh)" "$WARREN" relay serve --listen "$LH:444" --stun-port 3479 \
        --control "http://$LH:8080" --control-token "$st/relay.token" >"$WLOG/relay2.log" 2>&1 &
    wait_for "$(now)" warren_relay_ready >/dev/null
    ip netns exec "$(ns lh)" "$WARREN" control authkey create --domain bench --reusable --preapproved \
        --state "$st" | tail -1
}
warren_relay_ready() {
    ip netns exec "$(ns lh)" ss -lnt | grep -q "$LH:443 " && ip netns exec "$(ns lh)" ss -lnu | grep -q ":3478 " \
        && ip netns exec "$(ns lh)" ss -lnu | grep -q ":3479 "
}
warren_node() { # NODE — starts `warren node` in NODE's namespace
    mkdir -p "$WLOG/$1"
    rm -f "$WLOG/$1/warren.sock"
    ip netns exec "$(ns "$1")" "$WARREN" node --state "$WLOG/$1/state" --socket "$WLOG/$1/warren.sock" \
        >"$WLOG/$1/node.log" 2>&1 &
}
wcli() { local node=$1; shift; "$WARREN" "$@" --socket "$WLOG/$node/warren.sock"; }
warren_path() { # NODE PEER — the PATH `warren status --json` on NODE shows for PEER (spaces as _)
    wcli "$1" status --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(next((p.get("path") or "-" for p in s.get("peers", []) if p.get("name") == sys.argv[1]), "(unknown)"))' "$2" \
        | tr ' ' '_'
}

run_warren() { # PAIR
    local pair=$1 first direct mbps=none path=- upgrade=n/a note key t0 tp addr up_a pinger tc
    lab_up "$pair"
    relay_counter
    WLOG=$WORK/$PREFIX-warren
    mkdir -p "$WLOG"
    if ! key=$(warren_servers); then
        lab_down
        row warren "$pair" none none none - n/a "control or relay did not start (logs in $WLOG)"
        return
    fi
    t0=$(now)
    warren_node a
    warren_node b
    wait_for "$t0" test -S "$WLOG/a/warren.sock" >/dev/null
    wait_for "$t0" test -S "$WLOG/b/warren.sock" >/dev/null
    wcli a up --login-server "http://$LH:8080" --auth-key "$key" --hostname a >/dev/null &
    up_a=$!
    wcli b up --login-server "http://$LH:8080" --auth-key "$key" --hostname b >/dev/null
    wait "$up_a"
    addr=$(wcli b ip -4)
    : >"$WORK/$PREFIX-ping.log"
    tp=$(now)
    ip netns exec "$(ns a)" ping -D -n -i 0.1 -s 1000 -W 1 "$addr" >"$WORK/$PREFIX-ping.log" 2>&1 &
    pinger=$!
    wait_for "$t0" has_reply "$WORK/$PREFIX-ping.log" >/dev/null
    first=$(first_reply "$WORK/$PREFIX-ping.log" "$t0")
    note="ping started $(awk -v a="$t0" -v b="$tp" 'BEGIN { printf "%.2f", b - a }') s after t0 (login done)"
    note="$note, first reply $(first_reply "$WORK/$PREFIX-ping.log" "$tp") s after the ping started"
    if [ "$first" = none ]; then
        direct=none
    else
        direct=$(wait_for "$t0" is_direct)
        read -r mbps path < <(iperf_run "$addr")
        note="$note; status a→b after iperf3: $(warren_path a b)"
    fi
    if [[ $pair == *hard* ]]; then
        reset_counters
        tc=$(now)
        if [[ ${pair%%:*} == hard ]]; then natlab kind r1 easy; fi
        if [[ ${pair#*:} == hard ]]; then natlab kind r2 easy; fi
        upgrade=$(LIMIT=$UPGRADE_LIMIT wait_for "$tc" is_direct)
        note="$note; status a→b after the NAT change: $(warren_path a b)"
    fi
    kill "$pinger" 2>/dev/null || true
    lab_down   # stops every process in the lab's namespaces
    row warren "$pair" "$first" "$direct" "$mbps" "$path" "$upgrade" "$note"
}

# ------------------------------------------------------------------------------------------- run
for pair in $PAIRS; do
    for impl in $IMPLS; do
        echo "nat-bench: $impl $pair..."
        "run_$impl" "$pair"
    done
done

echo
column -t -s $'\t' "$TSV"
# Warren beside Nebula (with relays) per pair, with ratios where both have numbers (throughput: warren/nebula,
# so > 1 is Warren faster; times: warren/nebula, so < 1 is Warren faster).
echo
awk -F'\t' '
    function num(v) { return v ~ /^[0-9.]+$/ }
    function ratio(w, n) { return (num(w) && num(n) && n + 0 > 0) ? sprintf("%.2f", w / n) : "-" }
    NR > 1 { v[$1, $2, "first"] = $3; v[$1, $2, "direct"] = $4; v[$1, $2, "mbps"] = $5; v[$1, $2, "path"] = $6
             v[$1, $2, "upgrade"] = $7; if (!($2 in seen)) { seen[$2] = 1; pairs[++np] = $2 } }
    END {
        printf "%-10s %-14s %10s %10s %8s\n", "pair", "measure", "warren", "nebula", "ratio"
        for (i = 1; i <= np; i++) {
            p = pairs[i]
            if (!(("warren", p, "first") in v) || !(("nebula", p, "first") in v)) continue
            printf "%-10s %-14s %10s %10s %8s\n", p, "first_reply_s", v["warren", p, "first"], v["nebula", p, "first"], ratio(v["warren", p, "first"], v["nebula", p, "first"])
            printf "%-10s %-14s %10s %10s %8s\n", p, "direct_s", v["warren", p, "direct"], v["nebula", p, "direct"], ratio(v["warren", p, "direct"], v["nebula", p, "direct"])
            printf "%-10s %-14s %10s %10s %8s\n", p, "tcp_mbps", v["warren", p, "mbps"] "/" v["warren", p, "path"], v["nebula", p, "mbps"] "/" v["nebula", p, "path"], ratio(v["warren", p, "mbps"], v["nebula", p, "mbps"])
            printf "%-10s %-14s %10s %10s %8s\n", p, "upgrade_s", v["warren", p, "upgrade"], v["nebula", p, "upgrade"], ratio(v["warren", p, "upgrade"], v["nebula", p, "upgrade"])
        }
    }' "$TSV"
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
    { printf "%s  {", (NR == 2 ? "[" : ","); for (i = 1; i <= NF; i++) {
        v = $i; q = (v ~ /^[0-9.]+$/) ? v : "\"" v "\""; printf "%s\"%s\": %s", (i > 1 ? ", " : ""), h[i], q }
      printf "}\n" }
    END { print "]" }' "$TSV" >"$JSON"
echo "nat-bench: results in $TSV and $JSON"
