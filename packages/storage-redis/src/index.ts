import {
  CounterError,
  type CounterStorage,
  checkpointParts,
  counterOverflow,
  MAX_COUNTER,
  parseCheckpoint,
  parseCounter,
} from "@cell-counter/core";
import { Redis, ReplyError } from "ioredis";

export interface RedisStorageOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of the keys, so that deployments can share one Redis. */
  keyPrefix?: string;
  /** Longest wait for Redis, in ms: a command, a connection, the first connection. */
  timeoutMs?: number;
}

/** What `createRedisStorage` uses when an option is not given. */
export const REDIS_STORAGE_DEFAULTS = { keyPrefix: "cell-counter:", timeoutMs: 1_000 } as const;

export interface RedisStorage extends CounterStorage {
  readonly kind: "redis";
  /** The keys holding the counter and the checkpoint. */
  readonly keys: { counter: string; checkpoint: string };
}

// Each script runs atomically on the server. Redis's Lua numbers are doubles, exact only to
// 2^53: the counter stays decimal text, checked and incremented digit by digit.
const LUA_COUNTER = `
local function read(key)
  local value = redis.pcall('GET', key)
  if type(value) == 'table' then return nil, 'holds a value of another type' end
  if not value then return '0' end
  local canonical = string.match(value, '^[1-9]%d*$') or value == '0'
  if not canonical or #value > 19 or (#value == 19 and value > '${MAX_COUNTER}') then
    return nil, 'holds ' .. string.format('%q', string.sub(value, 1, 40))
  end
  return value
end
`;

const READ = `${LUA_COUNTER}
local value, problem = read(KEYS[1])
if not value then return {'corrupt', problem} end
return {'ok', value}`;

// INCRBY is exact on Redis's 64-bit integers and refuses to overflow; the reply goes back as text.
const INCREMENT = `${LUA_COUNTER}
local value, problem = read(KEYS[1])
if not value then return {'corrupt', problem} end
local added = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(added) == 'table' then return {'overflow'} end
return {'ok', redis.call('GET', KEYS[1])}`;

// The checkpoint's text is the core codec's: ARGV holds what goes before and after the digits.
const CHECKPOINT = `${LUA_COUNTER}
local value, problem = read(KEYS[1])
if not value then return {'corrupt', problem} end
redis.call('SET', KEYS[2], ARGV[1] .. value .. ARGV[2])
return {'ok', value}`;

// A restore sets the counter only if the checkpoint is still the one the codec read.
const RESTORE = `
local saved = redis.pcall('GET', KEYS[2])
if type(saved) == 'table' or saved ~= ARGV[1] then return 'changed' end
redis.call('SET', KEYS[1], ARGV[2])
return 'ok'`;

type Outcome = [status: string, value?: string];

interface Scripts {
  cellRead(key: string): Promise<Outcome>;
  cellIncrement(key: string, by: string): Promise<Outcome>;
  cellCheckpoint(counter: string, checkpoint: string, before: string, after: string): Promise<Outcome>;
  cellRestore(counter: string, checkpoint: string, text: Buffer, value: string): Promise<string>;
}

/**
 * Counter and checkpoint in Redis, each operation one script, atomic on the server; any number of
 * processes share them. Increments that arrive while others are on the wire go together in the
 * next round trip (one `INCRBY n`, the n values handed out in arrival order). Nothing is queued while Redis is unreachable: a command that could not be
 * sent fails at once with `STORAGE_UNAVAILABLE`; one sent but not answered within `timeoutMs`
 * fails with `STORAGE_TIMEOUT` (Redis may still run it). The client reconnects by itself.
 */
