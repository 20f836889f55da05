import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPowertoolsMetrics } from "@cell-counter/metrics-powertools";
import { runHttpConformance } from "@cell-counter/testkit";
import { invokeAsFetch, requestToEvent } from "@cell-counter/tooling";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createLambdaHandler } from "./index.js";

runHttpConformance("lambda", async (service) =>
  invokeAsFetch(createLambdaHandler(service, { allowLocalStorage: true })),
);

describe("Lambda adapter", () => {
  it("refuses a file or memory storage outside tests", () => {
    assert.throws(
      () => createLambdaHandler(createService({ storage: createMemoryStorage() })),
      /memory storage would keep one counter per Lambda execution environment/,
    );
  });

  it("answers a malformed event with a clear 400", async () => {
    const handler = createLambdaHandler(createService({ storage: createMemoryStorage() }), { allowLocalStorage: true });
    for (const event of [{}, { rawPath: "/" }, { requestContext: { http: { method: "GET" } } }, null]) {
      const result = await handler(event as unknown as APIGatewayProxyEventV2);
      assert.equal(result.statusCode, 400);
      assert.equal(JSON.parse(result.body as string).code, "BAD_REQUEST");
    }
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
    await handler({} as APIGatewayProxyEventV2);
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
