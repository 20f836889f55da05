import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bundleWorker, startWorkerd } from "@cell-counter/tooling";
import { root } from "../support.js";

const EXAMPLE = join(root, "examples/workers");
let workerd: Awaited<ReturnType<typeof startWorkerd>>;
before(async () => {
  workerd = await startWorkerd(await bundleWorker(join(EXAMPLE, "worker.ts")));
});
after(() => workerd?.stop());

const call = async (worker: "a" | "b", path: string, method = "GET") => {
  const response = await workerd.fetch(worker, `https://cell-counter.example.workers.dev${path}`, { method });
  return { status: response.status, body: await response.text(), type: response.headers.get("content-type") };
};

describe("the Cloudflare Workers example, under real workerd (two isolates, one Durable Object)", () => {
  it("its wrangler.jsonc binds COUNTER to the CounterObject class the worker exports", async () => {
    const text = await readFile(join(EXAMPLE, "wrangler.jsonc"), "utf8");
    const config = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
    assert.equal(config.main, "worker.ts");
    assert.deepEqual(config.durable_objects.bindings, [{ name: "COUNTER", class_name: "CounterObject" }]);
    assert.deepEqual(config.migrations[0].new_sqlite_classes, ["CounterObject"]);
    assert.match(await readFile(join(EXAMPLE, "worker.ts"), "utf8"), /export \{ CounterObject \}/);
  });

  it("serves the API, one counter whichever isolate answers, with the contract's errors", async () => {
    assert.deepEqual(await call("a", "/"), { status: 200, body: '{"counter":1}', type: "application/json" });
    assert.equal((await call("b", "/./")).body, '{"counter":2}', "dot segments resolved as on every host");
    assert.equal((await call("b", "/checkpoint", "POST")).body, '{"counter":2,"status":"checkpoint saved"}');
    assert.equal((await call("a", "/")).body, '{"counter":3}');
    assert.equal((await call("a", "/restore", "POST")).body, '{"counter":2,"status":"restored"}');
    assert.equal((await call("b", "/")).body, '{"counter":3}', "the restore is seen through the other isolate");
    const wrong = await call("a", "/checkpoint");
    assert.equal(wrong.status, 405);
    assert.equal(JSON.parse(wrong.body).code, "METHOD_NOT_ALLOWED");
    assert.equal((await call("b", "/nope")).status, 404);
    assert.deepEqual(await call("a", "/readyz"), { status: 200, body: '{"status":"ready"}', type: "application/json" });
    const metrics = await call("a", "/metrics");
    assert.deepEqual([metrics.status, metrics.body], [200, ""], "no-op metrics on Workers: an empty exposition");
  });
});
