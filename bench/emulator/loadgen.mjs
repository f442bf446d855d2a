// Load generator for bench/emulator-sts.mjs, run as its own process (fork with an IPC channel) so
// the load does not share an event loop with the server under test nor with the orchestrator.
//
// Messages in:  { id, cmd: "run", url, bodies: string[], connections, count, maxMs, expect? }
//               { id, cmd: "exit" }
// Messages out: { id, ok: true, result } | { id, ok: false, error }
//
// A run keeps `connections` requests in flight over a keep-alive agent with as many sockets,
// each worker issuing its next request when the previous answer has been read in full. It stops
// after `count` requests or `maxMs`, whichever comes first. Every response is checked: status
// 200 and, when `expect` is given, a body containing that string. Failures are counted (never
// silently folded into the rate) and the first one is returned verbatim for the report.
import http from "node:http";

async function run({ url, bodies, connections, count, maxMs, expect }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const payloads = bodies.map((b) => Buffer.from(b, "utf8"));
  const expectBuf = expect === undefined ? undefined : Buffer.from(expect, "utf8");
  const latencies = new Float64Array(count);
  let issued = 0;
  let done = 0;
  let non200 = 0;
  let unexpectedBody = 0;
  let transportErrors = 0;
  let newConnections = 0;
  let responseBytes = 0;
  let firstFailure;

  const once = (payload) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: "/",
          headers: {
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "content-length": payload.length,
          },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        },
      );
      req.on("socket", () => {
        if (!req.reusedSocket) newConnections++;
      });
      req.on("error", reject);
      req.end(payload);
    });

  const start = performance.now();
  const deadline = start + maxMs;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      const payload = payloads[issued++ % payloads.length];
      const t0 = performance.now();
      try {
        const { status, body } = await once(payload);
        latencies[done++] = performance.now() - t0;
        responseBytes += body.length;
        if (status !== 200) {
          non200++;
          firstFailure ??= `HTTP ${status}: ${body.toString("utf8").slice(0, 400)}`;
        } else if (expectBuf !== undefined && body.indexOf(expectBuf) === -1) {
          unexpectedBody++;
          firstFailure ??= `HTTP 200 without ${expect}: ${body.toString("utf8").slice(0, 400)}`;
        }
      } catch (err) {
        transportErrors++;
        firstFailure ??= `transport: ${err.message}`;
        // A refused or reset connection fails fast; do not spin on a dead server.
        if (transportErrors > 100) break;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedMs = performance.now() - start;
  agent.destroy();

  const sorted = latencies.subarray(0, done).sort();
  const pct = (p) => (done === 0 ? Number.NaN : sorted[Math.min(done - 1, Math.floor(p * done))]);
  return {
    requests: done,
    elapsedMs,
    requestsPerSecond: (done / elapsedMs) * 1000,
    p50Ms: pct(0.5),
    p90Ms: pct(0.9),
    p99Ms: pct(0.99),
    maxMs: done === 0 ? Number.NaN : sorted[done - 1],
    non200,
    unexpectedBody,
    transportErrors,
    newConnections,
    meanResponseBytes: done === 0 ? 0 : responseBytes / done,
    firstFailure,
  };
}

process.on("message", async (msg) => {
  if (msg.cmd === "exit") {
    process.disconnect();
    return;
  }
  try {
    if (msg.cmd !== "run") throw new Error(`unknown command ${msg.cmd}`);
    process.send({ id: msg.id, ok: true, result: await run(msg) });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) });
  }
});
