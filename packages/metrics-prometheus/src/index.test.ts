import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseExposition, sampleValue } from "@cell-counter/conformance";
import { createPrometheusMetrics, LATENCY_BUCKETS } from "./index.js";

const options = { environment: "prod", adapter: "node", version: "1.2.3" };

describe("Prometheus metrics", () => {
  it("builds any number of instances in one process, each in its own registry", async () => {
    const first = createPrometheusMetrics(options);
    const second = createPrometheusMetrics({ ...options, environment: "staging" });
    first.request("/", "GET", 200, 0.001);
    const a = parseExposition((await first.expose()).body);
    const b = parseExposition((await second.expose()).body);
    assert.equal(sampleValue(a, "http_requests_total", { endpoint: "/", method: "GET", http_status: "200" }), 1);
    assert.equal(sampleValue(b, "http_requests_total", { endpoint: "/", method: "GET", http_status: "200" }), 0);
    assert.notEqual(first.registry, second.registry);
  });

  it("reads cell_counter at scrape time, and keeps the last value when the read fails", async () => {
    const metrics = createPrometheusMetrics({ ...options, processMetrics: false });
    let value = 5;
    let failing = false;
    metrics.bind?.({
      readCounter: async () => {
        if (failing) throw new Error("storage down");
        return value;
      },
      storage: "redis",
    });
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 5);
    value = 9;
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 9);
    failing = true;
    value = 11;
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 9);
  });

  it("labels build info with version, adapter, storage and environment", async () => {
    const metrics = createPrometheusMetrics(options);
    metrics.bind?.({ readCounter: () => 0, storage: "file" });
    const samples = parseExposition((await metrics.expose()).body);
    assert.equal(
      sampleValue(samples, "cell_counter_build_info", {
        version: "1.2.3",
        adapter: "node",
        storage: "file",
        environment: "prod",
      }),
      1,
    );
  });

  it("never throws on a latency that is not a finite duration", async () => {
    const metrics = createPrometheusMetrics(options);
    for (const seconds of [Number.NaN, Number.POSITIVE_INFINITY, -1]) metrics.request("/", "GET", 200, seconds);
    const samples = parseExposition((await metrics.expose()).body);
    assert.equal(sampleValue(samples, "http_requests_total", { endpoint: "/", method: "GET", http_status: "200" }), 3);
    assert.equal(sampleValue(samples, "http_request_latency_seconds_count", { endpoint: "/" }), 0);
  });

  it("serves the text format 0.0.4", async () => {
    assert.equal(
      (await createPrometheusMetrics(options).expose()).contentType,
      "text/plain; version=0.0.4; charset=utf-8",
    );
  });

  it("has the original's latency buckets and sub-millisecond ones", () => {
    for (const bucket of [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]) {
      assert.ok(LATENCY_BUCKETS.includes(bucket), String(bucket));
    }
    assert.ok(LATENCY_BUCKETS.some((bucket) => bucket <= 0.0005));
  });

  it("writes the exposition exactly as prom-client's registry does, with labels that need escaping", async () => {
    const metrics = createPrometheusMetrics({ ...options, environment: 'we"ird\\env\nx', processMetrics: false });
    metrics.bind?.({ readCounter: () => 3, storage: "memory" });
    metrics.request("/", "GET", 200, 0.0003);
    metrics.request("/", "GET", 200, 12);
    metrics.request("unmatched", "other", 404, 0.002);
    metrics.request("/restore", "POST", 503, 0.02);
    metrics.succeeded("checkpoint", 3);
    metrics.failed("restore", "STORAGE_UNAVAILABLE");
    assert.equal((await metrics.expose()).body, await metrics.registry.metrics());
  });
});
