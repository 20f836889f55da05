import type { Endpoint } from "@cell-counter/core";
import type { Metric } from "prom-client";

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface EndpointStats {
  /** Requests by method, then by status. */
  requests: Record<string, Record<number, number>>;
  errors: number;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * `http_requests_total`, `http_errors_total` and `http_request_latency_seconds`, kept in plain
 * numbers and turned into samples at scrape time, which prom-client's registry formats: recording
 * a request builds no label string and hashes nothing, which prom-client's labelled children do on
 * every call.
 */
export class RequestMetrics {
  readonly #environment: string;
  readonly #bounds: readonly number[];
  readonly #stats = new Map<Endpoint, EndpointStats>();

  constructor(environment: string, endpoints: readonly Endpoint[], bounds: readonly number[]) {
    this.#environment = environment;
    this.#bounds = bounds;
    for (const endpoint of endpoints) {
      this.#stats.set(endpoint, {
        requests: {},
        errors: 0,
        buckets: new Float64Array(bounds.length + 1),
        sum: 0,
        count: 0,
      });
    }
  }

  /** Makes the series of a request exist, at zero. */
  declare(endpoint: Endpoint, method: string, status: number): void {
    const requests = this.#endpoint(endpoint).requests;
    requests[method] ??= {};
    (requests[method] as Record<number, number>)[status] ??= 0;
  }

  record(endpoint: Endpoint, method: string, status: number, seconds: number): void {
    const stats = this.#endpoint(endpoint);
    let byStatus = stats.requests[method];
    if (byStatus === undefined) {
      byStatus = {};
      stats.requests[method] = byStatus;
    }
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (status >= 400) stats.errors++;
    if (!(seconds >= 0) || seconds === Number.POSITIVE_INFINITY) return;
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && seconds > (bounds[index] as number)) index++;
    stats.buckets[index] = (stats.buckets[index] as number) + 1;
    stats.sum += seconds;
    stats.count++;
  }

  /** The three metrics, for `registry.registerMetric`. */
  collectors(): Metric[] {
    return [
      this.#collector("http_requests_total", "HTTP requests answered", "counter", () => this.#requestSamples()),
      this.#collector("http_errors_total", "HTTP responses with a status of 400 or more", "counter", () =>
        [...this.#stats].map(([endpoint, stats]) => ({
          labels: { endpoint, environment: this.#environment },
          value: stats.errors,
        })),
      ),
      this.#collector("http_request_latency_seconds", "Time to answer an HTTP request, in seconds", "histogram", () =>
        this.#latencySamples(),
      ),
    ];
  }

  #endpoint(endpoint: Endpoint): EndpointStats {
    return this.#stats.get(endpoint) as EndpointStats;
  }

  #requestSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const [endpoint, stats] of this.#stats) {
      for (const [method, byStatus] of Object.entries(stats.requests)) {
        for (const [status, value] of Object.entries(byStatus)) {
          samples.push({ labels: { method, endpoint, http_status: status, environment: this.#environment }, value });
        }
      }
    }
    return samples;
  }

  #latencySamples(): Sample[] {
    const samples: Sample[] = [];
    const name = "http_request_latency_seconds";
    for (const [endpoint, stats] of this.#stats) {
      const labels = { endpoint, environment: this.#environment };
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += stats.buckets[i] as number;
        const le = i < this.#bounds.length ? (this.#bounds[i] as number) : "+Inf";
        samples.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
      }
      samples.push({ labels, value: stats.sum, metricName: `${name}_sum` });
      samples.push({ labels, value: stats.count, metricName: `${name}_count` });
    }
    return samples;
  }

  #collector(name: string, help: string, type: "counter" | "histogram", values: () => Sample[]): Metric {
    const aggregator = "sum";
    return {
      name,
      help,
      type,
      aggregator,
      get: async () => ({ name, help, type, aggregator, values: values() }),
      reset: () => {},
    } as unknown as Metric;
  }
}
