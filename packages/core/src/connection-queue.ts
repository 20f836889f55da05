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
  const pending = new WeakMap<Key, Promise<unknown>>();
  return (key, task) => {
    const before = pending.get(key);
    const result = before ? before.then(task) : task();
    if (isPromise(result)) {
      const settled = result.then(
        () => {},
        () => {},
      );
      pending.set(key, settled);
      settled.then(() => {
        if (pending.get(key) === settled) pending.delete(key);
      });
    }
    return result;
  };
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}
