import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPowertoolsMetrics } from "@cell-counter/metrics-powertools";
import { runHttpConformance } from "@cell-counter/testkit";
import { invokeAsFetch, LAMBDA_SOURCES, requestToEvent } from "@cell-counter/tooling";
import type { ALBResult } from "aws-lambda";
import { createLambdaHandler, type LambdaEvent } from "./index.js";

for (const source of LAMBDA_SOURCES) {
  runHttpConformance(`lambda (${source})`, async (service) =>
    invokeAsFetch(createLambdaHandler(service, { allowLocalStorage: true }), source),
  );
}

describe("Lambda adapter", () => {
  it("refuses a file or memory storage outside tests", () => {
    assert.throws(
      () => createLambdaHandler(createService({ storage: createMemoryStorage() })),
      /memory storage would keep one counter per Lambda execution environment/,
    );
  });

  it("answers an event of an HTTP source that lacks a method or a path with a clear 400", async () => {
    const handler = createLambdaHandler(createService({ storage: createMemoryStorage() }), { allowLocalStorage: true });
    for (const event of [
      { version: "2.0", requestContext: { http: { method: "GET" } } },
      { version: "2.0", rawPath: "/", requestContext: {} },
      { httpMethod: "GET", requestContext: { stage: "prod" } },
      { httpMethod: "GET", path: "relative", requestContext: { elb: {} } },
    ]) {
      const result = await handler(event as unknown as LambdaEvent);
      assert.equal(result.statusCode, 400, JSON.stringify(event));
      assert.equal(JSON.parse(result.body as string).code, "BAD_REQUEST");
    }
  });

  it("fails the invocation on an event no HTTP source sends, naming what it received", async () => {
    const handler = createLambdaHandler(createService({ storage: createMemoryStorage() }), { allowLocalStorage: true });
    const sqs = {
      Records: [
        { messageId: "1", eventSource: "aws:sqs", body: "hello" },
        { messageId: "2", eventSource: "aws:sqs", body: "x" },
      ],
    };
    await assert.rejects(handler(sqs as unknown as LambdaEvent), {
      name: "NotAnHttpEventError",
      message: /it received an event of aws:sqs with 2 records/,
    });
    const scheduled = { source: "aws.events", "detail-type": "Scheduled Event", detail: {} };
    await assert.rejects(
      handler(scheduled as unknown as LambdaEvent),
      /an EventBridge event from aws.events \(Scheduled Event\)/,
    );
    await assert.rejects(handler(null as unknown as LambdaEvent), /it received null/);
    await assert.rejects(handler({} as unknown as LambdaEvent), /it received an empty object/);
  });

  it("removes a named stage from the HTTP API path, and answers an ALB with multi-value headers in kind", async () => {
    const handler = createLambdaHandler(createService({ storage: createMemoryStorage() }), { allowLocalStorage: true });
    const staged = await handler(await requestToEvent("/checkpoint", { method: "POST" }, "http-api-stage"));
    assert.equal(staged.body, '{"counter":0,"status":"checkpoint saved"}');
    const multi = (await handler(await requestToEvent("/", {}, "alb-multi-value"))) as ALBResult;
    assert.deepEqual([multi.statusCode, multi.statusDescription, multi.headers], [200, "200 OK", undefined]);
    assert.deepEqual(multi.multiValueHeaders?.["content-type"], ["application/json"]);
  });

  it("compares a non-ASCII token as UTF-8 bytes, as the node and h3 adapters do", async () => {
    const service = createService({ storage: createMemoryStorage(), apiToken: "jetón✓" });
    const handler = createLambdaHandler(service, { allowLocalStorage: true });
    // Lambda hands over header values as decoded text, not as the bytes on the wire.
    const event = async (token: string) => {
      const event = await requestToEvent("/checkpoint", { method: "POST" });
      return { ...event, headers: { ...event.headers, authorization: `bearer ${token}` } };
    };
    assert.equal((await handler(await event("jetón✓"))).statusCode, 200);
    assert.equal((await handler(await event("jetón!"))).statusCode, 401);
  });

  it("reads the query string and a base64 body", async () => {
    const handler = createLambdaHandler(createService({ storage: createMemoryStorage() }), { allowLocalStorage: true });
    const result = await handler(await requestToEvent("/?from=lambda"));
    assert.deepEqual([result.statusCode, result.body, result.isBase64Encoded], [200, '{"counter":1}', false]);
    const big = await handler(await requestToEvent("/checkpoint", { method: "POST", body: "x".repeat(70_000) }));
    assert.equal(big.statusCode, 413);
  });

  it("flushes the metrics after every invocation, also when the request fails", async () => {
    let flushes = 0;
    const service = createService({
      storage: createMemoryStorage(),
      metrics: { request() {}, succeeded() {}, failed() {}, flush: async () => void flushes++ },
    });
    const handler = createLambdaHandler(service, { allowLocalStorage: true });
    await handler(await requestToEvent("/"));
    await handler(await requestToEvent("/restore", { method: "POST" }));
    await handler(await requestToEvent("/nope", {}, "alb"));
    assert.equal(flushes, 3);
  });
});

describe("Lambda adapter with Powertools metrics", () => {
  it("publishes EMF after an invocation whose request failed unexpectedly", async () => {
    const lines: string[] = [];
    const write = process.stdout.write;
    const service = createService({
      storage: {
        ...createMemoryStorage(),
        increment: () => {
          throw new Error("storage exploded");
        },
      },
      metrics: createPowertoolsMetrics({ namespace: "test", serviceName: "counter", environment: "dev" }),
      onError: () => {},
    });
    const handler = createLambdaHandler(service, { allowLocalStorage: true });
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await handler(await requestToEvent("/"));
    } finally {
      process.stdout.write = write;
    }
    assert.equal(result.statusCode, 500);
    const documents = lines
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const requests = documents.find((document) => "http_requests_total" in document);
    assert.equal(requests?.http_errors_total, 1);
    assert.equal(requests?.endpoint, "/");
  });
});
