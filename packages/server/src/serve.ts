import { createServer, type RequestListener, type Server, ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { writeResponse } from "@cell-counter/adapter-node";
import type { CoreResponse, Service } from "@cell-counter/core";
import type { Log } from "./log.js";

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

/** What closing the storage may take after that, before the process exits anyway. */
const STORAGE_CLOSE_MS = 1_500;

const closing = Symbol("closing");

type ClosableServer = Server & { [closing]?: boolean };

/**
 * A `node:http` server with timeouts, whose own answers come from the service too: requests its
 * parser refuses (400, 431) get the contract's JSON error and are counted; `Expect: 100-continue`
 * is answered `100 Continue` only once the service accepts the request's head.
 */
export function createTimedServer(listener: RequestListener, service: Service): Server {
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
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // As node itself does: answer only on a connection that has not been written to, then close it.
    if (!socket.writable || socket.bytesWritten > 0 || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const answer =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
        : rawResponse(
            error.code === "HPE_HEADER_OVERFLOW"
              ? service.malformed("HEADERS_TOO_LARGE", "The request's headers are larger than the server accepts.")
              : service.malformed("BAD_REQUEST", "The request is not valid HTTP/1.1."),
          );
    socket.end(answer, () => socket.destroy());
  });
  server.on("checkContinue", (request, response) => {
    const early = service.precheck({
      method: request.method ?? "GET",
      url: request.url ?? "/",
      headers: request.headers,
    });
    if (early === undefined) {
      response.writeContinue();
      listener(request, response);
      return;
    }
    // The client has not sent its body, and may never: this connection cannot carry another request.
    response.shouldKeepAlive = false;
    writeResponse(response, early);
  });
  return server;
}

function rawResponse({ status, headers, body }: CoreResponse): string {
  const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${fields.join("")}connection: close\r\n\r\n${body}`;
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
    log.info(`${signal} received, finishing in-flight requests`);
    const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    // Whatever the storage is doing, the process ends within its deadline.
    setTimeout(() => {
      log.warn("the storage did not close in time; exiting");
      process.exit(0);
    }, SHUTDOWN_GRACE_MS + STORAGE_CLOSE_MS).unref();
    server.close(() => {
      clearTimeout(deadline);
      service.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.warn("the storage did not close cleanly", { error: String(error) });
          process.exit(0);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
