// cell-counter inside a Fastify 5 app, under /counter. Fastify has no `app.use`: a catch-all route
// hands the raw request to the node listener (`reply.hijack()`), and the service's basePath routes.
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import Fastify from "fastify";

const service = createService({
  storage: createMemoryStorage(),
  metrics: createPrometheusMetrics({ environment: "example", adapter: "fastify", version: "1.0.0" }),
  basePath: "/counter",
});
const listener = createNodeListener(service);

const app = Fastify();
app.get("/hello", async () => "hello from fastify");
await app.register(async (counter) => {
  // The body is the service's to read: no parsing here.
  counter.removeAllContentTypeParsers();
  counter.addContentTypeParser("*", (_request, _payload, done) => done(null));
  const handOver = (request, reply) => {
    reply.hijack();
    listener(request.raw, reply.raw);
  };
  counter.all("/counter", handOver);
  counter.all("/counter/*", handOver);
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`listening on ${address}/counter`);
process.once("SIGTERM", () =>
  app
    .close()
    .then(() => service.close())
    .then(() => process.exit(0)),
);
