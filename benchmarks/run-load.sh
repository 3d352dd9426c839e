#!/usr/bin/env bash
# Load run of Event Router against its baselines; docs/benchmarks.md explains the scenarios.
#
# Starts these servers, all on 127.0.0.1: two stand-ins for Amplitude (one responding at once, one
# after 50 ms), the bare parsing baseline server and nginx proxying to the slow stand-in. It also
# starts two routers from the exec jar with its default spool, one delivering to each stand-in.
# Then drives each with wrk, router
# and baseline runs interleaved, REPEATS times, then runs the two-destination isolation scenario,
# and writes a Markdown report to benchmarks/target/load/<UTC time>/report.md.
#
# Pinning, on a machine with 2 cores: wrk and the stand-ins run on LOAD_CPU; the server under
# test (router, baseline or nginx) runs on SERVER_CPU, so that each server has one core to itself.
#
# Usage: benchmarks/run-load.sh   (build first: ./mvnw -B -pl router-web,benchmarks -am package -DskipTests)
# Settings, from the environment (defaults in brackets): DURATION seconds per measured run [10],
# WARMUP seconds per server and body size before the first run [180], WARMUP_SEGMENT seconds
# before the warm-up reconnects [30], REPEATS [3], CONNECTIONS for the throughput
# runs [16], SLOW_CONNECTIONS [64], SLOW_DELAY_MS [50], LOAD_CPU [0], SERVER_CPU [1],
# SERVER_JAVA_OPTS [-Xms1g -Xmx1g], ROUTER_ARGS (extra --name=value arguments for both routers),
# ISOLATION_ARGS (options of IsolationScenario) [--seconds 20 --warmup-seconds 5 --repeats 3],
# SKIP_ISOLATION=1 to leave it out, BASE_PORT [18080] (ports BASE_PORT to BASE_PORT+5).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-180}
WARMUP_SEGMENT=${WARMUP_SEGMENT:-30}
REPEATS=${REPEATS:-3}
CONNECTIONS=${CONNECTIONS:-16}
SLOW_CONNECTIONS=${SLOW_CONNECTIONS:-64}
SLOW_DELAY_MS=${SLOW_DELAY_MS:-50}
LOAD_CPU=${LOAD_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:--Xms1g -Xmx1g}
ROUTER_ARGS=${ROUTER_ARGS:-}
ISOLATION_ARGS=${ISOLATION_ARGS:---seconds 20 --warmup-seconds 5 --repeats 3}
BASE_PORT=${BASE_PORT:-18080}
CLOCK_TICKS=$(getconf CLK_TCK)

PORT_STAND_IN_FAST=$BASE_PORT
PORT_STAND_IN_SLOW=$((BASE_PORT + 1))
PORT_BASELINE=$((BASE_PORT + 2))
PORT_NGINX=$((BASE_PORT + 3))
PORT_ROUTER_FAST=$((BASE_PORT + 4))
PORT_ROUTER_SLOW=$((BASE_PORT + 5))

BENCH_JAR=$ROOT/benchmarks/target/benchmarks.jar
ROUTER_JAR=$(ls "$ROOT"/router-web/target/router-web-*-exec.jar 2>/dev/null | head -n 1 || true)
if [[ ! -f $BENCH_JAR || -z $ROUTER_JAR ]]; then
    echo "Missing $BENCH_JAR or the router's exec jar; build them first:" >&2
    echo "  ./mvnw -B -pl router-web,benchmarks -am package -DskipTests" >&2
    exit 1
fi
for tool in wrk nginx taskset curl; do
    command -v "$tool" > /dev/null || {
        echo "$tool is not installed; on Debian: apt-get install wrk nginx (as root)" >&2
        exit 1
    }
done

OUT=$ROOT/benchmarks/target/load/$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d)
PIDS=$OUT/pids
RESULTS=$OUT/results.tsv
mkdir -p "$OUT"
: > "$PIDS"

