// A peer: a hand-written node:http server with prom-client (peer-metrics.mjs), GET / and /metrics.
import { createServer } from "node:http";
import { peerMetrics } from "./peer-metrics.mjs";

const metrics = peerMetrics();
let counter = 0;
const server = createServer(async (request, response) => {
  const started = performance.now();
  if (request.method === "GET" && request.url === "/") {
    metrics.counter.set(++counter);
    const body = `{"counter":${counter}}`;
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
    metrics.observe("GET", "/", 200, (performance.now() - started) / 1000);
    return;
  }
  if (request.method === "GET" && request.url === "/metrics") {
    const text = await metrics.registry.metrics();
    response.writeHead(200, { "content-type": metrics.registry.contentType });
    response.end(text);
    return;
  }
  response.writeHead(404).end();
  metrics.observe(request.method, "unmatched", 404, (performance.now() - started) / 1000);
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`node:http + prom-client listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
