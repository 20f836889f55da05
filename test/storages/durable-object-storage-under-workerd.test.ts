import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CounterError, type CounterStorage, type ErrorCode } from "@cell-counter/core";
import { runStorageContract } from "@cell-counter/testkit";
import { bundleWorker, startWorkerd } from "@cell-counter/tooling";

import { root } from "../support.js";

let workerd: Awaited<ReturnType<typeof startWorkerd>>;
let objects = 0;
before(async () => {
  workerd = await startWorkerd(await bundleWorker(join(root, "test/fixtures/workers/contract-worker.ts")));
});
after(() => workerd?.stop());

/** The Durable Object storage as it runs inside workerd, called from here through a worker. */
function objectStorage(
  name: string,
  worker: "a" | "b" = "a",
): CounterStorage & { importCheckpoint(text: string): Promise<void> } {
  const call = async (operation: string, body?: string) => {
    const response = await workerd.fetch(worker, `https://worker/${name}/${operation}`, { method: "POST", body });
    const outcome = (await response.json()) as { value: string } | { code: ErrorCode; message: string };
    if ("code" in outcome) throw new CounterError(outcome.code, outcome.message);
    return outcome.value;
  };
  return {
    kind: "durable-object",
    increment: async () => BigInt(await call("increment")),
    current: async () => BigInt(await call("current")),
    checkpoint: async () => BigInt(await call("checkpoint")),
    restore: async () => BigInt(await call("restore")),
    ready: async () => void (await call("ready")),
    importCheckpoint: async (text) => void (await call("import", text)),
  };
}

runStorageContract("Durable Object (workerd)", async (seed) => {
  const storage = objectStorage(`contract-${++objects}`);
  if (seed?.checkpoint !== undefined) await storage.importCheckpoint(seed.checkpoint);
  return storage;
});

describe("Durable Object storage under workerd: two isolates, one object", () => {
  it("share one counter: 400 concurrent increments through both, none lost; a checkpoint through one restores through the other", async () => {
    const a = objectStorage("shared", "a");
    const b = objectStorage("shared", "b");
    const values = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? a : b).increment()));
    assert.equal(new Set(values).size, 400);
    assert.equal(await b.current(), 400n);
    assert.equal(await a.checkpoint(), 400n);
    await b.increment();
    assert.equal(await b.restore(), 400n);
    assert.equal(await a.current(), 400n, "the restore is seen at once through the other isolate");
  });

  it("carries the error codes across the call", async () => {
    await assert.rejects(objectStorage("empty", "b").restore(), { name: "CounterError", code: "CHECKPOINT_NOT_FOUND" });
  });
});
