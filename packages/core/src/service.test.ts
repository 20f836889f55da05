import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CounterError, isCounterError, STATUS_BY_CODE } from "./errors.js";
import { createMemoryStorage } from "./memory-storage.js";
import type { Endpoint, Metrics, Operation } from "./ports/metrics.js";
import type { CounterStorage } from "./ports/storage.js";
import { hasBody } from "./request.js";
import { byteLength } from "./response.js";
import { createService } from "./service.js";

/** A metrics port that remembers every call. */
function recordingMetrics() {
  const requests: [Endpoint, string, number][] = [];
  const outcomes: [Operation, string | bigint][] = [];
  const metrics: Metrics = {
    request: (endpoint, method, status, seconds) => {
      assert.ok(seconds >= 0 && Number.isFinite(seconds));
      requests.push([endpoint, method, status]);
    },
    succeeded: (operation, value) => outcomes.push([operation, value]),
    failed: (operation, code) => outcomes.push([operation, code]),
  };
  return { metrics, requests, outcomes };
}

function failingStorage(error: unknown): CounterStorage {
  const fail = async () => {
    throw error;
  };
  return { kind: "failing", increment: fail, current: () => 0n, checkpoint: fail, restore: fail, ready: fail };
}

const request = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers });

describe("service", () => {
  it("answers the API with the storage and reports to the metrics", async () => {
    const { metrics, requests, outcomes } = recordingMetrics();
    const service = createService({ storage: createMemoryStorage(), metrics });
    assert.equal((await service.handle(request("GET", "/"))).body, '{"counter":1}');
    assert.equal(
      (await service.handle(request("POST", "/checkpoint"))).body,
      '{"counter":1,"status":"checkpoint saved"}',
    );
    await service.handle(request("GET", "/?x=1"));
    assert.equal((await service.handle(request("POST", "/restore"))).body, '{"counter":1,"status":"restored"}');
    assert.deepEqual(requests, [
      ["/", "GET", 200],
      ["/checkpoint", "POST", 200],
      ["/", "GET", 200],
      ["/restore", "POST", 200],
    ]);
    assert.deepEqual(outcomes, [
      ["checkpoint", 1n],
      ["restore", 1n],
    ]);
  });

  it("bounds the endpoint and method it reports", async () => {
    const { metrics, requests } = recordingMetrics();
    const service = createService({ storage: createMemoryStorage(), metrics });
    await service.handle(request("BREW", "/coffee"));
    await service.handle(request("PROPFIND", "/"));
    await service.handle(request("GET", "http://example.test/readyz?probe=1"));
    assert.deepEqual(requests, [
      ["unmatched", "other", 404],
      ["/", "other", 405],
      ["/readyz", "GET", 200],
    ]);
  });

  it("counts a failed operation by its code", async () => {
    const { metrics, outcomes } = recordingMetrics();
    const service = createService({ storage: createMemoryStorage(), metrics, apiToken: "t" });
    await service.handle(request("POST", "/restore", { authorization: "Bearer t" }));
    await service.handle(request("POST", "/checkpoint"));
    assert.deepEqual(outcomes, [
      ["restore", "CHECKPOINT_NOT_FOUND"],
      ["checkpoint", "UNAUTHORIZED"],
    ]);
  });

  it("turns storage failures into 503 STORAGE_UNAVAILABLE on every route", async () => {
    const service = createService({
      storage: failingStorage(new CounterError("STORAGE_UNAVAILABLE", "Redis is down.")),
    });
    for (const [method, url, what] of [
      ["GET", "/", "increment failed"],
      ["POST", "/checkpoint", "checkpoint failed"],
      ["POST", "/restore", "restore failed"],
      ["GET", "/readyz", "not ready"],
    ] as const) {
      const answer = await service.handle(request(method, url));
      assert.equal(answer.status, 503);
      assert.deepEqual(JSON.parse(answer.body), { status: what, error: "Redis is down.", code: "STORAGE_UNAVAILABLE" });
    }
  });

  it("answers /readyz 503 whatever the storage's readiness throws", async () => {
    const service = createService({ storage: failingStorage(new Error("ECONNREFUSED 10.0.0.1:6379")) });
    const answer = await service.handle(request("GET", "/readyz"));
    assert.equal(answer.status, 503);
    assert.equal(JSON.parse(answer.body).code, "STORAGE_UNAVAILABLE");
    assert.doesNotMatch(answer.body, /10\.0\.0\.1/);
  });

  it("hides unexpected errors behind 500 INTERNAL and hands them to the error hook", async () => {
    const errors: unknown[] = [];
    const secret = new Error("at /home/app/server.js:1");
    const service = createService({ storage: failingStorage(secret), onError: (error) => errors.push(error) });
    const answer = await service.handle(request("GET", "/"));
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.body), {
      status: "increment failed",
      error: "The server failed to answer this request.",
      code: "INTERNAL",
    });
    assert.deepEqual(errors, [secret]);
  });

  it("serves the request even when every metrics call throws", async () => {
    const errors: unknown[] = [];
    const broken = () => {
      throw new Error("metrics backend broken");
    };
    const service = createService({
      storage: createMemoryStorage(),
      metrics: { bind: broken, request: broken, succeeded: broken, failed: broken },
      onError: (error) => errors.push(error),
    });
    assert.equal((await service.handle(request("GET", "/"))).body, '{"counter":1}');
    assert.equal((await service.handle(request("POST", "/checkpoint"))).status, 200);
    assert.equal((await service.handle(request("POST", "/nope"))).status, 404);
    assert.equal(errors.length, 5, "bind, three requests and one success, each reported");
  });

  it("answers 413 from the declared length without reading the body", async () => {
    let read = false;
    const body = {
      async *[Symbol.asyncIterator]() {
        read = true;
        yield new Uint8Array(1);
      },
    };
    const service = createService({ storage: createMemoryStorage() });
    const answer = await service.handle({
      method: "POST",
      url: "/checkpoint",
      headers: { "content-length": "65537" },
      body,
    });
    assert.equal(answer.status, 413);
    assert.equal(read, false);
  });

  it("answers 413 once a streamed body passes 64 KiB, and accepts one of exactly 64 KiB", async () => {
    const service = createService({ storage: createMemoryStorage() });
    const chunks = (count: number) => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < count; i++) yield new Uint8Array(1024);
      },
    });
    assert.equal((await service.handle({ ...request("POST", "/checkpoint"), body: chunks(65) })).status, 413);
    assert.equal((await service.handle({ ...request("POST", "/checkpoint"), body: chunks(64) })).status, 200);
  });

  it("precheck: answers what the head decides (413, 404, 405, 401), counted; nothing when the body and the handler decide", async () => {
    const { metrics, requests } = recordingMetrics();
    const service = createService({ storage: createMemoryStorage(), metrics, apiToken: "t" });
    const head = (method: string, url: string, headers: Record<string, string> = {}) =>
      service.precheck({ method, url, headers })?.status;
    assert.equal(head("POST", "/checkpoint", { "content-length": "65537", authorization: "Bearer t" }), 413);
    assert.equal(head("POST", "/nope"), 404);
    assert.equal(head("GET", "/checkpoint"), 405);
    assert.equal(head("POST", "/checkpoint", { "content-length": "5" }), 401);
    assert.equal(head("POST", "/checkpoint", { "content-length": "5", authorization: "Bearer t" }), undefined);
    assert.equal(requests.length, 4, "each early answer is counted, the accepted head is not yet");
  });

  it("malformed: the parser's refusals as the contract's JSON errors, counted as unmatched", () => {
    const { metrics, requests } = recordingMetrics();
    const service = createService({ storage: createMemoryStorage(), metrics });
    const bad = service.malformed("BAD_REQUEST", "The request is not valid HTTP/1.1.");
    assert.deepEqual([bad.status, JSON.parse(bad.body).code], [400, "BAD_REQUEST"]);
    const large = service.malformed("HEADERS_TOO_LARGE", "Too large.");
    assert.deepEqual(
      [large.status, JSON.parse(large.body)],
      [431, { status: "headers too large", error: "Too large.", code: "HEADERS_TOO_LARGE" }],
    );
    assert.deepEqual(requests, [
      ["unmatched", "other", 400],
      ["unmatched", "other", 431],
    ]);
  });

  it("perform: a restore outside HTTP, counted as a success or as a failure by code", async () => {
    const { metrics, outcomes } = recordingMetrics();
    const failures: string[] = [];
    const service = createService({
      storage: createMemoryStorage(),
      metrics,
      onFailure: (error) => failures.push(error.code),
    });
    await assert.rejects(
      service.perform("restore"),
      (error) => isCounterError(error) && error.code === "CHECKPOINT_NOT_FOUND",
    );
    service.handle(request("GET", "/"));
    assert.equal(await service.perform("checkpoint"), 1n);
    assert.equal(await service.perform("restore"), 1n);
    assert.deepEqual(outcomes, [
      ["restore", "CHECKPOINT_NOT_FOUND"],
      ["checkpoint", 1n],
      ["restore", 1n],
    ]);
    const corrupt = createService({
      storage: failingStorage(new CounterError("COUNTER_CORRUPT", "not a number")),
      onFailure: (error) => failures.push(error.code),
    });
    await assert.rejects(corrupt.perform("checkpoint"));
    assert.deepEqual(failures, ["COUNTER_CORRUPT"], "storage failures reach onFailure; a missing checkpoint does not");
  });

  it("answers /readyz 503 with the storage's own code, whatever the code's usual status", async () => {
    const service = createService({
      storage: failingStorage(new CounterError("COUNTER_CORRUPT", "the key holds text")),
    });
    const answer = await service.handle(request("GET", "/readyz"));
    assert.deepEqual([answer.status, JSON.parse(answer.body).code], [503, "COUNTER_CORRUPT"]);
  });

  it("serves under a basePath, and nothing outside it", async () => {
    const service = createService({ storage: createMemoryStorage(), basePath: "/counter/" });
    assert.equal((await service.handle(request("GET", "/counter"))).body, '{"counter":1}');
    assert.equal((await service.handle(request("GET", "/counter/?x=1"))).body, '{"counter":2}');
    assert.equal((await service.handle(request("POST", "/counter/checkpoint"))).status, 200);
    assert.equal((await service.fetch(new Request("http://h/counter/restore", { method: "POST" }))).status, 200);
    for (const path of ["/", "/checkpoint", "/counterx", "/counter/nope", "/other/counter/"]) {
      assert.equal((await service.handle(request("GET", path))).status, 404, path);
    }
    assert.throws(() => createService({ storage: createMemoryStorage(), basePath: "counter" }), /must start with/);
  });

  it("is a web-standard fetch handler too", async () => {
    const service = createService({ storage: createMemoryStorage() });
    const response = await service.fetch(new Request("http://localhost/"));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(await response.text(), '{"counter":1}');
    const wrong = await service.fetch(new Request("http://localhost/checkpoint"));
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
  });

  it("answers HEAD with headers and no body", async () => {
    const service = createService({ storage: createMemoryStorage() });
    const answer = await service.handle(request("HEAD", "/"));
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, "GET");
    assert.equal(answer.body, "");
    assert.ok(Number(answer.headers["content-length"]) > 0);
  });

  it("closes its storage", async () => {
    let closed = false;
    const close = async () => {
      closed = true;
    };
    const service = createService({ storage: { ...createMemoryStorage(), close } });
    await service.close();
    assert.ok(closed);
  });
});

