import { CounterError } from "./errors.js";
import type { CounterStorage } from "./ports/storage.js";

export interface MemoryStorageOptions {
  /** Starting value of the counter. */
  initial?: number;
}

/** Counter and checkpoint in this process's memory: nothing survives a restart. */
export function createMemoryStorage(options: MemoryStorageOptions = {}): CounterStorage {
  let counter = options.initial ?? 0;
  let saved: number | undefined;
  return {
    kind: "memory",
    increment: () => ++counter,
    current: () => counter,
    checkpoint: async () => {
      saved = counter;
      return saved;
    },
    restore: async () => {
      if (saved === undefined) {
        throw new CounterError("CHECKPOINT_NOT_FOUND", "No checkpoint has been saved yet.");
      }
      counter = saved;
      return counter;
    },
    ready: async () => {},
  };
}
