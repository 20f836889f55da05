import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RedisServer, runStorageContract, startRedisServer } from "@cell-counter/conformance";
import { isCounterError } from "@cell-counter/core";
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

runStorageContract("redis", () => open());

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

describe("Redis storage", () => {
  it("shares one counter and one checkpoint between clients of the same prefix", async () => {
    const a = open("shared:");
    const b = open("shared:");
    await a.increment();
    assert.equal(await b.increment(), 2);
    assert.equal(await a.checkpoint(), 2);
    await b.increment();
    assert.equal(await b.restore(), 2);
    assert.equal(await a.current(), 2);
  });

  it("keeps deployments with different prefixes apart", async () => {
    const prod = open("prod:");
    const staging = open("staging:");
    await prod.increment();
    await prod.increment();
    assert.equal(await staging.increment(), 1);
    assert.deepEqual(await admin.keys("prod:*"), ["prod:counter"]);
  });

  it("stores the checkpoint in the file format", async () => {
    const storage = open("format:");
    await storage.increment();
    await storage.checkpoint();
    const text = (await admin.get("format:checkpoint")) as string;
    assert.match(text, /^\{"counter":1,"savedAt":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/);
  });

  for (const [text, outcome] of [
    ['{"counter": 35}', 35],
    ['{"counter": 35, "note": "from a file"}', 35],
    ["not json", "corrupt"],
    ['{"counter": -1}', "corrupt"],
    ['{"counter": 1.5}', "corrupt"],
    ['{"counter": "35"}', "corrupt"],
    ['{"count": 35}', "corrupt"],
    ["[35]", "corrupt"],
    ['{"counter": 9007199254740993}', "corrupt"],
  ] as const) {
    it(`restores ${text} as ${outcome}, leaving the counter alone when it cannot`, async () => {
      const storage = open();
      await storage.increment();
      await admin.set(storage.keys.checkpoint, text);
      if (outcome === "corrupt") {
        await assert.rejects(storage.restore(), hasCode("CHECKPOINT_CORRUPT"));
        assert.equal(await storage.current(), 1);
      } else {
        assert.equal(await storage.restore(), outcome);
        assert.equal(await storage.current(), outcome);
      }
    });
  }

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
