import type { RedisAuth, RedisNode, RedisTopology } from "@cell-counter/storage-redis";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type LogOptions } from "./log.js";
import { SETTINGS, type Setting, setting, type Variable } from "./settings.js";

/**
 * The configuration of every entry — the `cell-counter` and `cell-counter-h3` commands and the
 * Lambda function — read and validated here and nowhere else (see the README's configuration table).
 */
export interface Config {
  port: number;
  host: string;
  environment: string;
  checkpointPath: string;
  storage: StorageKind;
  restoreOnStart: boolean;
  apiToken: string | undefined;
  /** With `storage: "redis"`; unset options take the storage's own defaults. */
  redis:
    | {
        topology: RedisTopology;
        keyPrefix: string | undefined;
        timeoutMs: number | undefined;
        minReplicas: number | undefined;
      }
    | undefined;
  log: LogOptions;
  /** With `storage: "dynamodb"`; region, credentials and endpoint come from the AWS SDK's own variables. */
  dynamodb: { table: string } | undefined;
  /** In the Lambda function: the CloudWatch namespace and `service` dimension of its metrics. */
  powertools: { namespace: string; serviceName: string } | undefined;
}

export const STORAGE_KINDS = ["file", "memory", "redis", "dynamodb"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** Where the configuration is read: a command on a host, or the Lambda function. */
export type Target = "command" | "lambda";

/** The commands' defaults, from the settings' table. */
export const DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  SETTINGS.flatMap((row: Setting) => (row.default === undefined ? [] : [[row.variable, row.default]])),
);

/** What the Lambda function uses instead: execution environments share nothing but a remote store. */
export const LAMBDA_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  SETTINGS.flatMap((row: Setting) => (row.lambdaDefault === undefined ? [] : [[row.variable, row.lambdaDefault]])),
);

const LAMBDA_STORAGE_KINDS: readonly StorageKind[] = ["redis", "dynamodb"];

/** A variable with a value it does not accept; `message` is the one line printed at start. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

const BOOLEANS: Record<string, boolean> = { true: true, "1": true, yes: true, false: false, "0": false, no: false };

/** Reads and validates the configuration; throws `ConfigError` naming the first bad variable. */
export function readConfig(env: Env, target: Target = "command"): Config {
  const defaults: Record<string, string> = target === "lambda" ? { ...DEFAULTS, ...LAMBDA_DEFAULTS } : DEFAULTS;
  const given = (name: Variable) => (env[name] === "" ? undefined : env[name]);
  const value = (name: Variable) => given(name) ?? (defaults[name] as string);

  const port = value("PORT");
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw invalid("PORT", port);
  }
  const kinds = target === "lambda" ? LAMBDA_STORAGE_KINDS : STORAGE_KINDS;
  const storage = value("STORAGE");
  if (!(kinds as readonly string[]).includes(storage)) {
    const where = target === "lambda" ? " in the Lambda function" : "";
    throw invalid("STORAGE", storage, `${kinds.map((kind) => `"${kind}"`).join(" or ")}${where}`);
  }
  const restore = value("RESTORE_ON_START").toLowerCase();
  if (!(restore in BOOLEANS)) {
    throw invalid("RESTORE_ON_START", restore);
  }
  const host = value("HOST");
  if (/\s/.test(host)) throw invalid("HOST", host);
  const environment = oneLine("ENVIRONMENT", value("ENVIRONMENT"));
  const level = value("LOG_LEVEL");
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw invalid("LOG_LEVEL", level);
  const format = given("LOG_FORMAT");
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw invalid("LOG_FORMAT", format);
  }

  let redis: Config["redis"];
  if (storage === "redis") {
    const timeout = given("REDIS_TIMEOUT_MS");
    if (timeout !== undefined && (!/^\d{1,6}$/.test(timeout) || Number(timeout) < 10)) {
      throw invalid("REDIS_TIMEOUT_MS", timeout);
    }
    const replicas = given("REDIS_MIN_REPLICAS");
    if (replicas !== undefined && !/^\d{1,2}$/.test(replicas)) {
      throw invalid("REDIS_MIN_REPLICAS", replicas);
    }
    const prefix = given("REDIS_KEY_PREFIX");
    redis = {
      topology: redisTopology(env),
      keyPrefix: prefix === undefined ? undefined : oneLine("REDIS_KEY_PREFIX", prefix),
      timeoutMs: timeout === undefined ? undefined : Number(timeout),
      minReplicas: replicas === undefined ? undefined : Number(replicas),
    };
  }

  let dynamodb: Config["dynamodb"];
  if (storage === "dynamodb") {
    const table = env.DYNAMODB_TABLE ?? "";
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(table)) {
      throw invalid("DYNAMODB_TABLE", table);
    }
    dynamodb = { table };
  }

  return {
    port: Number(port),
    host,
    environment,
    checkpointPath: value("CHECKPOINT_PATH"),
    storage: storage as StorageKind,
    restoreOnStart: BOOLEANS[restore] === true,
    apiToken: given("API_TOKEN"),
    redis,
    dynamodb,
    log: { level: level as LogLevel, format: format as LogFormat | undefined },
    powertools:
      target === "lambda"
        ? {
            namespace: oneLine("POWERTOOLS_METRICS_NAMESPACE", value("POWERTOOLS_METRICS_NAMESPACE")),
            serviceName: oneLine("POWERTOOLS_SERVICE_NAME", value("POWERTOOLS_SERVICE_NAME")),
          }
        : undefined,
  };
}

