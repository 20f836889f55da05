import { CounterError, type CounterStorage, isCounterValue } from "@cell-counter/core";
import { Redis } from "ioredis";

export interface RedisStorageOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of the keys, so that deployments can share one Redis. Default `cell-counter:`. */
  keyPrefix?: string;
  /** Longest wait for Redis, in ms: a command, a connection, the first connection. Default 1000. */
  timeoutMs?: number;
}

export interface RedisStorage extends CounterStorage {
  readonly kind: "redis";
  /** The keys holding the counter and the checkpoint. */
  readonly keys: { counter: string; checkpoint: string };
}

// Both scripts run atomically on the server. The checkpoint has the file's format.
const CHECKPOINT = `
local value = redis.call('GET', KEYS[1]) or '0'
redis.call('SET', KEYS[2], '{"counter":' .. value .. ',"savedAt":"' .. ARGV[1] .. '"}')
return value`;

const RESTORE = `
local text = redis.call('GET', KEYS[2])
if not text then return {'missing'} end
local ok, saved = pcall(cjson.decode, text)
if not ok or type(saved) ~= 'table' then return {'corrupt'} end
local value = saved['counter']
if type(value) ~= 'number' or value < 0 or value > 9007199254740991 or value ~= math.floor(value) then
  return {'corrupt'}
end
local digits = string.format('%d', value)
redis.call('SET', KEYS[1], digits)
return {'ok', digits}`;

/**
 * Counter and checkpoint in Redis: `INCR` for increments, a script for each checkpoint and restore.
 * Any number of processes share them. Redis unreachable: operations fail with
 * `STORAGE_UNAVAILABLE` within `timeoutMs`, and the client reconnects by itself.
 */
export function createRedisStorage(options: RedisStorageOptions): RedisStorage {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const prefix = options.keyPrefix ?? "cell-counter:";
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
  // Connection errors are answered per request; without a listener they would be logged each retry.
  client.on("error", () => {});
  let connectedOnce = false;
  client.once("ready", () => {
    connectedOnce = true;
  });

  /** The first connection may take a moment: wait for it, within the timeout. */
  async function connected(): Promise<void> {
    if (client.status === "ready" || connectedOnce) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off("ready", ready);
        reject(new Error("no connection to Redis yet"));
      }, timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once("ready", ready);
    });
  }

  async function call<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      await connected();
      return await command();
    } catch (error) {
      throw new CounterError("STORAGE_UNAVAILABLE", `${what}: Redis is unavailable.`, { cause: error });
    }
  }

  return {
    kind: "redis",
    keys,
    increment: () => call("The counter could not be incremented", () => client.incr(keys.counter)),
    current: async () => Number((await call("The counter could not be read", () => client.get(keys.counter))) ?? 0),
    checkpoint: async () => {
      const value = await call(
        "The checkpoint could not be saved",
        () => client.eval(CHECKPOINT, 2, keys.counter, keys.checkpoint, new Date().toISOString()) as Promise<string>,
      );
      return Number(value);
    },
    restore: async () => {
      const [outcome, digits] = (await call(
        "The checkpoint could not be restored",
        () => client.eval(RESTORE, 2, keys.counter, keys.checkpoint) as Promise<[string, string?]>,
      )) ?? ["corrupt"];
      if (outcome === "missing") throw new CounterError("CHECKPOINT_NOT_FOUND", "No checkpoint has been saved yet.");
      const value = Number(digits);
      if (outcome !== "ok" || !isCounterValue(value)) {
        throw new CounterError(
          "CHECKPOINT_CORRUPT",
          'The saved checkpoint cannot be read: its "counter" is not a non-negative safe integer.',
        );
      }
      return value;
    },
    ready: async () => {
      await call("Redis does not answer", () => client.ping());
    },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
