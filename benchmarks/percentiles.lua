-- wrk reports p50/p75/p90/p99 by default; this prints p50/p95/p99 and the error count as
-- one line that benchmarks/pages.py reads.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %d %d %d %.1f %d %d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests / (summary.duration / 1000000),
    e.connect + e.read + e.write + e.status + e.timeout, summary.requests))
end
