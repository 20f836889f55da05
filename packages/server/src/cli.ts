import { parseArgs } from "node:util";
import { VERSION } from "@cell-counter/core";
import { DEFAULTS } from "./config.js";

/** Each flag and the variable it sets; a flag wins over the environment. */
const FLAGS = {
  port: "PORT",
  host: "HOST",
  environment: "ENVIRONMENT",
  storage: "STORAGE",
  "checkpoint-path": "CHECKPOINT_PATH",
  "restore-on-start": "RESTORE_ON_START",
  "redis-url": "REDIS_URL",
  "log-level": "LOG_LEVEL",
  "log-format": "LOG_FORMAT",
} as const;

type Env = Record<string, string | undefined>;

/** What the command line asks for: the environment to run with, or text to print and an exit code. */
export type Invocation = { env: Env } | { print: string; to: "stdout" | "stderr"; exitCode: number };

/** Reads the command line (`node:util`'s `parseArgs`): `--help`, `--version`, and the flags above. */
export async function readCommandLine(command: string, args: string[], env: Env): Promise<Invocation> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return { print: `${command}: ${(error as Error).message}\n\n${await usage(command)}`, to: "stderr", exitCode: 2 };
  }
  if (parsed.help) return { print: await usage(command), to: "stdout", exitCode: 0 };
  if (parsed.version) return { print: `${command} ${VERSION}\n`, to: "stdout", exitCode: 0 };
  const overrides: Env = {};
  for (const [flag, variable] of Object.entries(FLAGS)) {
    const value = parsed[flag as keyof typeof FLAGS];
    if (value !== undefined) overrides[variable] = String(value);
  }
  return { env: { ...env, ...overrides } };
}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      environment: { type: "string" },
      storage: { type: "string" },
      "checkpoint-path": { type: "string" },
      "restore-on-start": { type: "boolean" },
      "redis-url": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
    },
  });
  return values;
}

async function usage(command: string): Promise<string> {
  // Only here, never at start: the Redis client's package is loaded to show its defaults.
  const { REDIS_STORAGE_DEFAULTS } = await import("@cell-counter/storage-redis");
  const rows: [string, string, string][] = [
    ["PORT", DEFAULTS.PORT, "--port, -p"],
    ["HOST", DEFAULTS.HOST, "--host"],
    ["ENVIRONMENT", DEFAULTS.ENVIRONMENT, "--environment"],
    ["STORAGE", `${DEFAULTS.STORAGE} (file, memory, redis, dynamodb)`, "--storage"],
    ["CHECKPOINT_PATH", DEFAULTS.CHECKPOINT_PATH, "--checkpoint-path"],
    ["RESTORE_ON_START", DEFAULTS.RESTORE_ON_START, "--restore-on-start"],
    ["REDIS_URL", "(none; one server)", "--redis-url"],
    ["REDIS_SENTINELS", "(none; host:port,… of sentinels)", ""],
    ["REDIS_SENTINEL_MASTER", "(none; with REDIS_SENTINELS)", ""],
    ["REDIS_CLUSTER_NODES", "(none; host:port,… of a Cluster)", ""],
    ["REDIS_MIN_REPLICAS", String(REDIS_STORAGE_DEFAULTS.minReplicas), ""],
    ["REDIS_KEY_PREFIX", REDIS_STORAGE_DEFAULTS.keyPrefix, ""],
    ["REDIS_TIMEOUT_MS", String(REDIS_STORAGE_DEFAULTS.timeoutMs), ""],
    ["DYNAMODB_TABLE", "(none; required with STORAGE=dynamodb)", ""],
    ["API_TOKEN", "(none)", ""],
    ["LOG_LEVEL", DEFAULTS.LOG_LEVEL, "--log-level"],
    ["LOG_FORMAT", "json (pretty on a terminal)", "--log-format"],
  ];
  const lines = rows.map(([name, value, flag]) => `  ${name.padEnd(24)}${value.padEnd(40)}${flag}`);
  return `Usage: ${command} [options]

Serves the cell-counter API (GET /, POST /checkpoint, POST /restore, /metrics, /healthz, /readyz).
Configured by environment variables; a flag wins over its variable.

  variable                default                                 flag
${lines.join("\n")}

  --help, -h              print this and exit
  --version, -v           print the version and exit
`;
}
