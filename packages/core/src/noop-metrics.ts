import type { Metrics } from "./ports/metrics.js";

/** Metrics that record nothing; `GET /metrics` then answers an empty exposition. */
export function createNoopMetrics(): Metrics {
  return {
    request() {},
    succeeded() {},
    failed() {},
  };
}
