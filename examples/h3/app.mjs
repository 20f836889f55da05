// cell-counter inside an h3 v2 app, under /counter (h3's mount strips it).
import { createH3App } from "@cell-counter/adapter-h3";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { H3, serve } from "h3";

const service = createService({
  storage: createMemoryStorage(),
  metrics: createPrometheusMetrics({ environment: "example", adapter: "h3", version: "1.0.0" }),
});

const app = new H3().get("/hello", () => "hello from h3").mount("/counter", createH3App(service));

const server = serve(app, { port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1", silent: true });
await server.ready();
console.log(`listening on ${server.url.replace(/\/$/, "")}/counter`);
process.once("SIGTERM", () =>
  server
    .close()
    .then(() => service.close())
    .then(() => process.exit(0)),
);
