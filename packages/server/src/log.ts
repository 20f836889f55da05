export type Fields = Record<string, unknown>;

/** Where an entry writes what happens: one line per event. */
export interface Log {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

/** Lines on the console: information on stdout, warnings and errors on stderr. */
export function createConsoleLog(): Log {
  const line = (prefix: string, message: string, fields: Fields = {}) => {
    const details = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${value instanceof Error ? (value.stack ?? value.message) : String(value)}`);
    return `cell-counter: ${prefix}${message}${details.length ? ` (${details.join(", ")})` : ""}`;
  };
  return {
    info: (message, fields) => console.log(line("", message, fields)),
    warn: (message, fields) => console.error(line("warning: ", message, fields)),
    error: (message, fields) => console.error(line("error: ", message, fields)),
  };
}
