import { Agent } from "node:http";
import type { Operation } from "@cell-counter/testkit";
import { call } from "./process.js";

/** A service process a load is sent to: its URL may change when it is restarted. */
export interface Target {
  name: string;
  url: string;
}

export interface Load {
  /** Every operation so far. */
  readonly history: readonly Operation[];
  /** Waits for the first 2xx that began after `time` (`performance.now()`), and returns when it ended. */
  firstSuccessAfter(time: number, timeoutMs: number): Promise<number>;
  /** Waits until `count` more operations have succeeded. */
  successes(count: number, timeoutMs: number): Promise<void>;
  /** Stops the clients, lets what is in flight end, and returns the history. */
  stop(): Promise<Operation[]>;
}

/** What a client does: mostly increments, a checkpoint now and then. */
const CHECKPOINT_EVERY = 97;

/**
 * Concurrent clients, each sending its requests one after another to the targets in turn, recording
 * every operation (times on `performance.now()`'s clock, status, code, value) for a history checker.
 * A client that gets no answer waits a little before its next request, as a load balancer would.
 */
export function startLoad(targets: readonly Target[], clients: number): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const history: Operation[] = [];
  let running = true;
  let sent = 0;
  const client = async (index: number) => {
    for (let turn = index; running; turn++) {
      const target = targets[turn % targets.length] as Target;
      const kind = ++sent % CHECKPOINT_EVERY === 0 ? "checkpoint" : "increment";
      const start = performance.now();
      try {
        const answer = await call(
          agent,
          target.url,
          kind === "checkpoint" ? "POST" : "GET",
          kind === "checkpoint" ? "/checkpoint" : "/",
        );
        const counter = /"counter":(\d+)/.exec(answer.body)?.[1];
        const code = /"code":"([A-Z_]+)"/.exec(answer.body)?.[1];
        history.push({
          kind,
          process: target.name,
          start,
          end: performance.now(),
          status: answer.status,
          ...(code !== undefined && { code }),
          ...(answer.status < 300 && counter !== undefined && { value: BigInt(counter) }),
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        history.push({ kind, process: target.name, start, end: performance.now(), status: 0, code });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
  const ok = (operation: Operation) => operation.status >= 200 && operation.status < 300;
  const poll = async (what: string, check: () => number | undefined, timeoutMs: number): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    history,
    firstSuccessAfter: (time, timeoutMs) =>
      poll("no success", () => history.find((operation) => operation.start > time && ok(operation))?.end, timeoutMs),
    async successes(count, timeoutMs) {
      const goal = history.filter(ok).length + count;
      await poll(`fewer than ${count} successes`, () => (history.filter(ok).length >= goal ? 0 : undefined), timeoutMs);
    },
    async stop() {
      running = false;
      await done;
      agent.destroy();
      return history;
    },
  };
}
