#!/usr/bin/env bash
# Warren vs wireguard-go, same machine, same run, same topology (DESIGN.md §5).
#
# Two network namespaces joined by one veth; a WireGuard interface in each (tunnel MTU 1420); iperf3 for
# $SECS seconds. For each pair — wireguard-go↔wireguard-go, warren↔warren, warren↔wireguard-go — it measures:
# TCP 1 stream, TCP 4 streams, TCP reverse, UDP 1392-byte packets received per second, ping RTT (a fresh
# daemon's; warm: the mean of 200 pings and the median of 1,000), daemon CPU during the single-stream run
# (Mbit/s per CPU %), daemon start → first ping reply, and daemon RSS after the run. Prints a table with Warren ÷ wireguard-go ratios. Needs root, iperf3, wireguard-go and wg.
#
# With --start-only it measures only start → first ping (plus the time until the launcher returned, and the
# started daemon's CPU time up to then and up to the first reply), which takes seconds per run instead of minutes.
#
# Usage: bench/wg-throughput.sh [-t SECONDS] [-r RUNS] [--quick] [--start-only]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
SECS=10
RUNS=1
START_ONLY=0
PAIRS="wireguard-go:wireguard-go warren:warren warren:wireguard-go"
while [ $# -gt 0 ]; do
    case "$1" in
    -t) SECS=$2; shift 2 ;;
    -r) RUNS=$2; shift 2 ;;
    --quick) SECS=3; shift ;;
    --start-only) START_ONLY=1; shift ;;
    --pairs) PAIRS=$2; shift 2 ;;
    *) echo "usage: $0 [-t SECONDS] [-r RUNS] [--quick] [--start-only] [--pairs 'a:b ...']" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for t in iperf3 wireguard-go wg ip ping python3; do
    command -v $t >/dev/null || { echo "missing $t (apt-get install iperf3 wireguard-go wireguard-tools iproute2 iputils-ping)" >&2; exit 1; }
done
"$ROOT/bin/warren" version >/dev/null   # builds and makes the start-up cache if needed

P="wbench$(printf '%04x' $((RANDOM % 65536)))"
A="$P-a"; B="$P-b"; IA="${P}a"; IB="${P}b"
OUT=$(mktemp -d /tmp/warren-bench.XXXXXX)
cleanup() {
    for ns in "$A" "$B"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    done
    sleep 0.3
    for ns in "$A" "$B"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -f "/var/run/wireguard/$IA.sock" "/var/run/wireguard/$IB.sock"
}
trap 'cleanup; rm -rf "$OUT"' EXIT

wg genkey >"$OUT/a.key"; wg genkey >"$OUT/b.key"
PUBA=$(wg pubkey <"$OUT/a.key"); PUBB=$(wg pubkey <"$OUT/b.key")

start_daemon() { # ns iface impl
    if [ "$3" = warren ]; then ip netns exec "$1" "$ROOT/bin/warren" wg "$2"
    else ip netns exec "$1" wireguard-go "$2"; fi
}
daemon_pid() { # iface impl
    if [ "$2" = warren ]; then pgrep -f -- "wg --ready-fd 9 $1\$" | head -n1
    else pgrep -x -f -- "wireguard-go $1" | head -n1; fi
}
configure() { # ns iface key peerpub peerip self other
    ip netns exec "$1" wg set "$2" listen-port 51820 private-key "$3" peer "$4" endpoint "$5:51820" allowed-ips "10.200.0.$7/32"
    ip -n "$1" addr add "10.200.0.$6/24" dev "$2"
    ip -n "$1" link set "$2" mtu 1420 up
}
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