describe("errors", () => {
  it("are recognised by name and code, also from another copy of the package", () => {
    assert.ok(isCounterError(new CounterError("NOT_FOUND", "x")));
    assert.ok(isCounterError({ name: "CounterError", code: "STORAGE_UNAVAILABLE", message: "m" }));
    assert.ok(!isCounterError({ name: "CounterError", code: "TEAPOT" }));
    assert.ok(!isCounterError(new Error("x")));
    assert.ok(!isCounterError(null));
  });

  it("have the statuses of the contract", () => {
    assert.deepEqual(STATUS_BY_CODE, {
      BAD_REQUEST: 400,
      UNAUTHORIZED: 401,
      NOT_FOUND: 404,
      CHECKPOINT_NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      REQUEST_TIMEOUT: 408,
      COUNTER_OVERFLOW: 409,
      PAYLOAD_TOO_LARGE: 413,
      HEADERS_TOO_LARGE: 431,
      CHECKPOINT_CORRUPT: 500,
      COUNTER_CORRUPT: 500,
      INTERNAL: 500,
      STORAGE_UNAVAILABLE: 503,
      STORAGE_TIMEOUT: 504,
    });
    assert.equal(new CounterError("PAYLOAD_TOO_LARGE", "x").status, 413);
  });
});

describe("responses", () => {
  it("carry the UTF-8 length of their body", () => {
    for (const text of ["", "abc", "é", "✓", "😀", "a😀é✓z"]) {
      assert.equal(byteLength(text), new TextEncoder().encode(text).length, text);
    }
  });
});

describe("hasBody", () => {
  it("is true for a transfer-encoding or a non-zero content-length, on plain and web headers", () => {
    assert.ok(hasBody({ "transfer-encoding": "chunked" }));
    assert.ok(hasBody({ "content-length": "12" }));
    assert.ok(hasBody(new Headers({ "content-length": "1" })));
    assert.ok(!hasBody({ "content-length": "0" }));
    assert.ok(!hasBody({}));
    assert.ok(!hasBody(new Headers()));
  });
});
