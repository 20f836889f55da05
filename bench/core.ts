import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { Bench } from "tinybench";

export type CoreFigures = { name: string; opsPerSecond: number }[];

/** The core's request handling in process: regressions of the core show apart from the network. */
export async function benchCore(quick: boolean): Promise<CoreFigures> {
  const metrics = createPrometheusMetrics({ environment: "bench", adapter: "bench", version: "0" });
  const withMetrics = createService({ storage: createMemoryStorage(), metrics });
  const bare = createService({ storage: createMemoryStorage() });
  const get = { method: "GET", url: "/", headers: {} };
  const unknown = { method: "GET", url: "/no/such/path", headers: {} };
  const request = new Request("http://localhost/");

  const bench = new Bench({ time: quick ? 100 : 2_000, warmupTime: quick ? 20 : 500 });
  bench
    .add("handle GET /, Prometheus metrics", async () => {
      await withMetrics.handle(get);
    })
    .add("handle GET /, no metrics", async () => {
      await bare.handle(get);
    })
    .add("handle GET /no/such/path (404), Prometheus metrics", async () => {
      await withMetrics.handle(unknown);
    })
    .add("fetch(Request) GET /, Prometheus metrics", async () => {
      await (await withMetrics.fetch(request)).text();
    })
    .add("GET /metrics exposition", async () => {
      await withMetrics.handle({ method: "GET", url: "/metrics", headers: {} });
    });
  await bench.run();
  return bench.tasks.map((task) => ({ name: task.name, opsPerSecond: task.result?.throughput.mean ?? 0 }));
}
