import { type DestinationStream, multistream, pino } from "pino";

export type Fields = Record<string, unknown>;

/** Where an entry writes what happens: one structured line per event. */
export interface Log {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogOptions {
  level: LogLevel;
  /** `undefined`: readable on a terminal, JSON otherwise. */
  format: LogFormat | undefined;
  /** Fields added to every line at the moment it is written (the Lambda function's request id). */
  context?: () => Fields | undefined;
}

/**
 * pino: JSON lines (or a readable form), information on stdout, warnings and errors on stderr.
 * Secrets never reach it: URLs are redacted before they are logged, the token is never passed.
 */
export function createLog(options: LogOptions): Log {
  const pretty = options.format === "pretty" || (options.format === undefined && process.stdout.isTTY === true);
  const out = (stream: NodeJS.WriteStream): DestinationStream => (pretty ? readable(stream) : stream);
  const logger = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(options.context && { mixin: () => options.context?.() ?? {} }),
    },
    multistream(
      [
        { level: "trace", stream: out(process.stdout) },
        { level: "warn", stream: out(process.stderr) },
      ],
      { dedupe: true },
    ),
  );
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/** `HH:MM:SS.mmm LEVEL message key=value…`, for a person at a terminal. */
function readable(stream: NodeJS.WriteStream): DestinationStream {
  return {
    write(line: string) {
      const { time, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const details = Object.entries(fields).map(
        ([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
      );
      stream.write(
        `${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${msg}${details.length ? `  ${details.join(" ")}` : ""}\n`,
      );
    },
  };
}
