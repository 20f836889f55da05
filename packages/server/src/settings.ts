import { LOG_FORMATS, LOG_LEVELS } from "./log.js";

/**
 * One variable of the configuration. The configuration's reader takes its default and the text of
 * its refusal from here, the command line its flag, `--help` its row; a test holds the README's
 * table to it.
 */
export interface Setting {
  readonly variable: string;
  /** The command-line flag that sets it (`--port`), and its one-letter form. */
  readonly flag?: string;
  readonly short?: string;
  /** A flag that stands alone for `true` (`--restore-on-start`), or takes `=false`. */
  readonly switch?: true;
  /** The default, as the variable would hold it; none when absent. */
  readonly default?: string;
  /** The Lambda function's own default. */
  readonly lambdaDefault?: string;
  /** A default that the Redis storage owns (`REDIS_STORAGE_DEFAULTS`), shown by `--help`. */
  readonly redisDefault?: "keyPrefix" | "timeoutMs" | "minReplicas";
  /** What `--help` says when the variable is unset and has no default. */
  readonly unset?: string;
  /** What it accepts: the end of the one line that refuses a value. */
  readonly accepts: string;
  /** Read by the Lambda function only. */
  readonly lambdaOnly?: true;
}

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(" or ");
const ONE_LINE = "one line of at most 128 characters";

export const SETTINGS = [
  { variable: "PORT", flag: "port", short: "p", default: "8080", accepts: "an integer from 0 to 65535" },
  { variable: "HOST", flag: "host", default: "0.0.0.0", accepts: "an address or host name to listen on" },
  { variable: "ENVIRONMENT", flag: "environment", default: "dev", accepts: ONE_LINE },
  { variable: "CHECKPOINT_PATH", flag: "checkpoint-path", default: "./data/checkpoint.json", accepts: "a file path" },
  {
    variable: "STORAGE",
    flag: "storage",
    default: "file",
    lambdaDefault: "redis",
    accepts: '"file" or "memory" or "redis" or "dynamodb"',
  },
  {
    variable: "REDIS_URL",
    flag: "redis-url",
    accepts: "a redis:// or rediss:// URL when STORAGE=redis (or set REDIS_SENTINELS or REDIS_CLUSTER_NODES instead)",
  },
  {
    variable: "REDIS_SENTINELS",
    accepts: "host:port,host:port,… optionally after redis:// or rediss:// with user:password@",
  },
  {
    variable: "REDIS_SENTINEL_MASTER",
    accepts: "the name the sentinels monitor the master by, with REDIS_SENTINELS",
  },
  {
    variable: "REDIS_CLUSTER_NODES",
    accepts: "host:port,host:port,… optionally after redis:// or rediss:// with user:password@",
  },
  { variable: "REDIS_PASSWORD", accepts: "the password of Redis and its sentinels" },
  { variable: "REDIS_MIN_REPLICAS", redisDefault: "minReplicas", accepts: "a number of replicas from 0 to 99" },
  { variable: "REDIS_KEY_PREFIX", redisDefault: "keyPrefix", accepts: ONE_LINE },
  { variable: "REDIS_TIMEOUT_MS", redisDefault: "timeoutMs", accepts: "a number of milliseconds from 10 to 999999" },
  {
    variable: "DYNAMODB_TABLE",
    accepts: "a table name (3 to 255 letters, digits, _ . -) when STORAGE=dynamodb",
  },
  {
    variable: "RESTORE_ON_START",
    flag: "restore-on-start",
    switch: true,
    default: "false",
    accepts: '"true" or "false" (also "1"/"0", "yes"/"no")',
  },
  { variable: "API_TOKEN", accepts: "a token of one line" },
  { variable: "LOG_LEVEL", flag: "log-level", default: "info", accepts: LOG_LEVELS.join(", ") },
  { variable: "LOG_FORMAT", flag: "log-format", unset: "json (pretty on a terminal)", accepts: quoted(LOG_FORMATS) },
  {
    variable: "POWERTOOLS_METRICS_NAMESPACE",
    lambdaDefault: "cell-counter",
    lambdaOnly: true,
    accepts: ONE_LINE,
  },
  { variable: "POWERTOOLS_SERVICE_NAME", lambdaDefault: "cell-counter", lambdaOnly: true, accepts: ONE_LINE },
] as const satisfies readonly Setting[];

export type Variable = (typeof SETTINGS)[number]["variable"];

/** The row of a variable. */
export function setting(variable: Variable): Setting {
  return SETTINGS.find((row) => row.variable === variable) as Setting;
}
