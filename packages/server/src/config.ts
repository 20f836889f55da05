import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type LogOptions } from "./log.js";

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
  redis: { url: string; keyPrefix: string | undefined; timeoutMs: number | undefined } | undefined;
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

export const DEFAULTS = {
  PORT: "8080",
  HOST: "0.0.0.0",
  ENVIRONMENT: "dev",
  CHECKPOINT_PATH: "./data/checkpoint.json",
  STORAGE: "file",
  RESTORE_ON_START: "false",
  LOG_LEVEL: "info",
} as const;

/** What the Lambda function uses instead: execution environments share nothing but a remote store. */
export const LAMBDA_DEFAULTS = {
  STORAGE: "redis",
  POWERTOOLS_METRICS_NAMESPACE: "cell-counter",
  POWERTOOLS_SERVICE_NAME: "cell-counter",
} as const;

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
  const given = (name: string) => (env[name] === "" ? undefined : env[name]);
  const value = (name: string) => given(name) ?? (defaults[name] as string);

  const port = value("PORT");
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw invalid("PORT", port, "an integer from 0 to 65535");
  }
  const kinds = target === "lambda" ? LAMBDA_STORAGE_KINDS : STORAGE_KINDS;
  const storage = value("STORAGE");
  if (!(kinds as readonly string[]).includes(storage)) {
    const where = target === "lambda" ? " in the Lambda function" : "";
    throw invalid("STORAGE", storage, `${kinds.map((kind) => `"${kind}"`).join(" or ")}${where}`);
  }
  const restore = value("RESTORE_ON_START").toLowerCase();
  if (!(restore in BOOLEANS)) {
    throw invalid("RESTORE_ON_START", restore, '"true" or "false" (also "1"/"0", "yes"/"no")');
  }
  const host = value("HOST");
  if (/\s/.test(host)) throw invalid("HOST", host, "an address or host name to listen on");
  const environment = oneLine("ENVIRONMENT", value("ENVIRONMENT"));
  const level = value("LOG_LEVEL");
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw invalid("LOG_LEVEL", level, LOG_LEVELS.join(", "));
  const format = given("LOG_FORMAT");
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw invalid("LOG_FORMAT", format, '"json" or "pretty"');
  }

  let redis: Config["redis"];
  if (storage === "redis") {
    const url = env.REDIS_URL ?? "";
    if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
      throw invalid("REDIS_URL", redactUrl(url), "a redis:// or rediss:// URL when STORAGE=redis");
    }
    const timeout = given("REDIS_TIMEOUT_MS");
    if (timeout !== undefined && (!/^\d{1,6}$/.test(timeout) || Number(timeout) < 10)) {
      throw invalid("REDIS_TIMEOUT_MS", timeout, "a number of milliseconds from 10 to 999999");
    }
    const prefix = given("REDIS_KEY_PREFIX");
    redis = {
      url,
      keyPrefix: prefix === undefined ? undefined : oneLine("REDIS_KEY_PREFIX", prefix),
      timeoutMs: timeout === undefined ? undefined : Number(timeout),
    };
  }

  let dynamodb: Config["dynamodb"];
  if (storage === "dynamodb") {
    const table = env.DYNAMODB_TABLE ?? "";
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(table)) {
      throw invalid("DYNAMODB_TABLE", table, "a table name (3 to 255 letters, digits, _ . -) when STORAGE=dynamodb");
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

/** A URL without its password, for logs and messages: `redis://user:***@host`, `redis://:***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

function oneLine(name: string, text: string): string {
  if (/[\n\r]/.test(text) || text.length > 128) throw invalid(name, text, "one line of at most 128 characters");
  return text;
}

function invalid(name: string, given: string, accepted: string): ConfigError {
  return new ConfigError(`${name}=${JSON.stringify(given)} is not valid: ${name} accepts ${accepted}.`);
}
