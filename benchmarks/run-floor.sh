#!/usr/bin/env bash
# Measures what Spring WebFlux alone costs per request, beside the bare parsing server and the
# router, for uploads of 10 events: the highest request rate a router on WebFlux can reach against
# the bare server. docs/benchmarks.md explains why.
#
# Starts, on 127.0.0.1: the bare parsing server, the same parsing behind WebFlux
# (WebFluxParsingServer), a stand-in for Amplitude and the router from the exec jar delivering to
# it. Each server under test runs pinned to SERVER_CPU, wrk and the stand-in to LOAD_CPU. After a
# warm-up of WARMUP seconds per server, it runs each server for DURATION seconds, REPEATS rounds
# in turn, and prints requests/s per run and the medians.
#
# Usage: benchmarks/run-floor.sh   (build first: ./mvnw -B -pl router-web,benchmarks -am package -DskipTests)
# Settings, from the environment (defaults in brackets): DURATION [10], WARMUP [60], REPEATS [3],
# CONNECTIONS [16], LOAD_CPU [0], SERVER_CPU [1], SERVER_JAVA_OPTS [-Xms1g -Xmx1g], BASE_PORT [18180]
# (ports BASE_PORT to BASE_PORT+3).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-60}
REPEATS=${REPEATS:-3}
CONNECTIONS=${CONNECTIONS:-16}
LOAD_CPU=${LOAD_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:--Xms1g -Xmx1g}
BASE_PORT=${BASE_PORT:-18180}

BENCH_JAR=$ROOT/benchmarks/target/benchmarks.jar
ROUTER_JAR=$(ls "$ROOT"/router-web/target/router-web-*-exec.jar 2>/dev/null | head -n 1 || true)
if [[ ! -f $BENCH_JAR || -z $ROUTER_JAR ]]; then
    echo "Missing $BENCH_JAR or the router's exec jar; build them first:" >&2
    echo "  ./mvnw -B -pl router-web,benchmarks -am package -DskipTests" >&2
    exit 1
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2> /dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2> /dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# start CPU COMMAND...: runs COMMAND in $WORK pinned to CPU, logging to a file there.
start() {
    local cpu=$1
    shift
    (cd "$WORK" && exec taskset -c "$cpu" "$@") > "$WORK/server-$RANDOM.log" 2>&1 &
    PIDS+=("$!")
}

await_port() {
    local attempt
    for attempt in $(seq 1 240); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
        sleep 0.5
    done
    echo "No server responded on port $1" >&2
    exit 1
}

# run PORT SECONDS: prints the requests/s of one wrk run against PORT.
runs=0
run() {
    runs=$((runs + 1))
    RUN_TAG="f$runs-" BODIES_FILE=$WORK/bodies-10.jsonl taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$2s" \
        --timeout 10s -s "$ROOT/benchmarks/upload.lua" "http://127.0.0.1:$1/2/httpapi" \
        | awk '/^RESULT/ { split($2, r, "="); split($3, d, "="); split($4, n, "=");
                            printf "%.0f %d\n", r[2] / (d[2] / 1e6), n[2] }'
}

java -cp "$BENCH_JAR" io.eventrouter.benchmarks.upload.UploadBodies 10 12000 "$WORK/bodies-10.jsonl"
STAND_IN=$BASE_PORT
declare -A PORTS=([baseline]=$((BASE_PORT + 1)) [webflux]=$((BASE_PORT + 2)) [router]=$((BASE_PORT + 3)))
start "$LOAD_CPU" java -Xmx512m -cp "$BENCH_JAR" io.eventrouter.benchmarks.server.StandInEndpoint --port "$STAND_IN"
# shellcheck disable=SC2086 # SERVER_JAVA_OPTS holds several options.
start "$SERVER_CPU" java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" io.eventrouter.benchmarks.server.ParsingBaselineServer \
    --port "${PORTS[baseline]}"
# shellcheck disable=SC2086
start "$SERVER_CPU" java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" io.eventrouter.benchmarks.server.WebFluxParsingServer \
    --port "${PORTS[webflux]}"
# shellcheck disable=SC2086
start "$SERVER_CPU" java $SERVER_JAVA_OPTS -jar "$ROUTER_JAR" --server.address=127.0.0.1 \
    --server.port="${PORTS[router]}" --router.destinations.amplitude.enabled=true \
    --router.destinations.amplitude.url="http://127.0.0.1:$STAND_IN" --router.destinations.file.enabled=false
for port in "$STAND_IN" "${PORTS[@]}"; do
    await_port "$port"
done

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "cpu: $(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc: $(nproc)"
echo "settings: DURATION=$DURATION WARMUP=$WARMUP REPEATS=$REPEATS CONNECTIONS=$CONNECTIONS"
for server in baseline webflux router; do
    run "${PORTS[$server]}" "$WARMUP" > /dev/null
done

declare -A RESULTS=()
for repeat in $(seq 1 "$REPEATS"); do
    for server in baseline webflux router; do
        read -r rate non2xx <<< "$(run "${PORTS[$server]}" "$DURATION")"
        echo "run $repeat $server: $rate requests/s, $non2xx non-2xx"
        RESULTS[$server]="${RESULTS[$server]:-} $rate"
    done
done

median() {
    tr ' ' '\n' <<< "$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
BASE=$(median "${RESULTS[baseline]}")
echo
echo "| server | median requests/s | against the bare parsing server |"
echo "|---|---|---|"
for server in baseline webflux router; do
    value=$(median "${RESULTS[$server]}")
    echo "| $server | $value | $(awk -v v="$value" -v b="$BASE" 'BEGIN { printf "%.3f", v / b }') |"
done
