import {
  type Endpoint,
  type ErrorCode,
  type Exposition,
  type Metrics,
  type MetricsContext,
  type Operation,
  ROUTES,
} from "@cell-counter/core";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { registerEventLoopMetrics } from "./event-loop.js";
import { RequestMetrics } from "./request-metrics.js";

/** The original service's buckets (0.005 … 10 s) with finer ones below, down to 0.1 ms. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const ENDPOINTS: readonly Endpoint[] = [...ROUTES.map((route) => route.path), "unmatched"];

/** The codes each operation can fail with, so that every failure series exists from the start. */
const FAILURE_CODES: Record<Operation, readonly ErrorCode[]> = {
  checkpoint: ["STORAGE_UNAVAILABLE", "UNAUTHORIZED", "INTERNAL"],
  restore: ["CHECKPOINT_NOT_FOUND", "CHECKPOINT_CORRUPT", "STORAGE_UNAVAILABLE", "UNAUTHORIZED", "INTERNAL"],
};

export interface PrometheusMetricsOptions {
  /** Value of the `environment` label. */
  environment: string;
  /** The `adapter` label of the build-info gauge (`node`, `h3`…). */
  adapter: string;
  /** The `version` label of the build-info gauge. */
  version: string;
  /** Defaults to a new registry: never prom-client's global one. */
  registry?: Registry;
  /** Node's process metrics (CPU, memory, event loop…); default `true`. */
  processMetrics?: boolean;
}

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  expose(): Promise<Exposition>;
}

/** The metrics of the contract, in a prom-client registry, exposed at `GET /metrics`. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const { environment } = options;
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  let readCounter: MetricsContext["readCounter"] = () => 0;

  const cellCounter = new Gauge({
    name: "cell_counter",
    help: "Current value of the counter",
    labelNames: ["environment"],
    registers,
    async collect() {
      try {
        this.labels(environment).set(await readCounter());
      } catch {
        // Storage unreachable: the last value read stays, and /readyz says why.
      }
    },
  });
  const operations = {
    checkpoint: new Counter({
      name: "checkpoint_operations_total",
      help: "Successful checkpoints",
      labelNames: ["environment"],
      registers,
    }).labels(environment),
    restore: new Counter({
      name: "restore_operations_total",
      help: "Successful restores",
      labelNames: ["environment"],
      registers,
    }).labels(environment),
  };
  const values = {
    checkpoint: new Gauge({
      name: "checkpoint_counter_value",
      help: "Value of the counter at the last checkpoint",
      labelNames: ["environment"],
      registers,
    }).labels(environment),
    restore: new Gauge({
      name: "restore_counter_value",
      help: "Value of the counter at the last restore",
      labelNames: ["environment"],
      registers,
    }).labels(environment),
  };
  const failures = {
    checkpoint: new Counter({
      name: "checkpoint_failures_total",
      help: "Failed checkpoints, by error code",
      labelNames: ["environment", "code"],
      registers,
    }),
    restore: new Counter({
      name: "restore_failures_total",
      help: "Failed restores, by error code",
      labelNames: ["environment", "code"],
      registers,
    }),
  };
  const lastCheckpoint = new Gauge({
    name: "checkpoint_last_success_timestamp_seconds",
    help: "Unix time of the last successful checkpoint",
    labelNames: ["environment"],
    registers,
  }).labels(environment);
  const buildInfo = new Gauge({
    name: "cell_counter_build_info",
    help: "Version, adapter and storage of this cell-counter process (always 1)",
    labelNames: ["version", "adapter", "storage", "environment"],
    registers,
  });
  const requests = new RequestMetrics(environment, ENDPOINTS, LATENCY_BUCKETS);
  for (const collector of requests.collectors()) registry.registerMetric(collector);

  // Every known series exists from the first scrape, at zero.
  cellCounter.labels(environment).set(0);
  for (const route of ROUTES) requests.declare(route.path, route.method, 200);
  requests.declare("unmatched", "GET", 404);
  for (const operation of ["checkpoint", "restore"] as const) {
    operations[operation].inc(0);
    values[operation].set(0);
    for (const code of FAILURE_CODES[operation]) failures[operation].labels(environment, code).inc(0);
  }
  lastCheckpoint.set(0);
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry, labels: { environment } });
    for (const metric of registry.getMetricsAsArray()) {
      if (metric.name.startsWith("nodejs_eventloop_lag_")) registry.removeSingleMetric(metric.name);
    }
    registerEventLoopMetrics(registry, environment);
  }

  const formatter = registry as unknown as { getMetricsAsString?(metric: unknown): Promise<string> };
  const fast = new Set(RequestMetrics.NAMES);
  /** `registry.metrics()`, with the request metrics written by their own fast path. */
  async function exposition(): Promise<string> {
    if (options.registry || typeof formatter.getMetricsAsString !== "function") return registry.metrics();
    const parts = await Promise.all(
      registry
        .getMetricsAsArray()
        .map((metric) =>
          fast.has(metric.name) ? requests.render(metric.name) : formatter.getMetricsAsString?.(metric),
        ),
    );
    return `${parts.join("\n\n")}\n`;
  }

  return {
    registry,
    bind(context) {
      readCounter = context.readCounter;
      buildInfo.labels(options.version, options.adapter, context.storage, environment).set(1);
    },
    request(endpoint, method, status, seconds) {
      requests.record(endpoint, method, status, seconds);
    },
    succeeded(operation, value) {
      operations[operation].inc();
      values[operation].set(value);
      if (operation === "checkpoint") lastCheckpoint.set(Date.now() / 1000);
    },
    failed(operation, code) {
      failures[operation].labels(environment, code).inc();
    },
    async expose() {
      return { contentType: registry.contentType, body: await exposition() };
    },
  };
}
