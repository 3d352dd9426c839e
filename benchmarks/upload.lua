-- wrk script: posts the upload bodies in the file named by BODIES_FILE, one JSON body per line,
-- in turn, and prints one RESULT line that run-load.sh reads. Latencies are in microseconds.
-- RUN_TAG, when set, prefixes every insert_id, so that each run posts events of its own.
local tag = os.getenv("RUN_TAG") or ""
local bodies = {}
for line in io.lines(os.getenv("BODIES_FILE")) do
  bodies[#bodies + 1] = (tag == "") and line or line:gsub('"insert_id":"', '"insert_id":"' .. tag)
end
local next_body = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/2/httpapi", nil, bodies[next_body])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
