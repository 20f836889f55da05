import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type CounterStorage, isCounterError, MAX_COUNTER, parseCheckpoint } from "@cell-counter/core";
import { CHECKPOINT_VARIANTS } from "./checkpoint-variants.js";

/** What a test may find already saved when its storage is made. */
export interface StorageSeed {
  /** The checkpoint's text, as another process (or the original service) wrote it. */
  checkpoint?: string;
}

/** Builds a fresh storage for one test, with `seed.checkpoint` saved where it reads checkpoints. */
export type MakeStorage = (seed?: StorageSeed) => Promise<CounterStorage> | CounterStorage;

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

/** The behaviour every implementation of the storage port must show. */
export function runStorageContract(name: string, makeStorage: MakeStorage): void {
  describe(`storage contract: ${name}`, () => {
    let opened: CounterStorage[] = [];
    const fresh = async (seed?: StorageSeed) => {
      const storage = await makeStorage(seed);
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(opened.map((storage) => storage.close?.()));
      opened = [];
    });

    it("starts at 0 and increments by one", async () => {
      const s = await fresh();
      assert.equal(await s.current(), 0n);
      assert.equal(await s.increment(), 1n);
      assert.equal(await s.increment(), 2n);
      assert.equal(await s.current(), 2n);
    });

    it("is ready when it can serve", async () => {
      const s = await fresh();
      await s.ready();
    });

    it("answers CHECKPOINT_NOT_FOUND to a restore before any checkpoint, and keeps the counter", async () => {
      const s = await fresh();
      await s.increment();
      await assert.rejects(s.restore(), hasCode("CHECKPOINT_NOT_FOUND"));
      assert.equal(await s.current(), 1n);
    });

    it("checkpoints the current value and restores it", async () => {
      const s = await fresh();
      for (let i = 0; i < 3; i++) await s.increment();
      assert.equal(await s.checkpoint(), 3n);
      for (let i = 0; i < 4; i++) await s.increment();
      assert.equal(await s.current(), 7n);
      assert.equal(await s.restore(), 3n);
      assert.equal(await s.current(), 3n);
      assert.equal(await s.increment(), 4n);
    });

    it("a later checkpoint replaces the earlier one", async () => {
      const s = await fresh();
      await s.increment();
      await s.checkpoint();
      await s.increment();
      await s.checkpoint();
      await s.increment();
      assert.equal(await s.restore(), 2n);
    });

    it("counts exactly past 2^53 and up to 2^63−1, then answers COUNTER_OVERFLOW and changes nothing", async () => {
      const s = await fresh({ checkpoint: '{"counter": 9007199254740990}' });
      assert.equal(await s.restore(), 9007199254740990n);
      const values = [await s.increment(), await s.increment(), await s.increment()];
      assert.deepEqual(values, [9007199254740991n, 9007199254740992n, 9007199254740993n]);
      assert.equal(await s.checkpoint(), 9007199254740993n);
      await s.increment();
      assert.equal(await s.restore(), 9007199254740993n, "the saved checkpoint has every digit");

      const limit = await fresh({ checkpoint: `{"counter": ${MAX_COUNTER - 1n}}` });
      await limit.restore();
      assert.equal(await limit.increment(), MAX_COUNTER);
      await assert.rejects(async () => limit.increment(), hasCode("COUNTER_OVERFLOW"));
      assert.equal(await limit.current(), MAX_COUNTER, "the counter is unchanged");
      assert.equal(await limit.checkpoint(), MAX_COUNTER);
      assert.equal(await limit.restore(), MAX_COUNTER);
    });

    for (const [variant, text, outcome] of CHECKPOINT_VARIANTS) {
      it(`reads a checkpoint (${variant}) as ${outcome === "corrupt" ? "CHECKPOINT_CORRUPT, counter unchanged" : outcome}`, async () => {
        const s = await fresh({ checkpoint: text });
        await s.increment();
        if (outcome === "corrupt") {
          await assert.rejects(s.restore(), hasCode("CHECKPOINT_CORRUPT"));
          assert.equal(await s.current(), 1n);
        } else {
          assert.equal(await s.restore(), outcome);
          assert.equal(await s.current(), outcome);
          assert.equal(parseCheckpoint(text), outcome, "the core's codec reads the same");
        }
      });
    }

    it("loses no increment among 2,000 concurrent ones", async () => {
      const s = await fresh();
      const values = await Promise.all(Array.from({ length: 2000 }, () => s.increment()));
      assert.equal(new Set(values).size, 2000);
      assert.ok(values.includes(2000n), "the last one is 2000");
      assert.equal(await s.current(), 2000n);
    });

    it("serialises concurrent checkpoints and restores: each answers a value the counter had", async () => {
      const s = await fresh();
      await s.increment();
      await s.checkpoint();
      const seen = new Set<bigint>([1n]);
      const operations: Promise<bigint>[] = [];
      for (let i = 0; i < 40; i++) {
        seen.add(await s.increment());
        operations.push(i % 2 === 0 ? s.checkpoint() : s.restore());
      }
      const answers = await Promise.all(operations);
      for (const value of answers) assert.ok(seen.has(value), `${value} was never the counter`);
      const last = await s.checkpoint();
      assert.equal(await s.restore(), last);
    });
  });
}
