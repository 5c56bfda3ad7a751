-- The request that `npm run bench:serve` and `bench:queue` have wrk send, set from the environment so one script serves
-- every run: WRK_BODY (a file: POST it, with WRK_CONTENT_TYPE, default application/json; unset: GET)
-- and WRK_DELAY_MS (a pause before each request on a connection: a paced probe, not a flood).
-- done() prints one line `WRK_JSON {...}` that bench/lib/wrk.mjs reads (latencies in microseconds).
local body_path = os.getenv("WRK_BODY")
if body_path ~= nil and body_path ~= "" then
  local file = assert(io.open(body_path, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause ~= nil then
  function delay()
    return pause
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
