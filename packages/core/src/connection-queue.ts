import type { MaybePromise } from "./ports/storage.js";

interface Pending {
  /** Settles once the last task queued on the connection has its answer used. */
  last: Promise<unknown>;
  /** Tasks of the connection still without an answer. */
  count: number;
}

/**
 * Runs the requests of one connection in the order they arrived: a task starts only once the
 * previous one on the same key has its answer, and `use` has been called with it (RFC 9112
 * §9.3.2: `GET /` is not safe, so pipelined requests may not be processed in parallel).
 * Synchronous when nothing is pending: `use` is then called at once and its result returned.
 * The queue's state is kept on the key itself (the socket), under a symbol of this queue.
 */
export function createConnectionQueue<Key extends object>(): <T, R>(
  key: Key,
  task: () => MaybePromise<T>,
  use: (answer: T) => R,
) => MaybePromise<R> {
  const PENDING = Symbol("pending requests");
  return (key, task, use) => {
    const holder = key as Key & { [PENDING]?: Pending };
    const pending = holder[PENDING];
    // A task queued behind another starts once that one settles, whether it succeeded or failed.
    const result = pending?.count ? pending.last.then(task, task) : task();
    if (!isPromise(result)) return use(result);
    const queue = pending ?? { last: result, count: 0 };
    holder[PENDING] = queue;
    queue.count++;
    const used = result.then(
      (answer) => {
        queue.count--;
        return use(answer);
      },
      (error: unknown) => {
        queue.count--;
        throw error;
      },
    );
    queue.last = used;
    return used;
  };
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}
