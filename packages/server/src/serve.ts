import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type RequestListener,
  type Server,
  ServerResponse,
  STATUS_CODES,
} from "node:http";
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
  /** A connection that neither sends nor takes a byte for this long is closed. */
  socketTimeoutMs: 60_000,
} as const;

export type ServerTimeouts = { readonly [name in keyof typeof SERVER_TIMEOUTS]: number };

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
export function createTimedServer(
  listener: RequestListener,
  service: Service,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
): Server {
  const server: ClosableServer = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Idle keep-alive connections are closed by the sweep below: node's own keep-alive timeout
      // takes a timer off the socket and puts one back on around every request.
      keepAliveTimeout: 0,
      connectionsCheckingInterval: 1_000,
      ServerResponse: class extends (ServerResponse as unknown as ResponseBase) {
        readonly #socket: WatchedSocket;
        #answered = false;

        constructor(request: IncomingMessage, options?: object) {
          super(request, options);
          this.#socket = request.socket;
          this.#socket[answering] = (this.#socket[answering] ?? 0) + 1;
        }

        // Node writes `Keep-Alive: timeout=N` from this (undocumented) field, which its own timeout
        // sets; so clients still learn when an idle connection will be closed.
        get _keepAliveTimeout(): number {
          return timeouts.keepAliveTimeoutMs;
        }

        set _keepAliveTimeout(_ignored: number) {}

        // Answers written while the server shuts down tell keep-alive clients to go elsewhere.
        // writeHead(status, headers?) and writeHead(status, reason, headers?), passed on as they came.
        override writeHead(
          status: number,
          reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
          headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
        ): this {
          if (server[closing]) this.setHeader("connection", "close");
          return super.writeHead(status, reason as string, headers);
        }

        // end(), end(callback), end(chunk, callback?), end(chunk, encoding, callback?), passed on as they came.
        override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
          if (!this.#answered) {
            this.#answered = true;
            (this.#socket[answering] as number)--;
          }
          return super.end(chunk as string, encoding as BufferEncoding, callback as () => void);
        }
      } as unknown as typeof ServerResponse,
    },
    listener,
  );
  closeIdleAndStalledConnections(server, timeouts);
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

/** Node's `ServerResponse` as node constructs it: with the request and the server's options for it. */
type ResponseBase = new (request: IncomingMessage, options?: object) => ServerResponse;

/** On a connection: how many of its answers are being made or written (pipelined requests queue). */
const answering = Symbol("answering");

type WatchedSocket = Socket & { [answering]?: number };

/**
 * Closes, with one timer for the whole server: the keep-alive connections that have been idle for
 * `keepAliveTimeoutMs` (every answer ended, no byte since), as node's keep-alive timeout would;
 * and the connections that have neither received nor sent a byte for `socketTimeoutMs` (a client
 * that stopped reading its answers, a peer gone without a word), as `server.setTimeout` would.
 * Node does both by re-arming a timer on the socket around every request. 0 turns either off.
 */
function closeIdleAndStalledConnections(server: Server, timeouts: ServerTimeouts): void {
  const { keepAliveTimeoutMs: idleMs, socketTimeoutMs: stalledMs } = timeouts;
  const seen = new Map<WatchedSocket, { read: number; written: number; since: number }>();
  server.on("connection", (socket: WatchedSocket) => {
    seen.set(socket, { read: 0, written: 0, since: performance.now() });
    socket.once("close", () => seen.delete(socket));
  });
  const shortest = Math.min(...[idleMs, stalledMs].filter((ms) => ms > 0));
  if (shortest === Number.POSITIVE_INFINITY) return;
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const [socket, last] of seen) {
        const { bytesRead: read, bytesWritten: written } = socket;
        if (read !== last.read || written !== last.written) {
          last.read = read;
          last.written = written;
          last.since = now;
          continue;
        }
        const quiet = now - last.since;
        const stalled = stalledMs > 0 && quiet >= stalledMs;
        const idle = idleMs > 0 && quiet >= idleMs && socket[answering] === 0;
        if (stalled || idle) socket.destroy();
      }
    },
    Math.max(10, shortest / 4),
  );
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
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
