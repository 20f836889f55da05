import { MetricUnit, Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import { type Endpoint, type Metrics, ROUTE_OF_OPERATION } from "@cell-counter/core";

export interface PowertoolsMetricsOptions {
  /** CloudWatch namespace of every metric. */
  namespace: string;
  /** The `service` dimension. */
  serviceName: string;
  /** The `environment` dimension. */
  environment: string;
  /** Records the cold start of each execution environment (default `true`). */
  coldStartMetric?: boolean;
  /** A Powertools instance of your own; one is made from the options above otherwise. */
  metrics?: PowertoolsMetrics;
}

export interface PowertoolsMetricsPort extends Metrics {
  readonly powertools: PowertoolsMetrics;
  /** Publishes what was recorded since the last flush, as EMF documents on standard output. */
  flush(): Promise<void>;
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Values of one metric name that one EMF document may hold. */
const MAX_VALUES = 100;

interface Pending {
  requests: number;
  errors: number;
  latencies: number[];
  /** Counts and values of operations answered on this endpoint. */
  operations: [name: string, unit: Unit, value: number][];
  /** Failed operations by error code: published with a `code` dimension. */
  failures: Map<string, [name: string, count: number]>;
}

/**
 * cell-counter's metrics the Lambda way: CloudWatch Embedded Metric Format through Powertools.
 * Metrics are buffered per endpoint and published by `flush()`, which the Lambda adapter calls
 * in a `finally` after every invocation. Dimensions: `service`, `environment` and the bounded
 * `endpoint`; nothing a client sends becomes a dimension.
 */
export function createPowertoolsMetrics(options: PowertoolsMetricsOptions): PowertoolsMetricsPort {
  const powertools =
    options.metrics ??
    new PowertoolsMetrics({
      namespace: options.namespace,
      serviceName: options.serviceName,
      defaultDimensions: { environment: options.environment },
    });
  const pending = new Map<Endpoint, Pending>();

  const entry = (endpoint: Endpoint) => {
    let found = pending.get(endpoint);
    if (!found) {
      found = { requests: 0, errors: 0, latencies: [], operations: [], failures: new Map() };
      pending.set(endpoint, found);
    }
    return found;
  };

  return {
    powertools,
    request(endpoint, _method, status, seconds) {
      const stats = entry(endpoint);
      stats.requests++;
      if (status >= 400) stats.errors++;
      if (Number.isFinite(seconds) && seconds >= 0) stats.latencies.push(seconds);
    },
    // An operation's outcome is known before its request is counted: it goes with the route's endpoint.
    succeeded(operation, value) {
      const stats = entry(ROUTE_OF_OPERATION[operation].path);
      stats.operations.push([`${operation}_operations_total`, MetricUnit.Count, 1]);
      stats.operations.push([`${operation}_counter_value`, MetricUnit.Count, Number(value)]);
    },
    // The code is a dimension of its own document, so that refused tokens can be told from storage failures.
    failed(operation, code) {
      const { failures } = entry(ROUTE_OF_OPERATION[operation].path);
      const counted = failures.get(code);
      if (counted) counted[1]++;
      else failures.set(code, [`${operation}_failures_total`, 1]);
    },
    rolledBack() {
      entry("/").operations.push(["cell_counter_rollbacks_total", MetricUnit.Count, 1]);
    },
    async flush() {
      try {
        if (options.coldStartMetric !== false) powertools.captureColdStartMetric();
        for (const [endpoint, stats] of pending) {
          // At most 100 values of one metric in a document: the latencies go out in slices, each
          // in a document of its own with the endpoint dimension (publishing clears dimensions).
          for (let start = 0; start === 0 || start < stats.latencies.length; start += MAX_VALUES) {
            powertools.addDimension("endpoint", endpoint);
            if (start === 0) {
              if (stats.requests) powertools.addMetric("http_requests_total", MetricUnit.Count, stats.requests);
              if (stats.errors) powertools.addMetric("http_errors_total", MetricUnit.Count, stats.errors);
              for (const [name, unit, value] of stats.operations) powertools.addMetric(name, unit, value);
            }
            for (const seconds of stats.latencies.slice(start, start + MAX_VALUES)) {
              powertools.addMetric("http_request_latency_seconds", MetricUnit.Seconds, seconds);
            }
            if (powertools.hasStoredMetrics()) powertools.publishStoredMetrics();
            else powertools.clearDimensions();
          }
          for (const [code, [name, count]] of stats.failures) {
            powertools.addDimensions({ endpoint, code });
            powertools.addMetric(name, MetricUnit.Count, count);
            powertools.publishStoredMetrics();
          }
        }
      } finally {
        pending.clear();
      }
    },
  };
}
