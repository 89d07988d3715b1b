#!/usr/bin/env bash
# Control-server load: simulated nodes (real sockets, the real Noise control channel and protocol, no TUN)
# against one `warren control serve` with -Xmx2g on this machine. For each node count it reports the
# registration rate, the server's RSS and heap with all map streams open, the time to deliver every full map,
# the latency from one node's endpoint change to its arrival at every peer (p50/p99), server CPU per change, and
# (the policy scenario) the time from `policy set` through the admin API — a policy that changes every node's
# packet filter — to the last node receiving its new filter (p50/p99/max over -p sets).
# Everything runs on 127.0.0.1.
#
# Map streams ask for DEFLATE-compressed map responses unless -z none. Extra server JVM options (a JFR recording)
# go in WARREN_SERVER_OPTS.
#
# Usage: bench/control-load.sh [-n "1000 10000"] [-k CHANGES] [-c CONCURRENCY] [-z deflate|none] [-p POLICY_SETS]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/bin/lib/jdk.sh"
COUNTS="1000 10000"
CHANGES=20
CONC=64
COMPRESS=deflate
POLICY_SETS=5
while [ $# -gt 0 ]; do
    case "$1" in
    -n) COUNTS=$2; shift 2 ;;
    -k) CHANGES=$2; shift 2 ;;
    -c) CONC=$2; shift 2 ;;
    -z) COMPRESS=$2; shift 2 ;;
    -p) POLICY_SETS=$2; shift 2 ;;
    *) echo "usage: $0 [-n \"1000 10000\"] [-k CHANGES] [-c CONCURRENCY] [-z deflate|none] [-p POLICY_SETS]" >&2; exit 2 ;;
    esac
done
JDK=$(find_jdk) || { echo "no JDK 25 found" >&2; exit 1; }
export JAVA_HOME=$JDK PATH=$JDK/bin:$PATH
"$ROOT/bin/warren" version >/dev/null   # builds the jar if needed
[ -f "$ROOT/bench/target/benchmarks.jar" ] || (cd "$ROOT" && mvn -q -B -o -DskipTests package -pl bench -am)
ulimit -n 200000 2>/dev/null || ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"   # per process: 10k streams need ~10k descriptors on each side
JAR=$ROOT/warren-cli/target/warren.jar
for N in $COUNTS; do
    STATE=$(mktemp -d /tmp/warren-load.XXXXXX)
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # shellcheck disable=SC2086
    java --enable-native-access=ALL-UNNAMED -Xmx2g -XX:+UseParallelGC ${WARREN_SERVER_OPTS:-} -jar "$JAR" control serve \
        --listen 127.0.0.1:$PORT --state "$STATE" >"$STATE/server.log" 2>&1 &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true; rm -rf "$STATE"' EXIT
    for _ in $(seq 100); do [ -f "$STATE/control.json" ] && break; sleep 0.1; done
    [ -f "$STATE/control.json" ] || { cat "$STATE/server.log"; exit 1; }
    java -jar "$JAR" control domain create load --state "$STATE" >/dev/null
    KEY=$(java -jar "$JAR" control authkey create --domain load --reusable --preapproved --state "$STATE" | tail -1)
    echo "== $N simulated nodes, one control server (-Xmx2g), $CHANGES endpoint changes, $POLICY_SETS policy sets, compression: $COMPRESS"
    TOKEN=$(cat "$STATE/admin.token")
    # shellcheck disable=SC2086
    java --enable-native-access=ALL-UNNAMED -Xmx8g -XX:+UseParallelGC ${WARREN_LOAD_OPTS:-} -cp "$ROOT/bench/target/benchmarks.jar" dev.warren.bench.ControlLoad \
        --server "http://127.0.0.1:$PORT" --auth-key "$KEY" --nodes "$N" --concurrency "$CONC" \
        --changes "$CHANGES" --server-pid "$SERVER" --compress "$COMPRESS" \
        --admin-token "$TOKEN" --domain load --policy-sets "$POLICY_SETS"
    python3 - "$PORT" "$TOKEN" <<'PY' || true
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/metrics", headers={"Authorization": "Bearer " + sys.argv[2]})
for line in urllib.request.urlopen(req, timeout=10).read().decode().splitlines():
    if not line.startswith("#") and ("map" in line or "policy" in line or "jvm_memory_used_bytes{area=\"heap\"" in line):
        print("   metrics:", line)
PY
    kill $SERVER; wait $SERVER 2>/dev/null || true
    rm -rf "$STATE"
    trap - EXIT
done
