import type { RequestListener } from "node:http";
import { type Service, VERSION } from "@cell-counter/core";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createServiceFromConfig, prepare } from "./compose.js";
import { type Config, ConfigError, readConfig } from "./config.js";
import { createConsoleLog } from "./log.js";
import { closeOnSignals, createTimedServer, listen } from "./serve.js";

export interface StartOptions {
  /** Name of the adapter, for the log line and the build-info metric. */
  adapter: string;
  /** Turns the service into the adapter's `node:http` request listener. */
  toListener(service: Service): RequestListener;
  env?: Record<string, string | undefined>;
}

/**
 * A command: reads the environment, builds the service, listens, logs one line and shuts down
 * gracefully. A bad variable stops the start with one line and exit code 1.
 */
export async function start(options: StartOptions): Promise<void> {
  const log = createConsoleLog();
  let config: Config;
  try {
    config = readConfig(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cell-counter: ${error.message}`);
    process.exit(1);
  }
  const metrics = createPrometheusMetrics({
    environment: config.environment,
    adapter: options.adapter,
    version: VERSION,
  });
  const service = await createServiceFromConfig(config, metrics, log);
  await prepare(service, config, log);
  const server = createTimedServer(options.toListener(service), service);
  try {
    const address = await listen(server, config.port, config.host);
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    console.log(
      `cell-counter listening on http://${host}:${address.port} (adapter ${options.adapter}, storage ${config.storage}, environment ${config.environment})`,
    );
  } catch (error) {
    console.error(`cell-counter: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    process.exit(1);
  }
  closeOnSignals(server, service, log);
}
