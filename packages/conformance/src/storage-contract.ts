import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type CounterStorage, isCounterError } from "@cell-counter/core";

/** Builds a fresh, empty storage for one test. */
export type MakeStorage = () => Promise<CounterStorage> | CounterStorage;

/** The behaviour every implementation of the storage port must show. */
export function runStorageContract(name: string, makeStorage: MakeStorage): void {
  describe(`storage contract: ${name}`, () => {
    let storage: CounterStorage | undefined;
    const fresh = async () => {
      storage = await makeStorage();
      return storage;
    };
    afterEach(async () => {
      await storage?.close?.();
      storage = undefined;
    });

    it("starts at 0 and increments by one", async () => {
      const s = await fresh();
      assert.equal(await s.current(), 0);
      assert.equal(await s.increment(), 1);
      assert.equal(await s.increment(), 2);
      assert.equal(await s.current(), 2);
    });

    it("is ready when it can serve checkpoints", async () => {
      const s = await fresh();
      await s.ready();
    });

    it("answers CHECKPOINT_NOT_FOUND to a restore before any checkpoint, and keeps the counter", async () => {
      const s = await fresh();
      await s.increment();
      await assert.rejects(s.restore(), (error) => isCounterError(error) && error.code === "CHECKPOINT_NOT_FOUND");
      assert.equal(await s.current(), 1);
    });

    it("checkpoints the current value and restores it", async () => {
      const s = await fresh();
      for (let i = 0; i < 3; i++) await s.increment();
      assert.equal(await s.checkpoint(), 3);
      for (let i = 0; i < 4; i++) await s.increment();
      assert.equal(await s.current(), 7);
      assert.equal(await s.restore(), 3);
      assert.equal(await s.current(), 3);
      assert.equal(await s.increment(), 4);
    });

    it("a later checkpoint replaces the earlier one", async () => {
      const s = await fresh();
      await s.increment();
      await s.checkpoint();
      await s.increment();
      await s.checkpoint();
      await s.increment();
      assert.equal(await s.restore(), 2);
    });

    it("loses no increment among 2,000 concurrent ones", async () => {
      const s = await fresh();
      const values = await Promise.all(Array.from({ length: 2000 }, () => s.increment()));
      assert.equal(new Set(values).size, 2000);
      assert.equal(Math.max(...values), 2000);
      assert.equal(await s.current(), 2000);
    });

    it("serialises concurrent checkpoints and restores: each answers a value the counter had", async () => {
      const s = await fresh();
      await s.increment();
      await s.checkpoint();
      const seen = new Set<number>([1]);
      const operations: Promise<number>[] = [];
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
