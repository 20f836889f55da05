import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isCounterError } from "@cell-counter/core";
import { runStorageContract } from "@cell-counter/testkit";
import { type RedisServer, startRedisServer } from "@cell-counter/tooling";
import { Redis } from "ioredis";
import { createRedisStorage, type RedisStorage } from "./index.js";

let redis: RedisServer;
let admin: Redis;
let prefixes = 0;
const opened: RedisStorage[] = [];
before(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});
after(async () => {
  await Promise.all(opened.map((storage) => storage.close?.()));
  admin.disconnect();
  await redis.stop();
});

function open(keyPrefix = `test-${++prefixes}:`, timeoutMs = 1_000): RedisStorage {
  const storage = createRedisStorage({ url: redis.url, keyPrefix, timeoutMs });
  opened.push(storage);
  return storage;
}

runStorageContract("redis", async (seed) => {
  const storage = open();
  if (seed?.checkpoint !== undefined) await admin.set(storage.keys.checkpoint, seed.checkpoint);
  return storage;
});

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

describe("Redis storage", () => {
  it("shares one counter and one checkpoint between clients of the same prefix", async () => {
    const a = open("shared:");
    const b = open("shared:");
    await a.increment();
    assert.equal(await b.increment(), 2n);
    assert.equal(await a.checkpoint(), 2n);
    await b.increment();
    assert.equal(await b.restore(), 2n);
    assert.equal(await a.current(), 2n);
  });

  it("keeps deployments with different prefixes apart", async () => {
    const prod = open("prod:");
    const staging = open("staging:");
    await prod.increment();
    await prod.increment();
    assert.equal(await staging.increment(), 1n);
    assert.deepEqual(await admin.keys("prod:*"), ["prod:counter"]);
  });

  it("stores the checkpoint in the file format", async () => {
    const storage = open("format:");
    await storage.increment();
    await storage.checkpoint();
    const text = (await admin.get("format:checkpoint")) as string;
    assert.match(text, /^\{"counter":1,"savedAt":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}\n$/);
  });

  for (const [what, plant] of [
    ["text", (key: string) => admin.set(key, "abc")],
    ["a negative number", (key: string) => admin.set(key, "-5")],
    ["leading zeros", (key: string) => admin.set(key, "007")],
    ["JSON spliced into the number", (key: string) => admin.set(key, '1,"counter":99')],
    ["one past 2^63−1", (key: string) => admin.set(key, "9223372036854775808")],
    ["a list", (key: string) => admin.rpush(key, "1")],
  ] as const) {
    it(`a counter key holding ${what} is COUNTER_CORRUPT for every operation, naming the key, and is left as it is`, async () => {
      const storage = open();
      await storage.increment();
      await storage.checkpoint();
      const saved = await admin.get(storage.keys.checkpoint);
      await admin.del(storage.keys.counter);
      await plant(storage.keys.counter);
      const dump = await admin.dump(storage.keys.counter);
      for (const operation of [storage.increment, storage.current, storage.checkpoint, storage.ready]) {
        await assert.rejects(
          async () => operation(),
          (error) => hasCode("COUNTER_CORRUPT")(error) && (error as Error).message.includes(storage.keys.counter),
        );
      }
      assert.deepEqual(await admin.dump(storage.keys.counter), dump, "the key is unchanged");
      assert.equal(await admin.get(storage.keys.checkpoint), saved, "no checkpoint was written");
      assert.equal(await storage.restore(), 1n, "a restore mends it");
      assert.equal(await storage.increment(), 2n);
    });
  }

  it("increments that arrive together share round trips, each answered a distinct value in arrival order", async () => {
    const storage = open();
    const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info("stats"))?.[1]);
    const before = await commands();
    const values = await Promise.all(Array.from({ length: 500 }, () => storage.increment()));
    const sent = (await commands()) - before;
    assert.deepEqual(
      values,
      Array.from({ length: 500 }, (_, i) => BigInt(i + 1)),
      "in arrival order, none lost",
    );
    assert.ok(sent < 50, `${sent} commands for 500 increments`);
  });

  it("a batch that would pass 2^63−1: those that fit are counted, the others answered COUNTER_OVERFLOW", async () => {
    const storage = open();
    await admin.set(storage.keys.counter, "9223372036854775805");
    await storage.increment(); // a batch in flight, so that the next five go together
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => storage.increment()));
    assert.deepEqual(
      outcomes.map((outcome) =>
        outcome.status === "fulfilled" ? outcome.value : (outcome.reason as { code: string }).code,
      ),
      [9223372036854775807n, "COUNTER_OVERFLOW", "COUNTER_OVERFLOW", "COUNTER_OVERFLOW", "COUNTER_OVERFLOW"],
    );
    assert.equal(await storage.current(), 9223372036854775807n);
  });

  it("a checkpoint key of another type is CHECKPOINT_CORRUPT", async () => {
    const storage = open();
    await admin.rpush(storage.keys.checkpoint, "x");
    await assert.rejects(storage.restore(), hasCode("CHECKPOINT_CORRUPT"));
  });

  it("Redis paused: every answer is 504 STORAGE_TIMEOUT and the increments are applied afterwards; never a 503", async () => {
    const storage = open(undefined, 200);
    await storage.increment();
    await admin.client("PAUSE", 1500, "WRITE");
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => storage.increment()));
    for (const outcome of outcomes) {
      assert.equal(outcome.status, "rejected");
      assert.ok(hasCode("STORAGE_TIMEOUT")(outcome.reason), String(outcome.reason));
      assert.match((outcome.reason as Error).message, /may have been applied/);
    }
    await admin.client("UNPAUSE");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await storage.current(), 13n, "Redis ran every command that timed out: the answer was honest");
  });

  it("Redis unreachable: 503 STORAGE_UNAVAILABLE, and nothing answered so is ever applied", async () => {
    const storage = open(undefined, 200);
    assert.equal(await storage.increment(), 1n);
    await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
    await new Promise((resolve) => setTimeout(resolve, 30)); // the client sees its connection closed
    const refused = await Promise.allSettled(Array.from({ length: 12 }, () => storage.increment()));
    const unavailable = refused.filter(
      (outcome) => outcome.status === "rejected" && hasCode("STORAGE_UNAVAILABLE")(outcome.reason),
    );
    assert.ok(unavailable.length > 0, "some increments were refused while the connection was down");
    const applied = refused.filter((outcome) => outcome.status === "fulfilled").length;
    for (const outcome of refused) {
      if (outcome.status === "rejected")
        assert.ok(!hasCode("STORAGE_TIMEOUT")(outcome.reason), "nothing was in flight");
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await storage.current(), BigInt(1 + applied), "only the answered increments were applied");
  });

  it("answers STORAGE_UNAVAILABLE within the timeout when Redis cannot be reached", async () => {
    const storage = createRedisStorage({ url: "redis://127.0.0.1:1", timeoutMs: 300 });
    opened.push(storage);
    for (const operation of [storage.increment, storage.checkpoint, storage.restore, storage.ready]) {
      const started = Date.now();
      await assert.rejects(async () => operation(), hasCode("STORAGE_UNAVAILABLE"));
      assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms, not hung`);
    }
  });
});
