import {
  CounterError,
  type CounterStorage,
  checkpointCorrupt,
  checkpointNotFound,
  checkpointParts,
  counterOverflow,
  MAX_COUNTER,
  parseCheckpoint,
  parseCounter,
} from "@cell-counter/core";
import { Cluster, ReplyError } from "ioredis";
import { connect, type RedisClient, type RedisTopology } from "./connection.js";

export type { RedisAuth, RedisNode, RedisTopology } from "./connection.js";

/**
 * Where Redis is — `{ url }` for one server (`redis://[user:password@]host:port[/db]`, or
 * `rediss://` for TLS), `{ sentinels, master }` for a master found through Sentinel,
 * `{ clusterNodes }` for a Cluster — and how to use it.
 */
export type RedisStorageOptions = RedisTopology & {
  /** Prefix of the keys, so that deployments can share one Redis. */
  keyPrefix?: string;
  /** Longest wait for Redis, in ms: a command, a connection, the first connection, the replicas' confirmation. */
  timeoutMs?: number;
  /**
   * A write (increment, checkpoint, restore) succeeds only once this many replicas confirm it
   * (`WAIT`) within `timeoutMs`; otherwise it fails with `STORAGE_TIMEOUT`: applied on the master,
   * it may be lost by a failover.
   */
  minReplicas?: number;
  /**
   * Called when an increment finds the counter below the last value this storage handed out, with
   * no restore since (a failover lost acknowledged writes): the counter is first moved back to that
   * value, so that none is handed out twice by this process.
   */
  onRollback?(event: { answered: bigint; found: bigint }): void;
};

/** What `createRedisStorage` uses when an option is not given. */
export const REDIS_STORAGE_DEFAULTS = { keyPrefix: "cell-counter:", timeoutMs: 1_000, minReplicas: 0 } as const;