export function createRedisStorage(options: RedisStorageOptions): RedisStorage {
  const timeoutMs = options.timeoutMs ?? REDIS_STORAGE_DEFAULTS.timeoutMs;
  const prefix = options.keyPrefix ?? REDIS_STORAGE_DEFAULTS.keyPrefix;
  const keys = { counter: `${prefix}counter`, checkpoint: `${prefix}checkpoint` };
  const client = new Redis(options.url, {
    // No queue while disconnected: a command that fails must not run later, behind the answer.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 500),
    lazyConnect: false,
  });
  const scripts = client as unknown as Scripts;
  client.defineCommand("cellRead", { numberOfKeys: 1, lua: READ });
  client.defineCommand("cellIncrement", { numberOfKeys: 1, lua: INCREMENT });
  client.defineCommand("cellCheckpoint", { numberOfKeys: 2, lua: CHECKPOINT });
  client.defineCommand("cellRestore", { numberOfKeys: 2, lua: RESTORE });
  // Connection errors are answered per request; without a listener they would be logged each retry.
  client.on("error", () => {});
  let connectedOnce = false;
  client.once("ready", () => {
    connectedOnce = true;
  });

  /** The first connection may take a moment: wait for it, within the timeout. */
  async function connected(what: string): Promise<void> {
    if (client.status === "ready" || connectedOnce) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off("ready", ready);
        reject(unavailable(what, new Error("no connection to Redis yet")));
      }, timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once("ready", ready);
    });
  }

  async function call<T>(what: string, command: () => Promise<T>): Promise<T> {
    await connected(what);
    if (client.status !== "ready") throw unavailable(what, new Error(`connection ${client.status}`));
    try {
      return await command();
    } catch (error) {
      throw failure(what, error, timeoutMs);
    }
  }

  /** The counter's value from a script's outcome; `COUNTER_CORRUPT` naming the key otherwise. */
  function counterOf([status, detail]: Outcome): bigint {
    if (status === "overflow") throw counterOverflow();
    const value = status === "ok" && detail !== undefined ? parseCounter(detail) : undefined;
    if (value === undefined) {
      throw new CounterError(
        "COUNTER_CORRUPT",
        `The counter at Redis key "${keys.counter}" is not an integer from 0 to ${MAX_COUNTER}: it ${detail}. It was left as it is.`,
      );
    }
    return value;
  }

  interface Waiting {
    resolve(value: bigint): void;
    reject(error: unknown): void;
  }
  /** Increments asked for while a batch is on the wire: sent together, answered in the order they came. */
  let waiting: Waiting[] = [];
  let sending = false;

  function sendWaiting(): void {
    const batch = waiting;
    waiting = [];
    sending = true;
    incrementBy(batch).finally(() => {
      sending = false;
      if (waiting.length > 0) sendWaiting();
    });
  }

  /** One round trip for the whole batch: `INCRBY n`, the n values handed out in order; one failure for all. */
  async function incrementBy(batch: Waiting[]): Promise<void> {
    const what = "The counter could not be incremented";
    try {
      const outcome = await call(what, () => scripts.cellIncrement(keys.counter, String(batch.length)));
      if (outcome[0] === "overflow" && batch.length > 1) {
        // Near the limit: one at a time, so that those that fit are counted and the others refused.
        for (const waiter of batch) {
          await call(what, () => scripts.cellIncrement(keys.counter, "1"))
            .then(counterOf)
            .then(waiter.resolve, waiter.reject);
        }
        return;
      }
      const last = counterOf(outcome);
      let value = last - BigInt(batch.length);
      for (const waiter of batch) waiter.resolve(++value);
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }

  return {
    kind: "redis",
    keys,
    increment: () =>
      new Promise<bigint>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!sending) sendWaiting();
      }),
    current: async () => counterOf(await call("The counter could not be read", () => scripts.cellRead(keys.counter))),
    checkpoint: async () => {
      const [before, after] = checkpointParts(new Date());
      return counterOf(
        await call("The checkpoint could not be saved", () =>
          scripts.cellCheckpoint(keys.counter, keys.checkpoint, before, after),
        ),
      );
    },
    restore: async () => {
      const what = "The checkpoint could not be restored";
      // A checkpoint saved between the read and the write makes the write refuse: read again.
      for (;;) {
        const text = await call(what, () => client.getBuffer(keys.checkpoint)).catch((error: unknown) => {
          if (error instanceof CounterError && /WRONGTYPE/.test(String(error.cause))) {
            throw new CounterError(
              "CHECKPOINT_CORRUPT",
              `The saved checkpoint cannot be read: Redis key "${keys.checkpoint}" holds a value of another type.`,
            );
          }
          throw error;
        });
        if (text === null) throw new CounterError("CHECKPOINT_NOT_FOUND", "No checkpoint has been saved yet.");
        const value = parseCheckpoint(text);
        const digits = String(value);
        const outcome = await call(what, () => scripts.cellRestore(keys.counter, keys.checkpoint, text, digits));
        if (outcome === "ok") return value;
      }
    },
    ready: async () => {
      counterOf(await call("Redis does not answer", () => scripts.cellRead(keys.counter)));
    },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function unavailable(what: string, cause: unknown): CounterError {
  return new CounterError("STORAGE_UNAVAILABLE", `${what}: Redis is unavailable; nothing was changed.`, { cause });
}

/**
 * What a failed command means. An error reply: Redis answered, and ran nothing. Refused before it
 * was written: nothing was sent. Anything else (no answer in time, the connection lost with the
 * command on the wire): Redis may have run it, and the answer must say so.
 */
function failure(what: string, error: unknown, timeoutMs: number): CounterError {
  if (error instanceof ReplyError) {
    return new CounterError("STORAGE_UNAVAILABLE", `${what}: Redis refused the command; nothing was changed.`, {
      cause: error,
    });
  }
  if (error instanceof Error && /isn't writeable/.test(error.message)) return unavailable(what, error);
  const when = /timed out/i.test(String(error))
    ? `Redis did not answer within ${timeoutMs} ms`
    : "the connection to Redis was lost";
  return new CounterError(
    "STORAGE_TIMEOUT",
    `${what}: ${when}, after the command was sent; it may have been applied.`,
    { cause: error },
  );
}
