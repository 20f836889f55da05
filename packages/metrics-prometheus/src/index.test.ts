import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseExposition, sampleValue } from "@cell-counter/testkit";
import { collectDefaultMetrics, Registry } from "prom-client";
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
    let value = 5n;
    let failing = false;
    metrics.bind?.({
      readCounter: async () => {
        if (failing) throw new Error("storage down");
        return value;
      },
      storage: "redis",
    });
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 5);
    value = 9n;
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 9);
    failing = true;
    value = 11n;
    assert.equal(sampleValue(parseExposition((await metrics.expose()).body), "cell_counter"), 9);
  });

  it("labels build info with version, adapter, storage and environment", async () => {
    const metrics = createPrometheusMetrics(options);
    metrics.bind?.({ readCounter: () => 0n, storage: "file" });
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

  it("is written by prom-client itself: default labels of the registry reach every line, labels are escaped", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ instance: "replica-1" });
    const metrics = createPrometheusMetrics({
      ...options,
      environment: 'we"ird\\env\nx',
      registry,
      processMetrics: false,
    });
    metrics.bind?.({ readCounter: () => 3n, storage: "memory" });
    metrics.request("/", "GET", 200, 0.0003);
    metrics.request("unmatched", "other", 404, 0.002);
    metrics.succeeded("checkpoint", 3n);
    metrics.failed("restore", "STORAGE_TIMEOUT");
    const { body } = await metrics.expose();
    assert.equal(body, await registry.metrics());
    const lines = body.split("\n").filter((line) => line && !line.startsWith("#"));
    assert.ok(lines.length > 150);
    for (const line of lines) assert.match(line, /instance="replica-1"/, line);
    const samples = parseExposition(body);
    assert.equal(sampleValue(samples, "http_requests_total", { endpoint: "/", environment: 'we"ird\\env\nx' }), 1);
  });

  it("serves OpenMetrics when the scraper asks for it, and the text format 0.0.4 after as before", async () => {
    const metrics = createPrometheusMetrics(options);
    metrics.succeeded("checkpoint", 4n);
    const before = await metrics.expose();
    const open = await metrics.expose("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    assert.equal(open.contentType, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert.match(open.body, /^# TYPE checkpoint_operations counter$/m);
    assert.match(open.body, /^checkpoint_operations_total\{environment="prod"\} 1$/m);
    assert.match(open.body, /^# TYPE http_requests counter$/m);
    assert.ok(open.body.endsWith("# EOF\n"));
    const after = await metrics.expose("text/plain");
    assert.equal(after.contentType, "text/plain; version=0.0.4; charset=utf-8");
    assert.match(after.body, /^checkpoint_operations_total\{environment="prod"\} 1$/m);
    assert.equal(
      after.body
        .split("\n")
        .filter((line) => line.startsWith("#"))
        .join("\n"),
      before.body
        .split("\n")
        .filter((line) => line.startsWith("#"))
        .join("\n"),
      "an OpenMetrics scrape renames nothing",
    );
  });

  it("shares a registry that already has the process metrics", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics = createPrometheusMetrics({ ...options, registry });
    assert.ok(
      parseExposition((await metrics.expose()).body).some((sample) => sample.name === "process_cpu_user_seconds_total"),
    );
  });

  it("exposes the process families of prom-client's defaults, each with the environment label", async () => {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
    const families = (text: string) =>
      [...text.matchAll(/^# TYPE ((?:process|nodejs)_\w+) /gm)].map((match) => match[1] as string).sort();
    // Its event loop delay waits for the event loop in every scrape: the continuous monitor's stay.
    const all = families(await defaults.metrics()).filter((name) => name !== "nodejs_eventloop_lag_seconds");
    const ours = (await createPrometheusMetrics(options).expose()).body;
    assert.deepEqual(
      families(ours),
      all.filter((name) => name !== "nodejs_gc_duration_seconds"),
      "the GC durations only when asked for",
    );
    for (const sample of parseExposition(ours).filter((sample) => /^(process|nodejs)_/.test(sample.name))) {
      assert.equal(sample.labels.environment, "prod", sample.name);
    }
    assert.deepEqual(families((await createPrometheusMetrics({ ...options, gcDurations: true }).expose()).body), all);
  });

  it("with gcDurations, counts the garbage collections by kind", async () => {
    const metrics = createPrometheusMetrics({ ...options, gcDurations: true });
    // No series for a kind before its first collection.
    const minor = async () =>
      parseExposition((await metrics.expose()).body)
        .filter((sample) => sample.name === "nodejs_gc_duration_seconds_count" && sample.labels.kind === "minor")
        .reduce((sum, sample) => sum + sample.value, 0);
    const before = await minor();
    // Short-lived objects, several young generations' worth.
    let recent: object[] = [];
    for (let i = 0; i < 2_000_000; i++) {
      recent.push({ i });
      if (recent.length > 1_000) recent = [];
    }
    // Node reports collections on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await minor()) > before);
  });

  it("on a runtime without Node's process APIs, leaves the process families out and says why, instead of failing", async () => {
    const cpuUsage = process.cpuUsage;
    (process as { cpuUsage?: unknown }).cpuUsage = undefined;
    let metrics: ReturnType<typeof createPrometheusMetrics>;
    try {
      metrics = createPrometheusMetrics(options);
    } finally {
      process.cpuUsage = cpuUsage;
    }
    assert.match(metrics.processMetricsSkipped ?? "", /process\.cpuUsage/);
    const samples = parseExposition((await metrics.expose()).body);
    assert.ok(samples.some((sample) => sample.name === "cell_counter"));
    assert.ok(!samples.some((sample) => /^(process|nodejs)_/.test(sample.name)));
    assert.equal(createPrometheusMetrics(options).processMetricsSkipped, undefined);
  });
});
