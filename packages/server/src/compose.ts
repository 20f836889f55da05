import {
  type CounterError,
  type CounterStorage,
  createService,
  isCounterError,
  type Metrics,
  type Service,
} from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createFileStorage } from "@cell-counter/storage-file";
import type { RedisNode, RedisTopology } from "@cell-counter/storage-redis";
import { type Config, redactUrl } from "./config.js";
import type { Log } from "./log.js";

/** The configured storage. The Redis client and the AWS SDK are loaded only when they are asked for. */
export async function createStorage(config: Config, metrics: Metrics, log: Log): Promise<CounterStorage> {
  if (config.dynamodb) {
    const { createDynamoDbStorage } = await import("@cell-counter/storage-dynamodb");
    return createDynamoDbStorage({ table: config.dynamodb.table });
  }
  if (config.redis) {
    const { createRedisStorage } = await import("@cell-counter/storage-redis");
    const { topology, keyPrefix, timeoutMs, minReplicas } = config.redis;
    return createRedisStorage({
      ...topology,
      ...(keyPrefix !== undefined && { keyPrefix }),
      ...(timeoutMs !== undefined && { timeoutMs }),
      ...(minReplicas !== undefined && { minReplicas }),
      onRollback: ({ answered, found }) => {
        log.error(
          `the Redis counter went back from ${answered} to ${found} (a failover lost acknowledged increments); moved it back to ${answered} so that no value is answered twice`,
          { code: "COUNTER_ROLLED_BACK", answered: String(answered), found: String(found), ...where(config) },
        );
        metrics.rolledBack?.();
      },
    });
  }
  return config.storage === "memory" ? createMemoryStorage() : createFileStorage({ path: config.checkpointPath });
}

/** The service an entry runs: the configured storage and token, the entry's metrics, logged failures. */
export async function createServiceFromConfig(config: Config, metrics: Metrics, log: Log): Promise<Service> {
  return createService({
    storage: await createStorage(config, metrics, log),
    metrics,
    apiToken: config.apiToken,
    onError: (error) => log.error("unexpected error", { err: error }),
    onFailure: onceAMinute((error: CounterError) =>
      log.warn(`operation failed: ${error.message}`, { code: error.code, ...where(config) }),
    ),
  });
}

/** Where the storage keeps its data, as log fields; never a password. */
export function where(config: Config): Record<string, string> {
  if (config.redis) return redisWhere(config.redis.topology);
  if (config.dynamodb) return { table: config.dynamodb.table };
  return config.storage === "file" ? { path: config.checkpointPath } : {};
}

/**
 * What runs before serving: the storage's readiness (a warning, not a stop: `/readyz` answers 503
 * until it is ready) and, with `RESTORE_ON_START`, a restore through the service, counted in its metrics.
 */
export async function prepare(service: Service, config: Config, log: Log): Promise<void> {
  try {
    await service.storage.ready();
  } catch (error) {
    log.warn(`storage not ready: ${describe(error)} /readyz answers 503 until it is.`, where(config));
  }
  if (!config.restoreOnStart) return;
  try {
    const value = await service.perform("restore");
    log.info(`restored the checkpoint: counter = ${value}`, where(config));
  } catch (error) {
    if (isCounterError(error) && error.code === "CHECKPOINT_NOT_FOUND") {
      log.info("no checkpoint to restore; starting from 0", where(config));
    } else {
      log.warn(
        `checkpoint not restored: ${describe(error)} Starting from 0; the checkpoint is left as it is.`,
        where(config),
      );
    }
  }
}

function redisWhere(topology: RedisTopology): Record<string, string> {
  if ("url" in topology) return { url: redactUrl(topology.url) };
  const nodes = (list: readonly RedisNode[]) => list.map(({ host, port }) => `${host}:${port}`).join(",");
  if ("sentinels" in topology) return { sentinels: nodes(topology.sentinels), master: topology.master };
  return { clusterNodes: nodes(topology.clusterNodes) };
}

/** Logs a failure once a minute per distinct code and message, however many requests meet it. */
function onceAMinute(report: (error: CounterError) => void): (error: CounterError) => void {
  const last = new Map<string, number>();
  return (error) => {
    const key = `${error.code} ${error.message}`;
    const now = Date.now();
    if (now - (last.get(key) ?? Number.NEGATIVE_INFINITY) < 60_000) return;
    last.set(key, now);
    report(error);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
