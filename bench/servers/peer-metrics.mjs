// The peers' metrics, written as prom-client's README shows: the same families as cell-counter's
// (the counter, requests by method/endpoint/status, errors, the latency histogram with the same
// buckets, Node's default metrics), labelled children looked up on every request.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function peerMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ environment: "dev" });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = new Gauge({ name: "cell_counter", help: "Current value of the counter", registers });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered",
    labelNames: ["method", "endpoint", "http_status"],
    registers,
  });
  const errors = new Counter({ name: "http_errors_total", help: "HTTP errors", labelNames: ["endpoint"], registers });
  const latency = new Histogram({
    name: "http_request_latency_seconds",
    help: "Time to answer an HTTP request, in seconds",
    labelNames: ["endpoint"],
    buckets: [
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ],
    registers,
  });
  return {
    registry,
    counter,
    observe(method, endpoint, status, seconds) {
      requests.inc({ method, endpoint, http_status: status });
      if (status >= 400) errors.inc({ endpoint });
      latency.observe({ endpoint }, seconds);
    },
  };
}
