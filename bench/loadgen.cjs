// Closed-loop keep-alive HTTP load: `node bench/loadgen.cjs URL CONNECTIONS SECONDS [HEADERS-JSON]`.
// Each connection sends its next request when the previous response has fully arrived; bodies
// are counted, never decoded. Prints JSON: req/s, p50/p99 latency (ms), status counts, errors.
// (autocannon parses bodies in JS and tops out at ~840 req/s on a 185 KB Chinese feed on these
// machines, far below what a plain node:http server can send, so it cannot measure the floor.)
'use strict';
const http = require('node:http');

const [url, connections = '32', seconds = '3', headersJson = '{}'] = process.argv.slice(2);
const target = new URL(url);
const headers = JSON.parse(headersJson);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const latencies = [];
const codes = {};
let errors = 0;
let bytes = 0;
let stopping = false;
const started = process.hrtime.bigint();
const deadline = Date.now() + Number(seconds) * 1000;

function one(done) {
  const start = process.hrtime.bigint();
  const req = http.request(
    { host: target.hostname, port: target.port, path: target.pathname + target.search, headers, agent },
    (res) => {
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        codes[res.statusCode] = (codes[res.statusCode] || 0) + 1;
        done();
      });
    },
  );
  req.on('error', () => {
    errors++;
    done();
  });
  req.end();
}

let running = Number(connections);
function loop() {
  if (Date.now() >= deadline) {
    stopping = true;
    if (--running === 0) finish();
    return;
  }
  one(loop);
}

function finish() {
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  agent.destroy();
  process.stdout.write(
    JSON.stringify({ rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), codes, errors, bytes, stopping }),
  );
}

for (let i = 0; i < Number(connections); i++) loop();
