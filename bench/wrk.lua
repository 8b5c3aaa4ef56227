-- wrk's summary as one JSON line for bench/run.ts: requests, duration, bytes read, latency
-- percentiles (ms) and errors. Without a response() callback wrk never parses bodies.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.6f,"bytes":%d,"p50":%.4f,"p99":%.4f,"errors":%d,"badStatus":%d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
