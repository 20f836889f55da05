/** What the start entries read from the environment (see the configuration table of the README). */
export interface Config {
  port: number;
  host: string;
  environment: string;
  checkpointPath: string;
  storage: StorageKind;
  restoreOnStart: boolean;
  apiToken: string | undefined;
  /** With `storage: "redis"`. */
  redis: { url: string; keyPrefix: string; timeoutMs: number } | undefined;
}

export const STORAGE_KINDS = ["file", "memory", "redis"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

export const DEFAULTS = {
  PORT: "8080",
  HOST: "0.0.0.0",
  ENVIRONMENT: "dev",
  CHECKPOINT_PATH: "./data/checkpoint.json",
  STORAGE: "file",
  RESTORE_ON_START: "false",
  REDIS_KEY_PREFIX: "cell-counter:",
  REDIS_TIMEOUT_MS: "1000",
} as const;

/** A variable with a value it does not accept; `message` is the one line printed at start. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

const BOOLEANS: Record<string, boolean> = { true: true, "1": true, yes: true, false: false, "0": false, no: false };

/** Reads and validates the configuration; throws `ConfigError` naming the first bad variable. */
export function readConfig(env: Env): Config {
  const value = (name: keyof typeof DEFAULTS) => {
    const given = env[name];
    return given === undefined || given === "" ? DEFAULTS[name] : given;
  };

  const port = value("PORT");
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw invalid("PORT", port, "an integer from 0 to 65535");
  }
  const storage = value("STORAGE");
  if (!(STORAGE_KINDS as readonly string[]).includes(storage)) {
    throw invalid("STORAGE", storage, STORAGE_KINDS.map((kind) => `"${kind}"`).join(" or "));
  }
  const restore = value("RESTORE_ON_START").toLowerCase();
  if (!(restore in BOOLEANS)) {
    throw invalid("RESTORE_ON_START", restore, '"true" or "false" (also "1"/"0", "yes"/"no")');
  }
  const host = value("HOST");
  if (/\s/.test(host)) throw invalid("HOST", host, "an address or host name to listen on");
  const environment = value("ENVIRONMENT");
  if (/[\n\r]/.test(environment) || environment.length > 128) {
    throw invalid("ENVIRONMENT", environment, "one line of at most 128 characters");
  }

  let redis: Config["redis"];
  if (storage === "redis") {
    const url = env.REDIS_URL ?? "";
    if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
      throw invalid("REDIS_URL", url, "a redis:// or rediss:// URL when STORAGE=redis");
    }
    const timeout = value("REDIS_TIMEOUT_MS");
    if (!/^\d{1,6}$/.test(timeout) || Number(timeout) < 10) {
      throw invalid("REDIS_TIMEOUT_MS", timeout, "a number of milliseconds from 10 to 999999");
    }
    redis = { url, keyPrefix: value("REDIS_KEY_PREFIX"), timeoutMs: Number(timeout) };
  }

  return {
    port: Number(port),
    host,
    environment,
    checkpointPath: value("CHECKPOINT_PATH"),
    storage: storage as StorageKind,
    restoreOnStart: BOOLEANS[restore] === true,
    apiToken: env.API_TOKEN || undefined,
    redis,
  };
}

function invalid(name: string, given: string, accepted: string): ConfigError {
  return new ConfigError(`${name}=${JSON.stringify(given)} is not valid: ${name} accepts ${accepted}.`);
}
