import { parseArgs } from "node:util";
import { VERSION } from "@cell-counter/core";
import { SETTINGS, type Setting } from "./settings.js";

type Env = Record<string, string | undefined>;

/** The settings a command's flag sets; a flag wins over the environment. */
const FLAGGED = (SETTINGS as readonly Setting[]).filter(
  (row): row is Setting & { flag: string } => row.flag !== undefined,
);

/**
 * What the command line asks for: the environment to run with, text to print and an exit code, or a
 * check of the service already running with that environment (`--healthcheck`).
 */
export type Invocation =
  | { env: Env; healthcheck?: true }
  | { print: string; to: "stdout" | "stderr"; exitCode: number };

/** Reads the command line (`node:util`'s `parseArgs`): `--help`, `--version`, and a flag per flagged setting. */
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
  for (const { flag, variable } of FLAGGED) {
    const value = parsed[flag];
    if (typeof value === "string") overrides[variable] = value;
  }
  return { env: { ...env, ...overrides }, ...(parsed.healthcheck === true && { healthcheck: true as const }) };
}

function parse(args: string[]) {
  // A switch alone means true (`--restore-on-start`); it also takes a value (`--restore-on-start=false`).
  const switches = new Set(FLAGGED.filter((row) => row.switch).map((row) => `--${row.flag}`));
  const { values } = parseArgs({
    args: args.map((arg) => (switches.has(arg) ? `${arg}=true` : arg)),
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      healthcheck: { type: "boolean" },
      ...Object.fromEntries(
        FLAGGED.map(({ flag, short }) => [flag, { type: "string" as const, ...(short && { short }) }]),
      ),
    },
  });
  return values as Record<string, string | boolean | undefined>;
}

async function usage(command: string): Promise<string> {
  // Only here, never at start: the Redis client's package is loaded to show its defaults.
  const { REDIS_STORAGE_DEFAULTS } = await import("@cell-counter/storage-redis");
  const rows = (SETTINGS as readonly Setting[])
    .filter((row) => !row.lambdaOnly)
    .map((row) => {
      const fallback = row.redisDefault ? String(REDIS_STORAGE_DEFAULTS[row.redisDefault]) : row.default;
      const value = row.switch ? "[=true|false]" : "=VALUE";
      const flag = row.flag ? `--${row.flag}${value}${row.short ? `, -${row.short} VALUE` : ""}` : "";
      return `  ${row.variable.padEnd(24)}${(fallback ?? row.unset ?? "(none)").padEnd(28)}${flag}`.trimEnd();
    });
  return `Usage: ${command} [options]

Serves the cell-counter API (GET /, POST /checkpoint, POST /restore, /metrics, /healthz, /readyz).
Configured by environment variables; a flag wins over its variable. What each accepts: the README's
configuration table.

  variable                default                     flag
${rows.join("\n")}

  --help, -h              print this and exit
  --version, -v           print the version and exit
  --healthcheck           ask GET /healthz of the service running on this machine at PORT, exit 0 if
                          it answers 200, 1 otherwise (a probe's command: the image has no curl)
`;
}
