export type MaybePromise<T> = T | Promise<T>;

/**
 * Where the counter and its checkpoint live. Implementations: `@cell-counter/core/memory-storage`,
 * `@cell-counter/storage-file`, `@cell-counter/storage-redis`. The counter is a `bigint` from 0 to
 * 2^63−1; checkpoints are read and written with the core's codec (`parseCheckpoint`,
 * `serializeCheckpoint`). Failures are thrown as `CounterError` with a code of the contract
 * (`STORAGE_UNAVAILABLE` when nothing was applied, `STORAGE_TIMEOUT` when the outcome is unknown,
 * `COUNTER_OVERFLOW`, `COUNTER_CORRUPT`, `CHECKPOINT_NOT_FOUND`, `CHECKPOINT_CORRUPT`); anything
 * else is answered as `INTERNAL`.
 */
export interface CounterStorage {
  /** Short name for logs and the build-info metric: `memory`, `file`, `redis`… */
  readonly kind: string;
  /** Adds one and returns the new value; `COUNTER_OVERFLOW` at 2^63−1. Concurrent calls never lose one. */
  increment(): MaybePromise<bigint>;
  /** The current value. */
  current(): MaybePromise<bigint>;
  /** Saves the current value durably and returns it. */
  checkpoint(): Promise<bigint>;
  /** Sets the counter to the saved value and returns it. */
  restore(): Promise<bigint>;
  /** Resolves when the storage can serve; rejects with the reason (`STORAGE_UNAVAILABLE`, `COUNTER_CORRUPT`…) otherwise. */
  ready(): Promise<void>;
  /** Releases connections and files. */
  close?(): Promise<void>;
}
