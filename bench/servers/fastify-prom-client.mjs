// A peer: fastify with prom-client (peer-metrics.mjs), GET / and /metrics, observed in onResponse.
import Fastify from "fastify";
import { peerMetrics } from "./peer-metrics.mjs";

const metrics = peerMetrics();
let counter = 0;
const app = Fastify({ logger: false });
app.addHook("onResponse", async (request, reply) => {
  metrics.observe(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
});
app.get("/", async () => {
  metrics.counter.set(++counter);
  return { counter };
});
app.get("/metrics", async (_request, reply) => {
  reply.type(metrics.registry.contentType);
  return metrics.registry.metrics();
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(`fastify + prom-client listening on ${address}`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
