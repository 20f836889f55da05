import type { RequestListener } from "node:http";
import type { Service } from "@cell-counter/core";
import { createServiceFromConfig, prepare } from "./compose.js";
import { ConfigError, readConfig } from "./config.js";
import { closeOnSignals, createTimedServer, listen } from "./serve.js";

export { createServiceFromConfig, type Log, prepare } from "./compose.js";
export { type Config, ConfigError, DEFAULTS, readConfig, STORAGE_KINDS, type StorageKind } from "./config.js";
export { closeOnSignals, createTimedServer, listen, SERVER_TIMEOUTS, SHUTDOWN_GRACE_MS } from "./serve.js";

export interface StartOptions {
  /** Name of the adapter, for the log line and the build-info metric. */
  adapter: string;
  /** Turns the service into the adapter's `node:http` request listener. */
  toListener(service: Service): RequestListener;
  env?: Record<string, string | undefined>;
}

/**
 * The start entry of an adapter: reads the environment, builds the service, listens, logs one
 * line and shuts down gracefully. A bad variable stops the start with one line and exit code 1.
 */
export async function start(options: StartOptions): Promise<void> {
  const log = (line: string) => console.log(line);
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cell-counter: ${error.message}`);
    process.exit(1);
  }
  const service = createServiceFromConfig(config, options.adapter, log);
  await prepare(service, config, log);
  const server = createTimedServer(options.toListener(service));
  try {
    const address = await listen(server, config.port, config.host);
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    log(
      `cell-counter listening on http://${host}:${address.port} (adapter ${options.adapter}, storage ${config.storage}, environment ${config.environment})`,
    );
  } catch (error) {
    console.error(`cell-counter: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    process.exit(1);
  }
  closeOnSignals(server, service, log);
}
