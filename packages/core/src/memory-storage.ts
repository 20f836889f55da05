import { checkpointNotFound, parseCheckpoint, serializeCheckpoint } from "./checkpoint-codec.js";
import { nextCounter } from "./counter.js";
import type { CounterStorage } from "./ports/storage.js";

export interface MemoryStorageOptions {
  /** Starting value of the counter. */
  initial?: bigint;
  /** A checkpoint already saved, as its text. */
  checkpoint?: string;
}

/** Counter and checkpoint in this process's memory: nothing survives a restart. */
export function createMemoryStorage(options: MemoryStorageOptions = {}): CounterStorage {
  let counter = options.initial ?? 0n;
  let saved = options.checkpoint;
  return {
    kind: "memory",
    increment: () => {
      counter = nextCounter(counter);
      return counter;
    },
    current: () => counter,
    checkpoint: async () => {
      saved = serializeCheckpoint(counter, new Date());
      return counter;
    },
    restore: async () => {
      if (saved === undefined) {
        throw checkpointNotFound();
      }
      counter = parseCheckpoint(saved);
      return counter;
    },
    ready: async () => {},
  };
}