measure_pair() { # implA implB → prints "key value" lines
    local ia=$1 ib=$2
    cleanup
    ip netns add "$A"; ip netns add "$B"
    ip -n "$A" link set lo up; ip -n "$B" link set lo up
    ip link add "v$P" netns "$A" type veth peer "w$P" netns "$B"
    ip -n "$A" addr add 192.168.241.1/24 dev "v$P"; ip -n "$A" link set "v$P" up
    ip -n "$B" addr add 192.168.241.2/24 dev "w$P"; ip -n "$B" link set "w$P" up
    start_daemon "$A" "$IA" "$ia"
    configure "$A" "$IA" "$OUT/a.key" "$PUBB" 192.168.241.2 1 2
    # start → first ping reply: B's daemon is started, configured and pinged from A
    local t0 t1 tr pa pb cr
    t0=$(date +%s%N)
    start_daemon "$B" "$IB" "$ib"
    tr=$(date +%s%N)
    pb=$(daemon_pid "$IB" "$ib"); cr=$(cpu_ticks "$pb")
    configure "$B" "$IB" "$OUT/b.key" "$PUBA" 192.168.241.1 2 1
    t1=$(ip netns exec "$A" ping -D -n -i 0.002 -c 1 -w 5 10.200.0.2 | sed -n 's/^\[\([0-9.]*\)\].*bytes from.*/\1/p' | head -n1)
    [ -n "$t1" ] || { echo "no ping reply for $ia:$ib" >&2; return 1; }
    python3 -c "print('start_ms', round(($t1*1e9 - $t0)/1e6, 1))"
    pa=$(daemon_pid "$IA" "$ia")
    if [ "$START_ONLY" = 1 ]; then
        local hz; hz=$(getconf CLK_TCK)
        echo "ready_ms $(( (tr - t0) / 1000000 ))"
        echo "cpu_ready_ms $(( cr * 1000 / hz ))"
        echo "cpu_ping_ms $(( $(cpu_ticks "$pb") * 1000 / hz ))"
        cleanup
        return 0
    fi
    ip netns exec "$B" iperf3 -s -D -1 >/dev/null 2>&1 || true
    # ping RTT on a fresh daemon (cold: before any bulk traffic has warmed up a JIT) ...
    ip netns exec "$A" ping -q -n -c 100 -i 0.01 10.200.0.2 | sed -n 's:.*= [0-9.]*/\([0-9.]*\)/.*:rtt_cold_ms \1:p'
    local c0a c0b c1a c1b e0 e1 mbit
    for mode in tcp1 tcp4 tcpR udp; do
        ip netns exec "$B" iperf3 -s -D -1 >/dev/null 2>&1; sleep 0.2
        c0a=$(cpu_ticks "$pa"); c0b=$(cpu_ticks "$pb"); e0=$(date +%s%N)
        case $mode in
        tcp1) args=() ;;
        tcp4) args=(-P 4) ;;
        tcpR) args=(-R) ;;
        udp) args=(-u -b 0 -l 1392) ;;
        esac
        ip netns exec "$A" iperf3 -c 10.200.0.2 -t "$SECS" -J "${args[@]}" >"$OUT/$mode.json" 2>/dev/null || true
        c1a=$(cpu_ticks "$pa"); c1b=$(cpu_ticks "$pb"); e1=$(date +%s%N)
        python3 - "$OUT/$mode.json" "$mode" "$c0a" "$c1a" "$c0b" "$c1b" "$e0" "$e1" "$(getconf CLK_TCK)" <<'PY'
import json, sys
f, mode, c0a, c1a, c0b, c1b, e0, e1, hz = sys.argv[1:]
try:
    j = json.load(open(f))
except Exception:
    print(mode + "_mbit", 0); sys.exit()
end = j.get("end", {})
if mode == "udp":
    s = end.get("sum", {})
    secs = s.get("seconds") or 1
    print("udp_kpps", round((s.get("packets", 0) - s.get("lost_packets", 0)) / secs / 1000, 1))
    print("udp_loss_pct", round(s.get("lost_percent", 0), 1))
else:
    bps = end.get("sum_received", {}).get("bits_per_second", 0)
    print(mode + "_mbit", round(bps / 1e6))
    wall = (int(e1) - int(e0)) / 1e9
    cpu = ((int(c1a) - int(c0a)) + (int(c1b) - int(c0b))) / int(hz) / wall * 100
    print(mode + "_cpu_pct", round(cpu))
