import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseCheckpoint, serializeCheckpoint } from "./checkpoint-codec.js";
import { MAX_COUNTER } from "./counter.js";
import { isCounterError, STATUS_BY_CODE } from "./errors.js";
import { createMemoryStorage } from "./memory-storage.js";
import { byteLength } from "./response.js";
import { createService } from "./service.js";

const RUNS = 3_000;
const STATUSES = new Set([200, ...Object.values(STATUS_BY_CODE)]);

const method = fc.oneof(
  fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"),
  fc.string({ maxLength: 12 }),
);
const url = fc.oneof(
  fc.constantFrom("/", "/checkpoint", "/restore", "/metrics", "/healthz", "/readyz"),
  fc.webPath(),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ maxLength: 40 }),
);
const headers = fc.record(
  {
    authorization: fc.oneof(fc.constant("Bearer t0ken"), fc.string({ maxLength: 30 })),
    "content-length": fc.oneof(fc.nat().map(String), fc.string({ maxLength: 8 })),
  },
  { requiredKeys: [] },
);
const body = fc.option(fc.array(fc.uint8Array({ maxLength: 40_000 }), { maxLength: 4 }), { nil: undefined });

describe(`fuzzing the core (bounded: ${RUNS} cases a property)`, () => {
  it("any method, target, headers and body: an answer of the contract, never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(method, url, headers, body, fc.boolean(), async (method, url, headers, chunks, protect) => {
        const errors: unknown[] = [];
        const service = createService({
          storage: createMemoryStorage(),
          apiToken: protect ? "t0ken" : undefined,
          onError: (error) => errors.push(error),
        });
        const answer = await service.handle({
          method,
          url,
          headers,
          body: chunks && {
            async *[Symbol.asyncIterator]() {
              yield* chunks;
            },
          },
        });
        assert.ok(STATUSES.has(answer.status), `status ${answer.status}`);
        if (method === "HEAD") assert.equal(answer.body, "");
        else assert.equal(answer.headers["content-length"], String(byteLength(answer.body)));
        if (method !== "HEAD" && answer.status !== 200) {
          const parsed = JSON.parse(answer.body);
          assert.deepEqual(Object.keys(parsed), ["status", "error", "code"]);
          assert.equal(STATUS_BY_CODE[parsed.code as keyof typeof STATUS_BY_CODE], answer.status);
          assert.notEqual(parsed.code, "INTERNAL");
        }
        assert.deepEqual(errors, []);
      }),
      { numRuns: RUNS },
    );
  });

  it("any text read as a checkpoint: an integer from 0 to 2^63−1, or CHECKPOINT_CORRUPT", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.json(),
      fc
        .record({ counter: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)) })
        .map((value) => JSON.stringify(value)),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((value) => `{"counter": ${value}}`),
    );
    fc.assert(
      fc.property(text, (text) => {
        try {
          const value = parseCheckpoint(text);
          assert.ok(value >= 0n && value <= MAX_COUNTER, String(value));
        } catch (error) {
          assert.ok(isCounterError(error) && error.code === "CHECKPOINT_CORRUPT", String(error));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("every counter value survives a write and a read", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_COUNTER }), fc.date({ noInvalidDate: true }), (value, savedAt) => {
        assert.equal(parseCheckpoint(serializeCheckpoint(value, savedAt)), value);
      }),
      { numRuns: RUNS },
    );
  });
});
