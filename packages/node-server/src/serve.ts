import { createServer, type RequestListener, type Server, ServerResponse } from "node:http";
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

const closing = Symbol("closing");

type ClosableServer = Server & { [closing]?: boolean };

export function createTimedServer(listener: RequestListener): Server {
  const server: ClosableServer = createServer(
    {
      headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
      requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
      keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1_000,
      // Answers written while the server shuts down tell keep-alive clients to go elsewhere.
      ServerResponse: class extends ServerResponse {
        // biome-ignore lint/suspicious/noExplicitAny: writeHead's overloads, passed through as they are
        override writeHead(...args: any[]): this {
          if (server[closing]) this.setHeader("connection", "close");
          return (super.writeHead as (...args: unknown[]) => this)(...args);
        }
      },
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
  const shutdown = (signal: NodeJS.Signals) => {
    if ((server as ClosableServer)[closing]) return;
    (server as ClosableServer)[closing] = true;
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
