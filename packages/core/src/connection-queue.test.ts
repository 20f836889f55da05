import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createConnectionQueue } from "./connection-queue.js";

describe("connection queue", () => {
  it("starts a task only once the one before it on the same connection has its answer; other connections go on", async () => {
    const inOrder = createConnectionQueue<object>();
    const first = {};
    const second = {};
    const events: string[] = [];
    let release: () => void = () => {};
    const slow = inOrder(first, () => new Promise<string>((resolve) => (release = () => resolve("restore"))));
    const next = inOrder(first, () => {
      events.push("increment started");
      return "increment";
    });
    assert.equal(
      inOrder(second, () => "other connection"),
      "other connection",
      "synchronous when nothing is pending",
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, [], "the increment waits for the restore");
    release();
    assert.equal(await slow, "restore");
    assert.equal(await next, "increment");
    assert.deepEqual(events, ["increment started"]);
    await new Promise((resolve) => setImmediate(resolve)); // the next request arrives on a later turn
    assert.equal(
      inOrder(first, () => "later"),
      "later",
      "synchronous again once the connection is idle",
    );
  });

  it("goes on after a task that fails", async () => {
    const inOrder = createConnectionQueue<object>();
    const connection = {};
    const failing = inOrder(connection, () => Promise.reject(new Error("storage down")));
    const next = inOrder(connection, () => "served");
    await assert.rejects(failing);
    assert.equal(await next, "served");
  });
});
