import {
  type Endpoint,
  type Exposition,
  FAILURE_CODES,
  type Metrics,
  type MetricsContext,
  ROUTES,
} from "@cell-counter/core";
import { Counter, Gauge, type Metric, Registry } from "prom-client";
import { registerProcessMetrics } from "./process-metrics.js";
import { RequestMetrics } from "./request-metrics.js";

/** The original service's buckets (0.005 … 10 s) with finer ones below, down to 0.1 ms. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const ENDPOINTS: readonly Endpoint[] = [...ROUTES.map((route) => route.path), "unmatched"];

export interface PrometheusMetricsOptions {
  /** Value of the `environment` label. */
  environment: string;
  /** The `adapter` label of the build-info gauge (`node`, `h3`…). */
  adapter: string;
  /** The `version` label of the build-info gauge. */
  version: string;
  /** Defaults to a new registry: never prom-client's global one. */
  registry?: Registry;
  /**
   * Node's process metrics (CPU, memory, event loop…); default `true`. A registry that already has
   * them (from `collectDefaultMetrics`) keeps its own.
   */
  processMetrics?: boolean;
  /**
   * With the process metrics, `nodejs_gc_duration_seconds` (prom-client's collector); default
   * `false`: observing every collection makes node keep garbage past young collections, and RSS
   * grows under load until the next full collection.
   */
  gcDurations?: boolean;
}

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** Why the process metrics were left out, on a runtime without Node's process APIs (workerd); for a warning. */
  readonly processMetricsSkipped: string | undefined;
  /** The exposition in the text format 0.0.4, or OpenMetrics when `accept` asks for it. */
  expose(accept?: string): Promise<Exposition>;
}

/** The metrics of the contract, in a prom-client registry, exposed at `GET /metrics`. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const { environment } = options;
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  let readCounter: MetricsContext["readCounter"] = () => 0n;

  const cellCounter = new Gauge({
    name: "cell_counter",
    help: "Current value of the counter",
    labelNames: ["environment"],
    registers,
    async collect() {
      try {
        this.labels(environment).set(Number(await readCounter()));
      } catch {
        // Storage unreachable or its value corrupt: the last good value stays, and /readyz says why.
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
  const rollbacks = new Counter({
    name: "cell_counter_rollbacks_total",
    help: "Times Redis's counter was found below a value this process had answered, and moved back past it",
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
  rollbacks.inc(0);
  let processMetricsSkipped: string | undefined;
  if (options.processMetrics !== false && !registry.getSingleMetric("process_cpu_user_seconds_total")) {
    const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
    try {
      registerProcessMetrics(registry, environment, options.gcDurations ?? false);
    } catch (error) {
      // This runtime lacks Node's process APIs: the metrics of the contract stay, the process families go.
      for (const metric of registry.getMetricsAsArray()) {
        if (!before.has(metric.name)) registry.removeSingleMetric(metric.name);
      }
      processMetricsSkipped = error instanceof Error ? error.message : String(error);
    }
  }

  return {
    registry,
    processMetricsSkipped,
    bind(context) {
      readCounter = context.readCounter;
      buildInfo.labels(options.version, options.adapter, context.storage, environment).set(1);
    },
    request(endpoint, method, status, seconds) {
      requests.record(endpoint, method, status, seconds);
    },
    succeeded(operation, value) {
      operations[operation].inc();
      values[operation].set(Number(value));
      if (operation === "checkpoint") lastCheckpoint.set(Date.now() / 1000);
    },
    failed(operation, code) {
      failures[operation].labels(environment, code).inc();
    },
    rolledBack() {
      rollbacks.inc();
    },
    async expose(accept) {
      if (accept?.includes("application/openmetrics-text")) {
        return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await openMetrics(registry) };
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * The registry's metrics, default labels included, written by prom-client in OpenMetrics.
 * prom-client renames a registry's counters when it writes OpenMetrics, so the registry itself
 * is never switched: its metrics are read and handed to a registry of stand-ins made for the scrape.
 */
async function openMetrics(registry: Registry): Promise<string> {
  const scrape = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  scrape.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of await registry.getMetricsAsJSON()) {
    const standIn = {
      name: metric.name,
      help: metric.help,
      type: metric.type,
      aggregator: metric.aggregator,
      get: async () => ({ ...metric, name: standIn.name }),
    };
    scrape.registerMetric(standIn as unknown as Metric);
  }
  return scrape.metrics();
}
