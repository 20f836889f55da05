import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isCounterError } from "@cell-counter/core";
import { createRedisStorage, type RedisStorage } from "@cell-counter/storage-redis";
import { runStorageContract } from "@cell-counter/testkit";
import { type RedisServer, startRedisServer } from "@cell-counter/tooling";
import { Redis } from "ioredis";

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

  it("a counter found below the last value handed out, with no restore since, is moved back past it and reported once", async () => {
    const reports: { answered: bigint; found: bigint }[] = [];
    const storage = createRedisStorage({
      url: redis.url,
      keyPrefix: "rollback:",
      onRollback: (event) => reports.push(event),
    });
    opened.push(storage);
    for (let i = 0; i < 10; i++) await storage.increment();
    await admin.set(storage.keys.counter, "4"); // what a failover to a replica that lacked 6 increments leaves
    assert.equal(await storage.increment(), 11n, "none of 5…10 is handed out again");
    assert.deepEqual(reports, [{ answered: 10n, found: 4n }]);
    assert.equal(await storage.increment(), 12n);
    assert.equal(reports.length, 1);
  });

  it("a restore, by this process or another, lowers the counter without being taken for a rollback", async () => {
    const reports: unknown[] = [];
    const make = () => {
      const storage = createRedisStorage({
        url: redis.url,
        keyPrefix: "restored:",
        onRollback: (e) => reports.push(e),
      });
      opened.push(storage);
      return storage;
    };
    const [a, b] = [make(), make()];
    await a.increment();
    await a.checkpoint();
    for (let i = 0; i < 5; i++) await a.increment();
    await b.increment();
    assert.equal(await b.restore(), 1n);
    assert.equal(await a.increment(), 2n, "a sees the restore, not a rollback");
    assert.equal(await b.increment(), 3n);
    assert.equal(await a.restore(), 1n);
    assert.equal(await a.increment(), 2n);
    assert.deepEqual(reports, []);
    assert.equal(await admin.get(a.keys.restores), "2");
  });

  describe("with REDIS_MIN_REPLICAS", () => {
    let replica: RedisServer;
    before(async () => {
      // The copy is loaded in memory, never written where the tests run.
      const args = ["--replicaof", "127.0.0.1", String(redis.port), "--repl-diskless-load", "on-empty-db"];
      replica = await startRedisServer(args);
      const deadline = Date.now() + 10_000;
      while (!/slave0:.*state=online/.test(await admin.info("replication"))) {
        assert.ok(Date.now() < deadline, "the replica did not come online within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 20)); // polled until the replica is online
      }
    });
    after(async () => {
      await replica.stop();
    });

    it("writes confirmed by one replica are answered; the replica holds them", async () => {
      const storage = createRedisStorage({ url: redis.url, keyPrefix: "wait:", minReplicas: 1 });
      opened.push(storage);
      const values = await Promise.all(Array.from({ length: 50 }, () => storage.increment()));
      assert.deepEqual(
        values,
        Array.from({ length: 50 }, (_, i) => BigInt(i + 1)),
      );
      assert.equal(await storage.checkpoint(), 50n);
      await storage.increment();
      assert.equal(await storage.restore(), 50n);
      const copy = new Redis(replica.url);
      assert.equal(await copy.get(storage.keys.counter), "50", "the replica had it before the answer");
      copy.disconnect();
      await storage.ready();
    });

    it("writes that too few replicas confirm in time are 504 STORAGE_TIMEOUT, applied on the master; /readyz says why", async () => {
      const storage = createRedisStorage({ url: redis.url, keyPrefix: "wait-2:", minReplicas: 2, timeoutMs: 200 });
      opened.push(storage);
      for (const operation of [storage.increment, storage.checkpoint, storage.restore]) {
        await assert.rejects(
          async () => operation(),
          (error) =>
            hasCode("STORAGE_TIMEOUT")(error) &&
            /the Redis master applied it, but 1 of the 2 replicas required confirmed it within 50 ms; a failover may lose it/.test(
              (error as Error).message,
            ),
        );
      }
      assert.equal(await storage.current(), 1n, "the increment was applied, and the answer said it may have been");
      await assert.rejects(
        storage.ready(),
        (error) =>
          hasCode("STORAGE_UNAVAILABLE")(error) &&
          /1 replicas connected, fewer than the 2 required/.test(String(error)),
      );
    });
  });
});
