import type { RequestListener } from "node:http";
import { type Service, VERSION } from "@cell-counter/core";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { readCommandLine } from "./cli.js";
import { createServiceFromConfig, prepare, where } from "./compose.js";
import { type Config, ConfigError, readConfig, readConfigOrSay } from "./config.js";
import { createLog, type Log } from "./log.js";
import { createTimedServer, listen, nodeHost } from "./serve.js";
import { shutdownOnSignals } from "./serving/shutdown.js";

export interface StartOptions {
  /** The command's name, for `--help` and `--version`. */
  command: string;
  /** Name of the adapter, for the log line and the build-info metric. */
  adapter: string;
  /** Turns the service into the adapter's `node:http` request listener. */
  toListener(service: Service): RequestListener;
  args?: string[];
  env?: Record<string, string | undefined>;
}

/** What every entry runs before serving: the configuration, the log, the service with Prometheus metrics, prepared. */
export async function prepareEntry(
  adapter: string,
  env: Record<string, string | undefined>,
): Promise<{ config: Config; log: Log; service: Service }> {
  let config: Config;
  try {
    config = readConfigOrSay(env);
  } catch (error) {
    if (error instanceof ConfigError) process.exit(1);
    throw error;
  }
  const log = createLog(config.log);
  const metrics = createPrometheusMetrics({ environment: config.environment, adapter, version: VERSION });
  if (metrics.processMetricsSkipped) log.warn(`process metrics left out: ${metrics.processMetricsSkipped}`);
  const service = await createServiceFromConfig(config, metrics, log);
  await prepare(service, config, log);
  return { config, log, service };
}

/** `--healthcheck`: 0 when the service on this machine's loopback at `PORT` answers `/healthz` 200 within 3 s, 1 otherwise. */
async function healthcheck(env: Record<string, string | undefined>): Promise<number> {
  try {
    const { port } = readConfig(env);
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return answer.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

/** The one line an entry logs once it listens. */
export function announce(log: Log, url: string, adapter: string, config: Config): void {
  log.info(
    `cell-counter listening on ${url} (adapter ${adapter}, storage ${config.storage}, environment ${config.environment})`,
    { url, adapter, storage: config.storage, environment: config.environment, version: VERSION },
  );
}

/**
 * A command: reads the command line and the environment, builds the service, listens, logs one
 * line and shuts down gracefully. A bad variable stops the start with one line and exit code 1; a
 * bad flag with the usage and exit code 2.
 */
export async function start(options: StartOptions): Promise<void> {
  const invocation = await readCommandLine(
    options.command,
    options.args ?? process.argv.slice(2),
    options.env ?? process.env,
  );
  if ("print" in invocation) {
    process[invocation.to].write(invocation.print);
    process.exit(invocation.exitCode);
  }
  if (invocation.healthcheck) process.exit(await healthcheck(invocation.env));
  const { config, log, service } = await prepareEntry(options.adapter, invocation.env);
  const server = createTimedServer(options.toListener(service), service);
  // Before the listening line: a signal sent as soon as it is read finds the shutdown in place.
  shutdownOnSignals(nodeHost(server), service, log);
  try {
    const address = await listen(server, config.port, config.host);
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    announce(log, `http://${host}:${address.port}`, options.adapter, config);
  } catch (error) {
    log.error(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, where(config));
    process.exit(1);
  }
}
