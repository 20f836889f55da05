import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Service } from "@cell-counter/core";
import type { Log } from "./compose.js";

/** Timeouts that keep slow or half-open clients from holding the server. */
export const SERVER_TIMEOUTS = {
  /** Time to receive a request's headers. */
  headersTimeoutMs: 10_000,
  /** Time to receive a whole request. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** A socket with no activity at all is closed after this. */
  socketTimeoutMs: 60_000,
} as const;

/** After SIGTERM or SIGINT, in-flight requests have this long before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 8_000;

export function createTimedServer(listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
      requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
      keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    listener,
  );
  server.setTimeout(SERVER_TIMEOUTS.socketTimeoutMs);
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests finish (their responses say
 * `connection: close`), cut what is left after the grace period, close the storage, exit 0.
 */
export function closeOnSignals(server: Server, service: Service, log: Log): void {
  let closing = false;
  const unanswered = new Set<ServerResponse>();
  server.prependListener("request", (_request, response) => {
    if (closing) {
      response.setHeader("connection", "close");
      return;
    }
    unanswered.add(response);
    response.once("close", () => unanswered.delete(response));
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    for (const response of unanswered) if (!response.headersSent) response.setHeader("connection", "close");
    log(`cell-counter: ${signal} received, finishing in-flight requests`);
    const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearTimeout(deadline);
      service.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log(`cell-counter: storage did not close cleanly: ${String(error)}`);
          process.exit(0);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
