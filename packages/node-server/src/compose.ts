import { type CounterStorage, createService, isCounterError, type Service, VERSION } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createFileStorage } from "@cell-counter/storage-file";
import { createRedisStorage } from "@cell-counter/storage-redis";
import type { Config } from "./config.js";

export type Log = (line: string) => void;

/** The service a start entry runs: the configured storage, Prometheus metrics, the token. */
export function createServiceFromConfig(config: Config, adapter: string, log: Log): Service {
  const storage: CounterStorage = config.redis
    ? createRedisStorage(config.redis)
    : config.storage === "memory"
      ? createMemoryStorage()
      : createFileStorage({ path: config.checkpointPath });
  return createService({
    storage,
    metrics: createPrometheusMetrics({ environment: config.environment, adapter, version: VERSION }),
    apiToken: config.apiToken,
    onError: (error) => log(`cell-counter: unexpected error: ${error instanceof Error ? error.stack : String(error)}`),
  });
}

/**
 * What runs before serving: the storage's readiness (a warning, not a stop: `/readyz` answers 503
 * until it is ready) and, with `RESTORE_ON_START`, the restore of the saved checkpoint.
 */
export async function prepare(service: Service, config: Config, log: Log): Promise<void> {
  const where =
    config.storage === "file"
      ? ` (${config.checkpointPath})`
      : config.redis
        ? ` (${redactedUrl(config.redis.url)})`
        : "";
  try {
    await service.storage.ready();
  } catch (error) {
    log(`cell-counter: warning: storage not ready${where}: ${describe(error)} /readyz answers 503 until it is.`);
  }
  if (!config.restoreOnStart) return;
  try {
    const value = await service.storage.restore();
    log(`cell-counter: restored the checkpoint${where}: counter = ${value}`);
  } catch (error) {
    if (isCounterError(error) && error.code === "CHECKPOINT_NOT_FOUND") {
      log(`cell-counter: no checkpoint to restore${where}; starting from 0`);
    } else {
      log(
        `cell-counter: warning: checkpoint not restored${where}: ${describe(error)} Starting from 0; the file is left as it is.`,
      );
    }
  }
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
