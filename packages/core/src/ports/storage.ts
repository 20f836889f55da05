export type MaybePromise<T> = T | Promise<T>;

/**
 * Where the counter and its checkpoint live. Implementations: `@cell-counter/core/memory-storage`,
 * `@cell-counter/storage-file`. Failures are thrown as `CounterError` with code
 * `STORAGE_UNAVAILABLE`, `CHECKPOINT_NOT_FOUND` or `CHECKPOINT_CORRUPT`; anything else is
 * answered as `INTERNAL`.
 */
export interface CounterStorage {
  /** Short name for logs and the build-info metric: `memory`, `file`, `redis`… */
  readonly kind: string;
  /** Adds one and returns the new value. Concurrent calls never lose an increment. */
  increment(): MaybePromise<number>;
  /** The current value. */
  current(): MaybePromise<number>;
  /** Saves the current value durably and returns it. */
  checkpoint(): Promise<number>;
  /** Sets the counter to the saved value and returns it. */
  restore(): Promise<number>;
  /** Resolves when the storage can serve checkpoints; rejects with `STORAGE_UNAVAILABLE` otherwise. */
  ready(): Promise<void>;
  /** Releases connections and files. */
  close?(): Promise<void>;
}
