-- Shared wrk `done` hook: prints one machine-readable line that bench/run.sh parses.
--   WRK_RESULT requests=N duration_s=S rps=R p50_ms=A p99_ms=B mean_ms=C non2xx=D errors=E
-- non2xx counts responses with status >= 400 (wrk's "status" errors); errors counts socket
-- errors (connect, read, write, timeout). A run with either non-zero is not a valid figure.
-- wrk reports times in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "WRK_RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f" ..
    " non2xx=%d errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
