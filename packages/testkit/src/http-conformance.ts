import assert from "node:assert/strict";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { type CounterStorage, createService, type Service } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createFileStorage } from "@cell-counter/storage-file";
import { parseExposition, type Sample, sampleValue, seriesKeys } from "./exposition.js";

/** An adapter under test: sends a request to the mounted service, over whatever it serves on. */
export interface Harness {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Mounts a service on the adapter under test. */
export type Mount = (service: Service) => Promise<Harness>;

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

interface SetupOptions {
  storage?: "memory" | "file" | ((directory: string) => CounterStorage);
  apiToken?: string;
}

interface Setup {
  harness: Harness;
  service: Service;
  directory: string;
  checkpointPath: string;
  /** Errors that reached the service's error hook. */
  errors: unknown[];
  get(path: string, init?: RequestInit): Promise<{ status: number; body: string; response: Response }>;
  scrape(): Promise<Sample[]>;
}

/** The HTTP contract, run unchanged against every adapter. */
export function runHttpConformance(adapter: string, mount: Mount): void {
  describe(`HTTP conformance: ${adapter} adapter`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    let expectedErrors = 0;
    let current: Setup | undefined;

    afterEach(async () => {
      const errors = current?.errors.length ?? 0;
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      current = undefined;
      const expected = expectedErrors;
      expectedErrors = 0;
      assert.equal(errors, expected, "errors that reached the error hook");
    });

    async function setup(options: SetupOptions = {}): Promise<Setup> {
      const directory = await mkdtemp(join(tmpdir(), "cell-counter-conformance-"));
      cleanups.push(() => rm(directory, { recursive: true, force: true }));
      const checkpointPath = join(directory, "data", "checkpoint.json");
      const kind = options.storage ?? "file";
      const storage =
        kind === "memory"
          ? createMemoryStorage()
          : kind === "file"
            ? createFileStorage({ path: checkpointPath })
            : kind(directory);
      const errors: unknown[] = [];
      const service = createService({
        storage,
        metrics: createPrometheusMetrics({ environment: "test", adapter, version: "0.0.0-test" }),
        apiToken: options.apiToken,
        onError: (error) => errors.push(error),
      });
      const harness = await mount(service);
      cleanups.push(async () => {
        await harness.close();
        await service.close();
      });
      const get = async (path: string, init?: RequestInit) => {
        const response = await harness.fetch(path, init);
        return { status: response.status, body: await response.text(), response };
      };
      current = {
        harness,
        service,
        directory,
        checkpointPath,
        errors,
        get,
        scrape: async () => parseExposition((await get("/metrics")).body),
      };
      return current;
    }

    const post = { method: "POST" } as const;

    async function counterIs(s: Setup, expected: number) {
      assert.equal((await s.get("/")).body, `{"counter":${expected + 1}}`, `counter was ${expected}`);
    }

    function assertError(
      answer: { status: number; body: string; response: Response },
      status: number,
      code: string,
      what: string,
    ) {
      assert.equal(answer.status, status);
      assert.equal(answer.response.headers.get("content-type"), "application/json");
      const body = JSON.parse(answer.body);
      assert.deepEqual(Object.keys(body), ["status", "error", "code"]);
      assert.equal(body.code, code);
      assert.equal(body.status, what);
      assert.match(body.error, /^[A-Z/].*\.$/, "one human sentence");
    }

    describe("API", () => {
      it('GET / increments by one and answers {"counter":N}', async () => {
        const s = await setup();
        for (let n = 1; n <= 3; n++) {
          const answer = await s.get("/");
          assert.equal(answer.status, 200);
          assert.equal(answer.response.headers.get("content-type"), "application/json");
          assert.equal(answer.body, `{"counter":${n}}`);
          assert.equal(answer.response.headers.get("content-length"), String(answer.body.length));
        }
        assert.equal((await s.get("/?from=curl")).body, '{"counter":4}', "a query string is ignored");
      });

      it("POST /checkpoint saves the value to the checkpoint file", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/");
        const answer = await s.get("/checkpoint", post);
        assert.equal(answer.status, 200);
        assert.equal(answer.response.headers.get("content-type"), "application/json");
        assert.equal(answer.body, '{"counter":2,"status":"checkpoint saved"}');
        assert.equal(JSON.parse(await readFile(s.checkpointPath, "utf8")).counter, 2);
        await counterIs(s, 2);
      });

      it("POST /restore sets the counter to the saved value", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/checkpoint", post);
        for (let i = 0; i < 5; i++) await s.get("/");
        const answer = await s.get("/restore", post);
        assert.equal(answer.status, 200);
        assert.equal(answer.body, '{"counter":1,"status":"restored"}');
        await counterIs(s, 1);
      });

      it("POST /restore reads a checkpoint file of the original service", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/checkpoint", post);
        await writeFile(s.checkpointPath, '{"counter": 35}');
        assert.equal((await s.get("/restore", post)).body, '{"counter":35,"status":"restored"}');
        assert.equal((await s.get("/")).body, '{"counter":36}');
      });

      it("GET /metrics answers the text format 0.0.4", async () => {
        const s = await setup();
        const answer = await s.get("/metrics");
        assert.equal(answer.status, 200);
        assert.equal(answer.response.headers.get("content-type"), METRICS_CONTENT_TYPE);
        assert.ok(parseExposition(answer.body).length > 0);
      });

      it('GET /healthz answers {"status":"ok"}', async () => {
        const s = await setup();
        const answer = await s.get("/healthz");
        assert.equal(answer.status, 200);
        assert.equal(answer.response.headers.get("content-type"), "application/json");
        assert.equal(answer.body, '{"status":"ok"}');
      });

      it("GET /readyz answers 200 when the storage answers", async () => {
        const s = await setup();
        const answer = await s.get("/readyz");
        assert.equal(answer.status, 200);
        assert.equal(answer.body, '{"status":"ready"}');
      });

      it("GET /readyz answers 503 STORAGE_UNAVAILABLE while the checkpoint directory cannot be written", async () => {
        const s = await setup({
          storage: (directory) => createFileStorage({ path: join(directory, "blocker", "checkpoint.json") }),
        });
        await writeFile(join(s.directory, "blocker"), "a regular file where a directory should be");
        assertError(await s.get("/readyz"), 503, "STORAGE_UNAVAILABLE", "not ready");
        await rm(join(s.directory, "blocker"));
        assert.equal((await s.get("/readyz")).status, 200, "ready again once it can write");
      });
    });

    describe("errors", () => {
      it("an unknown path is 404 NOT_FOUND and changes nothing", async () => {
        const s = await setup();
        await s.get("/");
        for (const path of ["/nope", "/checkpoint/", "/restore/x", "//", "/%2e%2e/etc/passwd", "/metrics.json"]) {
          assertError(await s.get(path), 404, "NOT_FOUND", "not found");
        }
        assertError(await s.get("/nope", post), 404, "NOT_FOUND", "not found");
        await counterIs(s, 1);
      });

      it("a known path with another method is 405 METHOD_NOT_ALLOWED with Allow, and changes nothing", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/checkpoint", post);
        const wrong: [string, string, string][] = [
          ["/", "POST", "GET"],
          ["/", "PUT", "GET"],
          ["/", "DELETE", "GET"],
          ["/", "PATCH", "GET"],
          ["/", "OPTIONS", "GET"],
          ["/", "PROPFIND", "GET"],
          ["/checkpoint", "GET", "POST"],
          ["/checkpoint", "PUT", "POST"],
          ["/restore", "GET", "POST"],
          ["/restore", "DELETE", "POST"],
          ["/metrics", "POST", "GET"],
          ["/healthz", "POST", "GET"],
          ["/readyz", "OPTIONS", "GET"],
        ];
        for (const [path, method, allow] of wrong) {
          const answer = await s.get(path, { method });
          assertError(answer, 405, "METHOD_NOT_ALLOWED", "method not allowed");
          assert.equal(answer.response.headers.get("allow"), allow, `${method} ${path}`);
        }
        for (const path of ["/", "/checkpoint", "/metrics"]) {
          const head = await s.get(path, { method: "HEAD" });
          assert.equal(head.status, 405, `HEAD ${path}`);
          assert.ok(head.response.headers.get("allow"));
        }
        await counterIs(s, 1);
        assert.equal(JSON.parse(await readFile(s.checkpointPath, "utf8")).counter, 1);
      });

      it("restore with no checkpoint saved is 404 CHECKPOINT_NOT_FOUND; the counter is unchanged", async () => {
        const s = await setup();
        await s.get("/");
        assertError(await s.get("/restore", post), 404, "CHECKPOINT_NOT_FOUND", "restore failed");
        await counterIs(s, 1);
      });

      it("an unreadable checkpoint is 500 CHECKPOINT_CORRUPT; counter and file unchanged", async () => {
        const s = await setup();
        await s.get("/checkpoint", post);
        for (const text of [
          "",
          '{"counter": 3',
          "not json",
          '{"counter": -1}',
          '{"counter": 1.5}',
          '{"count": 3}',
          "[3]",
        ]) {
          await writeFile(s.checkpointPath, text);
          await s.get("/");
          const before = Number(JSON.parse((await s.get("/")).body).counter);
          assertError(await s.get("/restore", post), 500, "CHECKPOINT_CORRUPT", "restore failed");
          await counterIs(s, before);
          assert.equal(await readFile(s.checkpointPath, "utf8"), text, "the file is left as it was");
        }
      });

      it("a failing storage is 503 STORAGE_UNAVAILABLE; counter unchanged, previous checkpoint intact", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/checkpoint", post);
        await s.get("/");
        const data = join(s.directory, "data");
        await rename(data, join(s.directory, "moved"));
        await writeFile(data, "a regular file where the checkpoint directory was");
        assertError(await s.get("/checkpoint", post), 503, "STORAGE_UNAVAILABLE", "checkpoint failed");
        assertError(await s.get("/restore", post), 503, "STORAGE_UNAVAILABLE", "restore failed");
        await counterIs(s, 2);
        await rm(data);
        await rename(join(s.directory, "moved"), data);
        assert.equal(JSON.parse(await readFile(s.checkpointPath, "utf8")).counter, 1, "previous checkpoint intact");
        assert.equal((await s.get("/restore", post)).body, '{"counter":1,"status":"restored"}');
        const scraped = await s.scrape();
        assert.equal(sampleValue(scraped, "checkpoint_failures_total", { code: "STORAGE_UNAVAILABLE" }), 1);
        assert.equal(sampleValue(scraped, "restore_failures_total", { code: "STORAGE_UNAVAILABLE" }), 1);
      });

      it("a body over 65,536 bytes is 413 PAYLOAD_TOO_LARGE and changes nothing; one of 65,536 is accepted", async () => {
        const s = await setup();
        await s.get("/");
        // Literals, not the constant: a changed limit must fail here.
        const big = "x".repeat(65_537);
        assertError(
          await s.get("/checkpoint", { method: "POST", body: big }),
          413,
          "PAYLOAD_TOO_LARGE",
          "payload too large",
        );
        const chunked = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(8 * 1024));
            controller.close();
          },
        });
        const streamed = await s.get("/restore", { method: "POST", body: chunked, duplex: "half" } as RequestInit);
        assertError(streamed, 413, "PAYLOAD_TOO_LARGE", "payload too large");
        const atLimit = await s.get("/checkpoint", { method: "POST", body: "x".repeat(65_536) });
        assert.equal(atLimit.body, '{"counter":1,"status":"checkpoint saved"}', "a body at the limit is accepted");
        await counterIs(s, 1);
      });

      it("with API_TOKEN, checkpoint and restore need the bearer token: 401 UNAUTHORIZED otherwise", async () => {
        const s = await setup({ apiToken: "s3cret-token" });
        await s.get("/");
        for (const authorization of [
          undefined,
          "Bearer wrong",
          "Bearer s3cret-toke",
          "Bearer s3cret-tokem",
          "Bearer S3CRET-TOKEN",
          "s3cret-token",
          "Basic czNjcmV0",
        ]) {
          const headers = authorization ? { authorization } : undefined;
          for (const path of ["/checkpoint", "/restore"]) {
            const answer = await s.get(path, { method: "POST", headers });
            assertError(answer, 401, "UNAUTHORIZED", path === "/checkpoint" ? "checkpoint failed" : "restore failed");
            assert.match(answer.response.headers.get("www-authenticate") ?? "", /^Bearer/);
          }
        }
        await counterIs(s, 1);
        assert.equal((await s.get("/metrics")).status, 200, "/metrics stays open");
        const checkpointRefusals = 7;
        assert.equal((await s.get("/healthz")).status, 200, "/healthz stays open");
        const authorized = { method: "POST", headers: { authorization: "Bearer s3cret-token" } };
        assert.equal((await s.get("/checkpoint", authorized)).body, '{"counter":2,"status":"checkpoint saved"}');
        assert.equal((await s.get("/restore", authorized)).body, '{"counter":2,"status":"restored"}');
        const scraped = await s.scrape();
        assert.equal(sampleValue(scraped, "checkpoint_failures_total", { code: "UNAUTHORIZED" }), checkpointRefusals);
        assert.equal(sampleValue(scraped, "restore_failures_total", { code: "UNAUTHORIZED" }), checkpointRefusals);
      });

      it("an unexpected failure is 500 INTERNAL with no stack or path, and the next request is served", async () => {
        const s = await setup({
          storage: () => {
            const storage = createMemoryStorage();
            return {
              ...storage,
              checkpoint: async () => {
                throw new TypeError("Cannot read properties of undefined at /srv/app/secret.js:12:3");
              },
            };
          },
        });
        expectedErrors = 1;
        const answer = await s.get("/checkpoint", post);
        assertError(answer, 500, "INTERNAL", "checkpoint failed");
        assert.doesNotMatch(answer.body, /secret|\/srv|TypeError|at /);
        assert.equal((await s.get("/")).body, '{"counter":1}');
        assert.equal(sampleValue(await s.scrape(), "checkpoint_failures_total", { code: "INTERNAL" }), 1);
      });
    });

    describe("metrics", () => {
      it("every known series exists from the first scrape, at zero", async () => {
        const s = await setup();
        const samples = await s.scrape();
        for (const name of [
          "cell_counter",
          "checkpoint_operations_total",
          "restore_operations_total",
          "checkpoint_counter_value",
          "restore_counter_value",
          "checkpoint_last_success_timestamp_seconds",
        ]) {
          assert.equal(sampleValue(samples, name, { environment: "test" }), 0, name);
        }
        for (const endpoint of ["/", "/checkpoint", "/restore", "/healthz", "/readyz", "unmatched"]) {
          assert.equal(sampleValue(samples, "http_errors_total", { endpoint, environment: "test" }), 0);
          assert.equal(sampleValue(samples, "http_request_latency_seconds_count", { endpoint }), 0);
        }
        assert.equal(
          sampleValue(samples, "http_requests_total", { method: "GET", endpoint: "/", http_status: "200" }),
          0,
        );
        assert.equal(sampleValue(samples, "restore_failures_total", { code: "CHECKPOINT_NOT_FOUND" }), 0);
        assert.equal(
          sampleValue(samples, "cell_counter_build_info", { adapter, storage: "file", environment: "test" }),
          1,
        );
        assert.ok(
          samples.some((sample) => sample.name === "process_cpu_user_seconds_total"),
          "process metrics",
        );
        assert.ok(
          samples.some((sample) => sample.name === "nodejs_heap_size_used_bytes"),
          "node runtime metrics",
        );
      });

      it("agree with the API: cell_counter, operations, values at checkpoint and restore", async () => {
        const s = await setup();
        let last = 0;
        for (let i = 0; i < 7; i++) last = JSON.parse((await s.get("/")).body).counter;
        let samples = await s.scrape();
        assert.equal(sampleValue(samples, "cell_counter"), last);
        assert.equal((await s.get("/checkpoint", post)).status, 200);
        samples = await s.scrape();
        assert.equal(sampleValue(samples, "checkpoint_operations_total"), 1);
        assert.equal(sampleValue(samples, "checkpoint_counter_value"), 7);
        assert.ok(sampleValue(samples, "checkpoint_last_success_timestamp_seconds") > Date.now() / 1000 - 60);
        await s.get("/");
        await s.get("/restore", post);
        samples = await s.scrape();
        assert.equal(sampleValue(samples, "restore_operations_total"), 1);
        assert.equal(sampleValue(samples, "restore_counter_value"), 7);
        assert.equal(sampleValue(samples, "cell_counter"), 7);
        assert.equal(sampleValue(samples, "checkpoint_operations_total"), 1, "exactly one checkpoint counted");
      });

      it("count requests by method, route template and status; errors by endpoint", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/");
        await s.get("/restore", post);
        await s.get("/no/such/path");
        await s.get("/", { method: "PURGE" });
        await s.get("/metrics");
        const samples = await s.scrape();
        const requests = (labels: Record<string, string>) => sampleValue(samples, "http_requests_total", labels);
        assert.equal(requests({ method: "GET", endpoint: "/", http_status: "200" }), 2);
        assert.equal(requests({ method: "POST", endpoint: "/restore", http_status: "404" }), 1);
        assert.equal(requests({ method: "GET", endpoint: "unmatched", http_status: "404" }), 1);
        assert.equal(requests({ method: "other", endpoint: "/", http_status: "405" }), 1);
        assert.equal(requests({ method: "GET", endpoint: "/metrics", http_status: "200" }), 1, "/metrics is counted");
        assert.equal(sampleValue(samples, "http_errors_total", { endpoint: "/restore" }), 1);
        assert.equal(sampleValue(samples, "http_errors_total", { endpoint: "unmatched" }), 1);
        assert.equal(sampleValue(samples, "http_errors_total", { endpoint: "/" }), 1);
        assert.equal(sampleValue(samples, "restore_failures_total", { code: "CHECKPOINT_NOT_FOUND" }), 1);
        assert.equal(sampleValue(samples, "http_request_latency_seconds_count", { endpoint: "/" }), 3);
      });

      it("latency buckets are the original's plus finer ones down to 0.5 ms", async () => {
        const s = await setup();
        const bounds = (await s.scrape())
          .filter((sample) => sample.name === "http_request_latency_seconds_bucket" && sample.labels.endpoint === "/")
          .map((sample) => sample.labels.le);
        for (const le of ["0.0005", "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1"]) {
          assert.ok(bounds.includes(le), `bucket le=${le}`);
        }
        for (const le of ["2.5", "5", "7.5", "10", "+Inf"]) assert.ok(bounds.includes(le), `bucket le=${le}`);
      });

      it("random paths and methods add no label values beyond the fixed sets, and no series once seen", async () => {
        const s = await setup();
        const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "PURGE", "MKCOL"];
        const scan = (round: number) =>
          Promise.all(
            Array.from({ length: 300 }, (_, i) =>
              s.get(`/${round}/${i.toString(36)}/${Math.random().toString(36).slice(2)}?q=${i}`, {
                method: METHODS[i % METHODS.length],
              }),
            ),
          );
        const requestSeries = async () =>
          (await s.scrape()).filter((sample) => sample.name.startsWith("http_") || sample.name.startsWith("cell_"));
        await scan(1);
        const before = await requestSeries();
        await scan(2);
        const after = await requestSeries();
        assert.deepEqual(
          [...seriesKeys(after)].filter((key) => !seriesKeys(before).has(key)),
          [],
          "a second scan adds no series",
        );
        const endpoints = new Set(["/", "/checkpoint", "/restore", "/metrics", "/healthz", "/readyz", "unmatched"]);
        const methods = new Set([
          "GET",
          "HEAD",
          "POST",
          "PUT",
          "DELETE",
          "CONNECT",
          "OPTIONS",
          "TRACE",
          "PATCH",
          "other",
        ]);
        for (const sample of after) {
          if (sample.labels.endpoint !== undefined)
            assert.ok(endpoints.has(sample.labels.endpoint), sample.labels.endpoint);
          if (sample.labels.method !== undefined) assert.ok(methods.has(sample.labels.method), sample.labels.method);
        }
        assert.equal(
          sampleValue(after, "http_requests_total", { method: "other", endpoint: "unmatched", http_status: "404" }),
          180,
          "PROPFIND, PURGE and MKCOL are counted as other",
        );
      });
    });

    describe("concurrency", () => {
      it("2,000 concurrent increments return every value exactly once", async () => {
        const s = await setup();
        const values = await Promise.all(
          Array.from({ length: 2000 }, async () => JSON.parse((await s.get("/")).body).counter as number),
        );
        assert.equal(new Set(values).size, 2000);
        assert.deepEqual(
          values.sort((a, b) => a - b),
          Array.from({ length: 2000 }, (_, i) => i + 1),
        );
        assert.equal(sampleValue(await s.scrape(), "cell_counter"), 2000);
      });

      it("concurrent checkpoints and restores all succeed and leave a readable checkpoint", async () => {
        const s = await setup();
        await s.get("/");
        await s.get("/checkpoint", post);
        const answers = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            i % 3 === 0 ? s.get("/restore", post) : i % 3 === 1 ? s.get("/checkpoint", post) : s.get("/"),
          ),
        );
        for (const answer of answers) assert.equal(answer.status, 200, answer.body);
        const saved = JSON.parse(await readFile(s.checkpointPath, "utf8")).counter;
        assert.ok(Number.isSafeInteger(saved) && saved >= 1);
      });
    });
  });
}
