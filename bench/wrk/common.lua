-- Shared by the bench's wrk scripts: the run's figures as one JSON line for report.py.
local M = {}

function M.done(summary, latency, requests)
  local path = os.getenv("BENCH_WRK_OUT")
  local file = assert(io.open(path, "w"))
  local e = summary.errors
  file:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors_status": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_timeout": %d, "p50_us": %d, ' ..
    '"p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
  file:close()
end

-- Threads number themselves, so each makes its own unique idempotency keys.
local count = 0
function M.setup(thread)
  count = count + 1
  thread:set("tid", count)
end

return M
