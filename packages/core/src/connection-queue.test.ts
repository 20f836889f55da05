import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createConnectionQueue } from "./connection-queue.js";

describe("connection queue", () => {
  it("starts a task only once the one before it on the same connection has its answer used; other connections go on", async () => {
    const inOrder = createConnectionQueue<object>();
    const first = {};
    const second = {};
    const events: string[] = [];
    const written = (answer: string) => {
      events.push(`${answer} written`);
      return answer.length;
    };
    let release: () => void = () => {};
    const slow = inOrder(first, () => new Promise<string>((resolve) => (release = () => resolve("restore"))), written);
    const next = inOrder(
      first,
      () => {
        events.push("increment started");
        return "increment";
      },
      written,
    );
    assert.equal(
      inOrder(second, () => "other connection", written),
      "other connection".length,
      "synchronous when nothing is pending: the answer used at once",
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ["other connection written"], "the increment waits for the restore");
    release();
    assert.equal(await slow, "restore".length);
    assert.equal(await next, "increment".length);
    assert.deepEqual(events, ["other connection written", "restore written", "increment started", "increment written"]);
    await new Promise((resolve) => setImmediate(resolve)); // the next request arrives on a later turn
    assert.equal(
      inOrder(first, () => "later", written),
      "later".length,
      "synchronous again once the connection is idle",
    );
  });

  it("goes on after a task that fails, and after an answer whose use fails", async () => {
    const inOrder = createConnectionQueue<object>();
    const connection = {};
    const used: string[] = [];
    const failing = inOrder(
      connection,
      () => Promise.reject(new Error("storage down")),
      (answer) => answer,
    );
    const unwritable = inOrder(
      connection,
      () => "unwritable",
      () => {
        throw new Error("socket gone");
      },
    );
    const next = inOrder(
      connection,
      () => "served",
      (answer) => used.push(answer),
    );
    await assert.rejects(failing, /storage down/);
    await assert.rejects(unwritable, /socket gone/);
    assert.equal(await next, 1);
    assert.deepEqual(used, ["served"]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(
      inOrder(
        connection,
        () => "sync",
        (answer) => answer,
      ),
      "sync",
    );
  });
});