export interface RedisStorage extends CounterStorage {
  readonly kind: "redis";
  /**
   * The keys holding the counter, the checkpoint and the number of restores so far. In a Cluster
   * the prefix is a hash tag (`{cell-counter:}counter`), so that the keys share one slot.
   */
  readonly keys: { counter: string; checkpoint: string; restores: string };
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
// ARGV[2] is the last value this client handed out and ARGV[3] the number of restores it last saw
// (empty before its first increment): a counter found below that value with no restore since has
// lost writes (a failover), and is first moved back to it. The reply carries the restores' number,
// and the value found when it was moved.
const INCREMENT = `${LUA_COUNTER}
local value, problem = read(KEYS[1])
if not value then return {'corrupt', problem} end
local restores = redis.pcall('GET', KEYS[2])
if type(restores) ~= 'string' then restores = '0' end
local found = false
if ARGV[3] ~= '' and tonumber(restores) <= tonumber(ARGV[3])
  and (#value < #ARGV[2] or (#value == #ARGV[2] and value < ARGV[2])) then
  redis.call('SET', KEYS[1], ARGV[2])
  found = value
end
local added = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(added) == 'table' then return {'overflow'} end
return {'ok', redis.call('GET', KEYS[1]), restores, found}`;

// The checkpoint's text is the core codec's: ARGV holds what goes before and after the digits.
const CHECKPOINT = `${LUA_COUNTER}
local value, problem = read(KEYS[1])
if not value then return {'corrupt', problem} end
redis.call('SET', KEYS[2], ARGV[1] .. value .. ARGV[2])
return {'ok', value}`;

// A restore sets the counter only if the checkpoint is still the one the codec read, and counts
// itself: an increment that then finds the counter lower knows it was restored, not rolled back.
const RESTORE = `
local saved = redis.pcall('GET', KEYS[2])
if type(saved) == 'table' or saved ~= ARGV[1] then return {'changed'} end
redis.call('SET', KEYS[1], ARGV[2])
redis.pcall('INCR', KEYS[3])
return {'ok', ARGV[2]}`;

type Outcome = [status: string, value?: string, restores?: string, found?: string | null];

interface Scripts {
  cellRead(key: string): Promise<Outcome>;
  cellIncrement(counter: string, restores: string, by: string, answered: string, seen: string): Promise<Outcome>;
  cellCheckpoint(counter: string, checkpoint: string, before: string, after: string): Promise<Outcome>;
  cellRestore(counter: string, checkpoint: string, restores: string, text: Buffer, value: string): Promise<Outcome>;
}

/**
 * Counter and checkpoint in Redis, each operation one script, atomic on the server; any number of
 * processes share them. Increments that arrive while others are on the wire go together in the
 * next round trip (one `INCRBY n`, the n values handed out in arrival order). Nothing is queued
 * while Redis is unreachable: a command that could not be sent fails at once with
 * `STORAGE_UNAVAILABLE`; one sent but not answered within `timeoutMs` fails with `STORAGE_TIMEOUT`
 * (Redis may still run it). The client reconnects by itself, and through Sentinel follows the master.
 */
export function createRedisStorage(options: RedisStorageOptions): RedisStorage {
  const timeoutMs = options.timeoutMs ?? REDIS_STORAGE_DEFAULTS.timeoutMs;
  const minReplicas = options.minReplicas ?? REDIS_STORAGE_DEFAULTS.minReplicas;
  const given = options.keyPrefix ?? REDIS_STORAGE_DEFAULTS.keyPrefix;
  const prefix = "clusterNodes" in options ? `{${given}}` : given;
  const keys = { counter: `${prefix}counter`, checkpoint: `${prefix}checkpoint`, restores: `${prefix}restores` };
  const sentinel = "sentinels" in options;
  const client: RedisClient = connect(options, timeoutMs);
  const scripts = client as unknown as Scripts;
  client.defineCommand("cellRead", { numberOfKeys: 1, lua: READ });
  client.defineCommand("cellIncrement", { numberOfKeys: 2, lua: INCREMENT });
  client.defineCommand("cellCheckpoint", { numberOfKeys: 2, lua: CHECKPOINT });
  client.defineCommand("cellRestore", { numberOfKeys: 3, lua: RESTORE });
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

  // WAIT answers a short count at its own timeout, which Redis notices at its event loop's pace
  // (every 100 ms at the default hz): ended early enough that the count, not a timeout, comes back.
  const waitMs = Math.max(1, timeoutMs - 150);

  /**
   * A write script, and with `minReplicas` a `WAIT` behind it in the same round trip, on the
   * connection (the node, in a Cluster) that ran it. An outcome that wrote something and was not
   * confirmed by enough replicas in time is `STORAGE_TIMEOUT`.
   */
  async function write(what: string, send: (target: Scripts) => Promise<Outcome>): Promise<Outcome> {
    if (minReplicas === 0) return call(what, () => send(scripts));
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const replies = await call(what, async () => {
        const pipeline = client.pipeline();
        send(pipeline as unknown as Scripts);
        pipeline.wait(minReplicas, waitMs);
        return (await pipeline.exec()) ?? [];
      });
      const [[scriptError, outcome] = [], [waitError, confirmed] = []] = replies;
      // ioredis follows a slot that moved (a failover) for a single command, not in a pipeline:
      // the script ran nowhere, so learn where the slot is now and send it again.
      const moved = scriptError instanceof ReplyError && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(String(scriptError));
      if (moved && client instanceof Cluster && performance.now() < deadline) {
        await new Promise<void>((resolve) => client.refreshSlotsCache(() => setTimeout(resolve, 50)));
        continue;
      }
      if (scriptError) throw failure(what, scriptError, timeoutMs);
      if ((outcome as Outcome)[0] !== "ok") return outcome as Outcome;
      if (waitError) throw failure(what, waitError, timeoutMs);
      if ((confirmed as number) < minReplicas) {
        throw new CounterError(
          "STORAGE_TIMEOUT",
          `${what}: the Redis master applied it, but ${confirmed} of the ${minReplicas} replicas required confirmed it within ${waitMs} ms; a failover may lose it.`,
        );
      }
      return outcome as Outcome;
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

  /** The last value handed out, and the number of restores seen with it: the rollback guard's memory. */
  let answered = 0n;
  let restoresSeen = "";

  /** One increment script of `by`; the outcome's last value is remembered, and a rollback it mended reported. */
  async function incrementScript(by: number): Promise<bigint> {
    const outcome = await write("The counter could not be incremented", (target) =>
      target.cellIncrement(keys.counter, keys.restores, String(by), String(answered), restoresSeen),
    );
    const last = counterOf(outcome);
    const [, , restores, found] = outcome;
    if (typeof found === "string") options.onRollback?.({ answered, found: BigInt(found) });
    answered = last;
    restoresSeen = restores ?? "";
    return last;
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
    try {
      const last = await incrementScript(batch.length);
      let value = last - BigInt(batch.length);
      for (const waiter of batch) waiter.resolve(++value);
    } catch (error) {
      if (!(isOverflow(error) && batch.length > 1)) {
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      // Near the limit: one at a time, so that those that fit are counted and the others refused.
      for (const waiter of batch) await incrementScript(1).then(waiter.resolve, waiter.reject);
    }
  }

  /** Through Sentinel, a connection to a demoted master until ioredis follows the new one; with `minReplicas`, too few replicas. */
  async function checkRole(): Promise<void> {
    if (!sentinel && minReplicas === 0) return;
    const [role, , replicas] = (await call("Redis does not answer", () => client.call("ROLE"))) as [
      string,
      unknown,
      unknown[]?,
    ];
    if (role !== "master") {
      throw unavailable("Redis is a replica now", new Error(`role ${role}`), "waiting for the master");
    }
    const connectedReplicas = replicas?.length ?? 0;
    if (connectedReplicas < minReplicas) {
      throw unavailable(
        `The Redis master has ${connectedReplicas} replicas connected, fewer than the ${minReplicas} required`,
        new Error("too few replicas"),
        "writes cannot be confirmed",
      );
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
        await write("The checkpoint could not be saved", (target) =>
          target.cellCheckpoint(keys.counter, keys.checkpoint, before, after),
        ),
      );
    },
    restore: async () => {
      const what = "The checkpoint could not be restored";
      // A checkpoint saved between the read and the write makes the write refuse: read again.
      for (;;) {
        const text = await call(what, () => client.getBuffer(keys.checkpoint)).catch((error: unknown) => {
          if (error instanceof CounterError && /WRONGTYPE/.test(String(error.cause))) {
            throw checkpointCorrupt(`Redis key "${keys.checkpoint}" holds a value of another type`);
          }
          throw error;
        });
        if (text === null) throw checkpointNotFound();
        const value = parseCheckpoint(text);
        const outcome = await write(what, (target) =>
          target.cellRestore(keys.counter, keys.checkpoint, keys.restores, text, String(value)),
        );
        if (outcome[0] === "ok") return value;
      }
    },
    ready: async () => {
      counterOf(await call("Redis does not answer", () => scripts.cellRead(keys.counter)));
      await checkRole();
    },
    // QUIT to a node that is gone would wait for its answer: within the timeout, then the sockets go.
    close: async () => {
      const quit = client.quit().catch(() => undefined);
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      client.disconnect();
    },
  };
}

function isOverflow(error: unknown): boolean {
  return error instanceof CounterError && error.code === "COUNTER_OVERFLOW";
}

function unavailable(what: string, cause: unknown, state = "Redis is unavailable; nothing was changed"): CounterError {
  return new CounterError("STORAGE_UNAVAILABLE", `${what}: ${state}.`, { cause });
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
  if (error instanceof Error && /isn't writeable|None of startup nodes is available/.test(error.message)) {
    return unavailable(what, error);
  }
  const when = /timed out/i.test(String(error))
    ? `Redis did not answer within ${timeoutMs} ms`
    : "the connection to Redis was lost";
  return new CounterError(
    "STORAGE_TIMEOUT",
    `${what}: ${when}, after the command was sent; it may have been applied.`,
    { cause: error },
  );
}
