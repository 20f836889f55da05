// A peer: an h3 v2 app with prom-client (peer-metrics.mjs), GET / and /metrics, observed in
// onResponse; served like the h3 adapter (toNodeHandler on node:http).
import { createServer } from "node:http";
import { H3, toNodeHandler } from "h3";
import { peerMetrics } from "./peer-metrics.mjs";

const metrics = peerMetrics();
let counter = 0;
const started = new WeakMap();
const app = new H3({
  onRequest: (event) => void started.set(event, performance.now()),
  onResponse: (response, event) =>
    metrics.observe(
      event.req.method,
      event.url.pathname === "/" || event.url.pathname === "/metrics" ? event.url.pathname : "unmatched",
      response.status,
      (performance.now() - started.get(event)) / 1000,
    ),
})
  .get("/", (event) => {
    metrics.counter.set(++counter);
    event.res.headers.set("content-type", "application/json");
    return `{"counter":${counter}}`;
  })
  .get("/metrics", async (event) => {
    event.res.headers.set("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
const server = createServer(toNodeHandler(app));
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`h3 + prom-client listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
