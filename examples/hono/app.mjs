// cell-counter inside a Hono 4 app on @hono/node-server, under /counter (Hono's mount strips it).
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const service = createService({
  storage: createMemoryStorage(),
  metrics: createPrometheusMetrics({ environment: "example", adapter: "hono", version: "1.0.0" }),
});

const app = new Hono();
app.get("/hello", (context) => context.text("hello from hono"));
app.mount("/counter", service.fetch);

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}/counter`);
});
process.once("SIGTERM", () => server.close(() => service.close().then(() => process.exit(0))));