cleanup() {
    local pid
    while read -r _ pid; do
        kill "$pid" 2> /dev/null || true
    done < "$PIDS"
    while read -r _ pid; do
        wait "$pid" 2> /dev/null || true
    done < "$PIDS"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CPU DIR COMMAND...: runs COMMAND in DIR pinned to CPU, logging to $OUT/NAME.log.
start() {
    local name=$1 cpu=$2 dir=$3
    shift 3
    mkdir -p "$dir"
    (cd "$dir" && exec taskset -c "$cpu" "$@") > "$OUT/$name.log" 2>&1 &
    echo "$name $!" >> "$PIDS"
}

# await_port NAME PORT: waits up to 120 s until an HTTP server responds on PORT.
await_port() {
    local name=$1 port=$2 attempt
    for attempt in $(seq 1 240); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            return 0
        fi
        sleep 0.5
    done
    echo "$name did not start on port $port; see $OUT/$name.log" >&2
    exit 1
}

require_free() {
    local port
    for port in "$@"; do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            echo "Port $port is in use; set BASE_PORT to another range" >&2
            exit 1
        fi
    done
}

# stats PORT: prints "REQUESTS EVENTS LAST_REQUEST_MS" as counted by the stand-in on PORT.
stats() {
    curl -s --max-time 5 "http://127.0.0.1:$1/stats" \
        | sed -E 's/requests=([0-9]+) events=([0-9]+) bytes=[0-9]+ last_request_ms=([0-9]+)/\1 \2 \3/'
}

# cpu_ms NAME: CPU time, user and system, that the process started as NAME and its children have
# used so far, in milliseconds. With the machine shared, a server's work per CPU second is a
# steadier figure than its work per wall-clock second.
cpu_ms() {
    local pid ticks=0 child
    pid=$(awk -v name="$1" '$1 == name { print $2 }' "$PIDS")
    for child in $pid $(cat /proc/"$pid"/task/*/children 2> /dev/null); do
        # Fields 14 and 15 of /proc/PID/stat; the command name in field 2 has no spaces here.
        ticks=$((ticks + $(awk '{ print $14 + $15 }' /proc/"$child"/stat 2> /dev/null || echo 0)))
    done
    echo $((ticks * 1000 / CLOCK_TICKS))
}

# await_drain PORT: waits until the stand-in's event count stops growing for 2 s, at most 180 s,
# so that a router's backlog from one run does not reach the stand-in during the next.
await_drain() {
    local port=$1 previous current attempt stable=0
    previous=$(stats "$port")
    for attempt in $(seq 1 360); do
        sleep 0.5
        current=$(stats "$port")
        if [[ $current == "$previous" ]]; then
            stable=$((stable + 1))
            [[ $stable -ge 4 ]] && return 0
        else
            stable=0
        fi
        previous=$current
    done
    echo "The stand-in on port $port was still receiving events after 180 s" >&2
}

# wrk_run PORT BODIES CONNECTIONS SECONDS OUTPUT: drives one server, output to OUTPUT. Each run
# prefixes the insert ids with its own tag, so that no run reposts events the router's duplicate
# window still remembers from the run before.
wrk_runs=0
wrk_run() {
    wrk_runs=$((wrk_runs + 1))
    RUN_TAG="w$wrk_runs-" BODIES_FILE=$2 taskset -c "$LOAD_CPU" wrk -t1 -c"$3" -d"$4s" --timeout 10s --latency \
        -s "$ROOT/benchmarks/upload.lua" "http://127.0.0.1:$1/2/httpapi" > "$5" 2>&1
}

# measure SCENARIO TARGET REPEAT PROCESS PORT BODIES EVENTS CONNECTIONS STAND_IN_PORT: one measured
# run against the server started as PROCESS.
measure() {
    local scenario=$1 target=$2 repeat=$3 process=$4 port=$5 bodies=$6 events=$7 connections=$8 stand_in=$9
    local output=$OUT/$scenario-$target-$repeat.txt before=(0 0 0) window=(0 0 0) drained=(0 0 0)
    local started span=0 cpu_before cpu_window cpu_drained
    [[ -n $stand_in ]] && read -r -a before <<< "$(stats "$stand_in")"
    cpu_before=$(cpu_ms "$process")
    started=$(date +%s%3N)
    wrk_run "$port" "$bodies" "$connections" "$DURATION" "$output"
    cpu_window=$(($(cpu_ms "$process") - cpu_before))
    if [[ -n $stand_in ]]; then
        read -r -a window <<< "$(stats "$stand_in")"
        await_drain "$stand_in"
        read -r -a drained <<< "$(stats "$stand_in")"
        # From the start of the run to the last request the stand-in received, backlog included.
        [[ ${drained[1]} -gt ${before[1]} ]] && span=$((drained[2] - started))
    fi
    # Includes the 2 s in which await_drain sees no new events; an idle server uses little CPU then.
    cpu_drained=$(($(cpu_ms "$process") - cpu_before))
    local result
    # The RESULT line's six values, tab-separated, in the order upload.lua prints them.
    result=$(grep '^RESULT' "$output" | sed -E 's/RESULT //; s/[a-z0-9_]+=//g; s/ /\t/g')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$target" "$repeat" "$result" \
        $((window[0] - before[0])) $((window[1] - before[1])) \
        $((drained[0] - before[0])) $((drained[1] - before[1])) "$span" "$events" "$cpu_window" \
        "$cpu_drained" >> "$RESULTS"
    echo "  $scenario $target run $repeat: $(grep '^RESULT' "$output")"
}

record_machine() {
    {
        echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        echo "nproc: $(nproc)"
        echo "cpu: $(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
        echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
        free -h
        java -version 2>&1
        echo "nginx: $(nginx -v 2>&1)"
        echo "wrk: $(wrk -v 2>&1 | head -n 1)"
        echo "settings: DURATION=$DURATION WARMUP=$WARMUP WARMUP_SEGMENT=$WARMUP_SEGMENT REPEATS=$REPEATS" \
            "CONNECTIONS=$CONNECTIONS" \
            "SLOW_CONNECTIONS=$SLOW_CONNECTIONS SLOW_DELAY_MS=$SLOW_DELAY_MS LOAD_CPU=$LOAD_CPU" \
            "SERVER_CPU=$SERVER_CPU SERVER_JAVA_OPTS='$SERVER_JAVA_OPTS' ROUTER_ARGS='$ROUTER_ARGS'"
    } > "$OUT/machine.txt"
}

write_nginx_config() {
    mkdir -p "$WORK/nginx/logs"
    cat > "$WORK/nginx/nginx.conf" << EOF
# One worker, like the routers' single core. The user directive only matters when started as root.
user $(id -un) $(id -gn);
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    upstream amplitude {
        server 127.0.0.1:$PORT_STAND_IN_SLOW;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$PORT_NGINX;
        client_max_body_size 20m;
        client_body_buffer_size 1m;
        location / {
            proxy_pass http://amplitude;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}

start_servers() {
    require_free "$PORT_STAND_IN_FAST" "$PORT_STAND_IN_SLOW" "$PORT_BASELINE" "$PORT_NGINX" \
        "$PORT_ROUTER_FAST" "$PORT_ROUTER_SLOW"
    start stand-in-fast "$LOAD_CPU" "$WORK" java -Xmx512m -cp "$BENCH_JAR" \
        io.eventrouter.benchmarks.server.StandInEndpoint --port "$PORT_STAND_IN_FAST"
    start stand-in-slow "$LOAD_CPU" "$WORK" java -Xmx512m -cp "$BENCH_JAR" \
        io.eventrouter.benchmarks.server.StandInEndpoint --port "$PORT_STAND_IN_SLOW" --delay-ms "$SLOW_DELAY_MS"
    # shellcheck disable=SC2086 # SERVER_JAVA_OPTS holds several options.
    start baseline "$SERVER_CPU" "$WORK" java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" \
        io.eventrouter.benchmarks.server.ParsingBaselineServer --port "$PORT_BASELINE"
    write_nginx_config
    start nginx "$SERVER_CPU" "$WORK/nginx" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
        -e "$WORK/nginx/logs/error.log"
    start_router router-fast "$PORT_ROUTER_FAST" "$PORT_STAND_IN_FAST"
    start_router router-slow "$PORT_ROUTER_SLOW" "$PORT_STAND_IN_SLOW"
    await_port stand-in-fast "$PORT_STAND_IN_FAST"
    await_port stand-in-slow "$PORT_STAND_IN_SLOW"
    await_port baseline "$PORT_BASELINE"
    await_port nginx "$PORT_NGINX"
    await_port router-fast "$PORT_ROUTER_FAST"
    await_port router-slow "$PORT_ROUTER_SLOW"
}

# start_router NAME PORT STAND_IN_PORT: the exec jar with Amplitude pointed at a stand-in, the file
# destination off and every other setting at its default. Each router runs in its own folder, so
# a spool that keeps files under the working directory gets its own.
start_router() {
    # shellcheck disable=SC2086 # SERVER_JAVA_OPTS and ROUTER_ARGS hold several words.
    start "$1" "$SERVER_CPU" "$WORK/$1" java $SERVER_JAVA_OPTS -jar "$ROUTER_JAR" \
        --server.address=127.0.0.1 --server.port="$2" \
        --router.destinations.amplitude.enabled=true \
        --router.destinations.amplitude.url="http://127.0.0.1:$3" \
        --router.destinations.file.enabled=false $ROUTER_ARGS
}

# warm PORT BODIES CONNECTIONS OUTPUT: drives one server for WARMUP seconds in runs of at most
# WARMUP_SEGMENT seconds, each on new connections. Code the JIT compiler optimised while the same
# connections stayed open leaves out the path that opens one, and recompiling it when the measured
# run connects cost the router a tenth of its core in that run.
warm() {
    local left=$WARMUP seconds
    while [[ $left -gt 0 ]]; do
        seconds=$((left < WARMUP_SEGMENT ? left : WARMUP_SEGMENT))
        wrk_run "$1" "$2" "$3" "$seconds" "$4"
        left=$((left - seconds))
    done
}

# Warms up every server with the bodies it will see. The routers have far more code for the JIT
# compiler than the baseline, and their compiler threads share the server's core.
warm_up() {
    echo "Warming up each server for $WARMUP s per body size, on new connections every $WARMUP_SEGMENT s"
    warm "$PORT_BASELINE" "$BODIES_10" "$CONNECTIONS" "$OUT/warmup-baseline-10.txt"
    warm "$PORT_BASELINE" "$BODIES_100" "$CONNECTIONS" "$OUT/warmup-baseline-100.txt"
    warm "$PORT_ROUTER_FAST" "$BODIES_10" "$CONNECTIONS" "$OUT/warmup-router-fast-10.txt"
    warm "$PORT_ROUTER_FAST" "$BODIES_100" "$CONNECTIONS" "$OUT/warmup-router-fast-100.txt"
    await_drain "$PORT_STAND_IN_FAST"
    warm "$PORT_NGINX" "$BODIES_10" "$SLOW_CONNECTIONS" "$OUT/warmup-nginx.txt"
    warm "$PORT_ROUTER_SLOW" "$BODIES_10" "$SLOW_CONNECTIONS" "$OUT/warmup-router-slow.txt"
    await_drain "$PORT_STAND_IN_SLOW"
}

# run_pair FIRST_IS_ROUTER SCENARIO BASELINE BASELINE_PORT ROUTER ROUTER_PORT STAND_IN BODIES EVENTS CONNECTIONS
#     REPEAT: one run of the router and one of its baseline, in the given order.
run_pair() {
    local router_first=$1 scenario=$2 baseline=$3 baseline_port=$4 router=$5 router_port=$6 stand_in=$7
    local bodies=$8 events=$9 connections=${10} repeat=${11} baseline_stand_in=""
    [[ $baseline == nginx ]] && baseline_stand_in=$stand_in
    if [[ $router_first == 1 ]]; then
        measure "$scenario" router "$repeat" "$router" "$router_port" "$bodies" "$events" "$connections" "$stand_in"
    fi
    measure "$scenario" "$baseline" "$repeat" "$baseline" "$baseline_port" "$bodies" "$events" "$connections" \
        "$baseline_stand_in"
    if [[ $router_first != 1 ]]; then
        measure "$scenario" router "$repeat" "$router" "$router_port" "$bodies" "$events" "$connections" "$stand_in"
    fi
}

main() {
    record_machine
    BODIES_10=$WORK/bodies-10.jsonl
    BODIES_100=$WORK/bodies-100.jsonl
    # 120 000 events per pool, more than the router's duplicate window remembers (100 000), so that
    # wrapping around the pool does not turn uploads into duplicates that never reach the spool.
    java -cp "$BENCH_JAR" io.eventrouter.benchmarks.upload.UploadBodies 10 12000 "$BODIES_10"
    java -cp "$BENCH_JAR" io.eventrouter.benchmarks.upload.UploadBodies 100 1200 "$BODIES_100"
    start_servers
    echo "Servers up; results in $OUT"
    grep -i -h -E 'spool|started' "$OUT/router-fast.log" | head -n 5 > "$OUT/router-startup.txt" || true
    warm_up
    printf '# scenario\ttarget\trepeat\trequests\tduration_us\tnon2xx\tsocket_errors\tp50_us\tp99_us' > "$RESULTS"
    printf '\tup_requests_window\tup_events_window\tup_requests_drained\tup_events_drained' >> "$RESULTS"
    printf '\tdelivery_span_ms\tevents_per_request\tserver_cpu_ms_window\tserver_cpu_ms_drained\n' >> "$RESULTS"
    local repeat router_first
    for repeat in $(seq 1 "$REPEATS"); do
        # Alternate who goes first, so that neither side always follows the other's backlog.
        router_first=$((repeat % 2 == 0 ? 1 : 0))
        run_pair "$router_first" accept10 baseline "$PORT_BASELINE" router-fast "$PORT_ROUTER_FAST" \
            "$PORT_STAND_IN_FAST" "$BODIES_10" 10 "$CONNECTIONS" "$repeat"
        run_pair "$router_first" e2e100 baseline "$PORT_BASELINE" router-fast "$PORT_ROUTER_FAST" \
            "$PORT_STAND_IN_FAST" "$BODIES_100" 100 "$CONNECTIONS" "$repeat"
        run_pair "$router_first" slow64 nginx "$PORT_NGINX" router-slow "$PORT_ROUTER_SLOW" \
            "$PORT_STAND_IN_SLOW" "$BODIES_10" 10 "$SLOW_CONNECTIONS" "$repeat"
    done
    java -cp "$BENCH_JAR" io.eventrouter.benchmarks.load.LoadReport "$RESULTS" > "$OUT/report.md"
    if [[ ${SKIP_ISOLATION:-0} != 1 ]]; then
        cleanup
        : > "$PIDS"
        echo "Isolation scenario (one JVM, not pinned)"
        # shellcheck disable=SC2086 # ISOLATION_ARGS holds several options.
        java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" io.eventrouter.benchmarks.isolation.IsolationScenario \
            $ISOLATION_ARGS | tee "$OUT/isolation.txt"
        { echo; echo "#### Isolation"; echo; sed -n '/^| mode/,$p' "$OUT/isolation.txt"; } >> "$OUT/report.md"
    fi
    cat "$OUT/machine.txt" "$OUT/router-startup.txt"
    cat "$OUT/report.md"
}

main