PY
    done
    # ... and after the throughput runs (steady state)
    ip netns exec "$A" ping -q -n -c 200 -i 0.01 10.200.0.2 | sed -n 's:.*= [0-9.]*/\([0-9.]*\)/.*:rtt_ms \1:p'
    # ... and the median of 1000 pings 5 ms apart, which a few slow replies (a JIT compilation, the other tenant)
    # do not move
    ip netns exec "$A" ping -n -c 1000 -i 0.005 10.200.0.2 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n \
        | awk '{a[NR] = $1} END {if (NR) print "rtt_median_ms", a[int((NR + 1) / 2)]}'
    echo "rss_a_mb $(( $(rss_kb "$pa") / 1024 ))"
    echo "rss_b_mb $(( $(rss_kb "$pb") / 1024 ))"
    cleanup
}

for run in $(seq 1 "$RUNS"); do
    for pair in $PAIRS; do
        echo "== run $run: ${pair%%:*} <-> ${pair##*:}" >&2
        measure_pair "${pair%%:*}" "${pair##*:}" | sed "s/^/$run $pair /" | tee -a "$OUT/results.txt" >&2
    done
done

python3 - "$OUT/results.txt" "$SECS" <<'PY'
import sys, statistics
from collections import defaultdict
rows = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    run, pair, key, val = line.split()
    rows[pair][key].append(float(val))
def med(pair, key):
    v = rows[pair].get(key)
    return statistics.median(v) if v else float('nan')
metrics = [("TCP 1 stream (Mbit/s)", "tcp1_mbit", 1), ("TCP 4 streams (Mbit/s)", "tcp4_mbit", 1),
           ("TCP reverse (Mbit/s)", "tcpR_mbit", 1), ("UDP 1392 B received (kpps)", "udp_kpps", 1),
           ("Mbit/s per daemon CPU %", "eff", 1), ("ping RTT, warm (ms)", "rtt_ms", -1),
           ("ping RTT, warm, median (ms)", "rtt_median_ms", -1),
           ("ping RTT, fresh daemon (ms)", "rtt_cold_ms", -1),
           ("start -> first ping (ms)", "start_ms", -1), ("RSS after run (MB)", "rss_b_mb", -1)]
if any("ready_ms" in t for t in rows.values()):
    metrics = [("start -> first ping (ms)", "start_ms", -1), ("start -> launcher returned (ms)", "ready_ms", -1),
               ("daemon CPU up to ready (ms)", "cpu_ready_ms", -1),
               ("daemon CPU up to 1st reply (ms)", "cpu_ping_ms", -1)]
for pair in rows:
    t = rows[pair]
    t["eff"] = [m / c if c else 0 for m, c in zip(t.get("tcp1_mbit", []), t.get("tcp1_cpu_pct", []))]
pairs = list(rows)
ref = "wireguard-go:wireguard-go"
runs = len(rows[pairs[0]]['start_ms'])
if any("ready_ms" in t for t in rows.values()):
    print(f"\nWarren vs wireguard-go, start-up only, medians of {runs} run(s)\n")
else:
    print(f"\nWarren vs wireguard-go, {sys.argv[2]} s per iperf3 run, medians of {runs} run(s)\n")
hdr = f"| {'metric':28} | " + " | ".join(f"{p.replace(':', ' <-> '):28}" for p in pairs) + " | warren ÷ wireguard-go |"
print(hdr); print("|" + "---|" * (len(pairs) + 2))
for name, key, better in metrics:
    vals = [med(p, key) for p in pairs]
    ratio = ""
    if ref in rows and "warren:warren" in rows:
        r, w = med(ref, key), med("warren:warren", key)
        if r and r == r and w == w:
            ratio = f"{w / r:.2f}×"
    digits = 3 if key.startswith("rtt") else 1  # RTTs are fractions of a millisecond
    print(f"| {name:28} | " + " | ".join(f"{v:28.{digits}f}" for v in vals) + f" | {ratio:21} |")
PY
