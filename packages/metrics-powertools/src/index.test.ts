import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPowertoolsMetrics } from "./index.js";

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The EMF documents written to standard output while `run` runs. */
async function emf(run: () => Promise<void>): Promise<Emf[]> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return lines.map((line) => JSON.parse(line) as Emf);
}

const options = { namespace: "cell-counter-test", serviceName: "counter", environment: "prod" };

describe("Powertools metrics (EMF)", () => {
  it("publishes valid EMF with the contract's names, units and bounded dimensions", async () => {
    const metrics = createPowertoolsMetrics({ ...options, coldStartMetric: false });
    metrics.request("/", "GET", 200, 0.002);
    metrics.succeeded("checkpoint", 7n);
    metrics.request("/checkpoint", "POST", 200, 0.004);
    metrics.failed("restore", "CHECKPOINT_NOT_FOUND");
    metrics.request("/restore", "POST", 404, 0.001);
    metrics.failed("restore", "UNAUTHORIZED");
    metrics.failed("restore", "UNAUTHORIZED");
    const all = await emf(() => metrics.flush());
    const failures = all.filter((document) => "code" in document);
    const documents = all.filter((document) => !("code" in document));
    assert.equal(documents.length, 3, "one document per endpoint");
    assert.deepEqual(
      failures.map((document) => [document.endpoint, document.code, document.restore_failures_total]),
      [
        ["/restore", "CHECKPOINT_NOT_FOUND", 1],
        ["/restore", "UNAUTHORIZED", 2],
      ],
      "failures by code, a dimension of their own",
    );
    for (const document of failures) {
      assert.deepEqual([...(document._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? [])].sort(), [
        "code",
        "endpoint",
        "environment",
        "service",
      ]);
    }
    for (const document of documents) {
      const [directive] = document._aws.CloudWatchMetrics;
      assert.equal(directive?.Namespace, "cell-counter-test");
      assert.deepEqual([...(directive?.Dimensions[0] ?? [])].sort(), ["endpoint", "environment", "service"]);
      assert.equal(document.service, "counter");
      assert.equal(document.environment, "prod");
      assert.ok(Number.isInteger(document._aws.Timestamp));
      for (const metric of directive?.Metrics ?? []) assert.ok(metric.Name in document, metric.Name);
    }
    const byEndpoint = Object.fromEntries(documents.map((document) => [document.endpoint, document]));
    const units = (document: Emf) =>
      Object.fromEntries(
        (document._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => [metric.Name, metric.Unit]),
      );
    assert.deepEqual(units(byEndpoint["/"] as Emf), {
      http_requests_total: "Count",
      http_request_latency_seconds: "Seconds",
    });
    assert.equal(byEndpoint["/checkpoint"]?.checkpoint_operations_total, 1);
    assert.equal(byEndpoint["/checkpoint"]?.checkpoint_counter_value, 7);
    assert.equal(byEndpoint["/restore"]?.http_errors_total, 1);
    assert.deepEqual(await emf(() => metrics.flush()), [], "nothing twice");
  });

  it("never puts more than 100 values of a metric in one document: 150 latencies make two", async () => {
    const metrics = createPowertoolsMetrics({ ...options, coldStartMetric: false });
    for (let i = 0; i < 150; i++) metrics.request("/", "GET", 200, i / 10_000);
    const documents = await emf(() => metrics.flush());
    const latencies = documents.map((document) => [document.http_request_latency_seconds].flat().length);
    assert.ok(Math.max(...latencies) <= 100, latencies.join(", "));
    assert.equal(
      latencies.reduce((sum, count) => sum + count, 0),
      150,
    );
    for (const document of documents) assert.equal(document.endpoint, "/", "every slice keeps its endpoint");
    assert.equal(documents.find((document) => "http_requests_total" in document)?.http_requests_total, 150);
  });

  it("records the cold start once per execution environment", async () => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand"; // as the Lambda runtime sets it
    const metrics = createPowertoolsMetrics(options);
    metrics.request("/healthz", "GET", 200, 0.001);
    const first = await emf(() => metrics.flush());
    assert.ok(first.some((document) => document.ColdStart === 1));
    metrics.request("/healthz", "GET", 200, 0.001);
    const second = await emf(() => metrics.flush());
    assert.ok(!second.some((document) => "ColdStart" in document));
  });
});
