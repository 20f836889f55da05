// cell-counter inside an Express 5 app, under /counter (Express strips the mount path).
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import express from "express";

const service = createService({
  storage: createMemoryStorage(),
  metrics: createPrometheusMetrics({ environment: "example", adapter: "express", version: "1.0.0" }),
});

const app = express();
app.get("/hello", (_request, response) => response.send("hello from express"));
app.use("/counter", createNodeListener(service));

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/counter`);
});
process.once("SIGTERM", () => server.close(() => service.close().then(() => process.exit(0))));
