#!/usr/bin/env bash
# Compares the server SDK's HTTP publisher with the Amplitude Java SDK 1.13.0, both sending the
# same events to one local HTTPS endpoint, then runs the outage test. Results: docs/benchmarks.md, under "Server SDK".
#
#   sdk-benchmark/run.sh [EVENTS] [REPETITIONS] [OUTAGE_SECONDS]
#
# Defaults: 100000 events per run, 3 interleaved repetitions, a 600 s outage (0 skips it).
# With two or more cores, the endpoint runs on core 0 and the publisher on core 1.
set -euo pipefail

events=${1:-100000}
repetitions=${2:-3}
outage_seconds=${3:-600}
warmup=$((events / 3))
port=${SDK_BENCHMARK_PORT:-18443}

cd "$(dirname "$0")/.."
./mvnw -B -q -pl sdk-benchmark -am package -DskipTests
classpath="sdk-benchmark/target/classes:$(cat sdk-benchmark/target/classpath.txt)"
out=sdk-benchmark/target/results
mkdir -p "$out"

endpoint_core=()
publisher_core=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    endpoint_core=(taskset -c 0)
    publisher_core=(taskset -c 1)
fi

endpoint_pid=
stop_endpoint() {
    if [ -n "$endpoint_pid" ]; then
        kill "$endpoint_pid" 2>/dev/null || true
        wait "$endpoint_pid" 2>/dev/null || true
        endpoint_pid=
    fi
}
trap stop_endpoint EXIT

start_endpoint() {
    "${endpoint_core[@]}" java -Xmx512m -Dreactor.netty.ioWorkerCount=1 -cp "$classpath" \
        io.eventrouter.benchmark.sdk.Endpoint "$port" "$@" >"$out/endpoint.log" 2>&1 &
    endpoint_pid=$!
    for _ in $(seq 1 100); do
        grep -q listening "$out/endpoint.log" && return 0
        sleep 0.1
    done
    echo "The endpoint did not start; see $out/endpoint.log" >&2
    exit 1
}

endpoint_cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$endpoint_pid/stat"
}

runner() {
    "${publisher_core[@]}" java -Xmx1g -cp "$classpath" io.eventrouter.benchmark.sdk.Runner "$@"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  nproc: $(nproc)  cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "java: $(java -version 2>&1 | head -1)"
start_endpoint
: >"$out/throughput.txt"
for repetition in $(seq 1 "$repetitions"); do
    for configuration in ours amplitude-10 amplitude-100; do
        before=$(endpoint_cpu_ticks)
        case $configuration in
            ours) line=$(runner ours "$port" "$events" "$warmup" | grep '^RESULT') ;;
            amplitude-*) line=$(runner amplitude "$port" "$events" "$warmup" "${configuration#amplitude-}" \
                | grep '^RESULT') ;;
        esac
        ticks=$(($(endpoint_cpu_ticks) - before))
        echo "$line repetition=$repetition endpoint_cpu_ticks=$ticks" | tee -a "$out/throughput.txt"
    done
done
stop_endpoint

python3 - "$out/throughput.txt" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    fields = dict(re.findall(r'(\w+)=(\S+)', line))
    runs.setdefault(line.split()[1], []).append(fields)
def median(name, key):
    return statistics.median(float(r[key]) for r in runs[name])
print()
print("| configuration | events/s (median) | bytes allocated/event | CPU µs/event | runs events/s |")
print("|---|---:|---:|---:|---|")
for name in ("ours", "amplitude-10", "amplitude-100"):
    print(f"| {name} | {median(name, 'events_per_s'):,.0f} | {median(name, 'bytes_per_event'):,.0f} | "
          f"{median(name, 'cpu_us_per_event'):.1f} | "
          + ", ".join(f"{float(r['events_per_s']):,.0f}" for r in runs[name]) + " |")
ours = median("ours", "events_per_s")
for name in ("amplitude-10", "amplitude-100"):
    ratios = sorted(float(o['events_per_s']) / float(a['events_per_s'])
                    for o, a in zip(runs["ours"], runs[name]))
    print(f"ours / {name}: median of same-repetition ratios {statistics.median(ratios):.2f} (runs {ratios})")
print(f"throughput target (>= 10x amplitude-10): "
      f"{'PASS' if statistics.median(float(o['events_per_s']) / float(a['events_per_s']) for o, a in zip(runs['ours'], runs['amplitude-10'])) >= 10 else 'FAIL'}")
print(f"allocation target (<= 1024 bytes/event): {'PASS' if median('ours', 'bytes_per_event') <= 1024 else 'FAIL'}")
PY

if [ "$outage_seconds" -gt 0 ]; then
    start_endpoint --track-ids
    runner outage "$port" "$outage_seconds" 1000 5000 | tee "$out/outage.txt"
    stop_endpoint
fi
