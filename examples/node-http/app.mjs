// cell-counter on a plain node:http server, under /counter: the service's basePath does the routing.
import { createServer } from "node:http";
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";

const service = createService({
  storage: createMemoryStorage(),
  metrics: createPrometheusMetrics({ environment: "example", adapter: "node", version: "1.0.0" }),
  basePath: "/counter",
});
const counter = createNodeListener(service);

const server = createServer((request, response) => {
  if (request.url === "/hello") response.end("hello from node:http");
  else counter(request, response);
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/counter`);
});
process.once("SIGTERM", () => {
  server.close(() => service.close().then(() => process.exit(0)));
  server.closeIdleConnections();
});
