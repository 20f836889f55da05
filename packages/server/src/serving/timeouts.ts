import type { ServerOptions } from "node:http";

/** Timeouts that keep slow or half-open clients from holding the server. */
export const SERVER_TIMEOUTS = {
  /** Time to receive a request's headers. */
  headersTimeoutMs: 10_000,
  /** Time to receive a whole request. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** A connection that neither sends nor takes a byte for this long is closed. */
  socketTimeoutMs: 60_000,
} as const;

export type ServerTimeouts = { readonly [name in keyof typeof SERVER_TIMEOUTS]: number };

/**
 * The timeouts node enforces itself: the headers' and the whole request's, checked every second
 * (an expired one is answered 408 through `clientError`). Idle and stalled connections are the
 * connection sweep's: node's keep-alive timeout is off.
 */
export function nodeTimeoutOptions(timeouts: ServerTimeouts): ServerOptions {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: 0,
    connectionsCheckingInterval: 1_000,
  };
}
