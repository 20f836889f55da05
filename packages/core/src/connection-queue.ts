import type { MaybePromise } from "./ports/storage.js";

/**
 * Runs the requests of one connection in the order they arrived: a task starts only once the
 * previous one on the same key has its answer (RFC 9112 §9.3.2: `GET /` is not safe, so
 * pipelined requests may not be processed in parallel). Synchronous when nothing is pending.
 */
export function createConnectionQueue<Key extends object>(): <T>(
  key: Key,
  task: () => MaybePromise<T>,
) => MaybePromise<T> {
  /** Per connection with a task under way: when the last one settles, and how many are left. */
  const pending = new WeakMap<Key, { last: Promise<unknown>; count: number }>();
  return (key, task) => {
    const queue = pending.get(key);
    const result = queue ? queue.last.then(task) : task();
    if (!isPromise(result)) return result;
    const entry = queue ?? { last: result, count: 0 };
    if (!queue) pending.set(key, entry);
    entry.count++;
    const settled = () => {
      if (--entry.count === 0) pending.delete(key);
    };
    entry.last = result.then(settled, settled);
    return result;
  };
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}