/** The variables that say where Redis is: exactly one of them with `STORAGE=redis`. */
export const REDIS_TOPOLOGY_VARIABLES = ["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"] as const;

/**
 * One Redis server, a master behind Sentinel, or a Cluster, from the one variable that is set;
 * `REDIS_PASSWORD` (from a Secret, say) for an address that carries no password.
 */
function redisTopology(env: Env): RedisTopology {
  const set = REDIS_TOPOLOGY_VARIABLES.filter((name) => (env[name] ?? "") !== "");
  if (set.length > 1) {
    throw new ConfigError(`${set.join(" and ")} are both set: STORAGE=redis takes exactly one of them.`);
  }
  const password = env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {};
  const sentinels = env.REDIS_SENTINELS ?? "";
  if (sentinels !== "") {
    const master = env.REDIS_SENTINEL_MASTER ?? "";
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(master)) {
      throw invalid("REDIS_SENTINEL_MASTER", master);
    }
    const { nodes, ...auth } = redisNodes("REDIS_SENTINELS", sentinels);
    return { sentinels: nodes, master, ...password, ...auth };
  }
  const cluster = env.REDIS_CLUSTER_NODES ?? "";
  if (cluster !== "") {
    const { nodes, ...auth } = redisNodes("REDIS_CLUSTER_NODES", cluster);
    return { clusterNodes: nodes, ...password, ...auth };
  }
  const url = env.REDIS_URL ?? "";
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw invalid("REDIS_URL", redactUrl(url));
  }
  return { url, ...password };
}

/**
 * `host:port,host:port`, optionally in a URL's clothes for credentials and TLS, as `REDIS_URL` has
 * them: `rediss://user:password@host:port,host:port`.
 */
function redisNodes(name: "REDIS_SENTINELS" | "REDIS_CLUSTER_NODES", text: string): RedisAuth & { nodes: RedisNode[] } {
  const parts = /^(?:(rediss?):\/\/(?:([^:@/\s]*)(?::([^@/\s]*))?@)?)?([^@/\s]+)\/?$/.exec(text);
  const nodes = parts?.[4]?.split(",").map((node) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(node));
  if (!parts || !nodes || nodes.some((node) => node === null || Number(node[2]) > 65535 || Number(node[2]) === 0)) {
    throw invalid(name, redactUrl(text));
  }
  const [, scheme, username, password] = parts;
  return {
    nodes: nodes.map((node) => {
      const [, host, port] = node as RegExpExecArray;
      return { host: (host as string).replace(/^\[|\]$/g, ""), port: Number(port) };
    }),
    ...(username && { username: decodeURIComponent(username) }),
    ...(password !== undefined && { password: decodeURIComponent(password) }),
    ...(scheme === "rediss" && { tls: true }),
  };
}

/**
 * `readConfig` for an entry: an invalid value is printed on stderr as the one line that names it
 * (`cell-counter: PORT="abc" is not valid: …`) and thrown again with that line as its message.
 */
export function readConfigOrSay(env: Env, target: Target = "command"): Config {
  try {
    return readConfig(env, target);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const line = `cell-counter: ${error.message}`;
    console.error(line);
    throw new ConfigError(line);
  }
}

/** A URL without its password, for logs and messages: `redis://user:***@host`, `redis://:***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

function oneLine(name: Variable, text: string): string {
  if (/[\n\r]/.test(text) || text.length > 128) throw invalid(name, text);
  return text;
}

/** The one line that refuses a value: what the variable accepts comes from the settings' table. */
function invalid(name: Variable, given: string, accepted = setting(name).accepts): ConfigError {
  return new ConfigError(`${name}=${JSON.stringify(given)} is not valid: ${name} accepts ${accepted}.`);
}
