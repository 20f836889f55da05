import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type RequestListener,
  type Server,
  ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { writeResponse } from "@cell-counter/adapter-node";
import type { Service } from "@cell-counter/core";
import { answerClientErrors } from "./serving/client-errors.js";
import { answerBegun, answerEnded, sweepConnections } from "./serving/connection-sweep.js";
import type { StoppableHost } from "./serving/shutdown.js";
import { nodeTimeoutOptions, SERVER_TIMEOUTS, type ServerTimeouts } from "./serving/timeouts.js";

const closing = Symbol("closing");

type ClosableServer = Server & { [closing]?: boolean };

/**
 * A `node:http` server made of the serving parts: node's timeouts for headers and requests
 * (`serving/timeouts.ts`), one sweep for idle and stalled connections (`serving/connection-sweep.ts`),
 * the parser's refusals and late requests answered by the service, the connection closed after the
 * client read the answer (`serving/client-errors.ts`); `Expect: 100-continue` answered
 * `100 Continue` only once the service accepts the request's head. Stopped by `nodeHost`.
 */
export function createTimedServer(
  listener: RequestListener,
  service: Service,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
): Server {
  const server: ClosableServer = createServer(
    {
      ...nodeTimeoutOptions(timeouts),
      ServerResponse: class extends (ServerResponse as unknown as ResponseBase) {
        readonly #socket: Socket;
        #answered = false;

        constructor(request: IncomingMessage, options?: object) {
          super(request, options);
          this.#socket = request.socket;
          answerBegun(this.#socket);
        }

        // Node writes `Keep-Alive: timeout=N` from this field, which its own keep-alive timeout sets
        // and no public option does without arming node's timer again: clients still learn when an
        // idle connection will be closed, by the sweep.
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
            answerEnded(this.#socket);
          }
          return super.end(chunk as string, encoding as BufferEncoding, callback as () => void);
        }
      } as unknown as typeof ServerResponse,
    },
    listener,
  );
  sweepConnections(server, timeouts);
  answerClientErrors(server, service);
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

/**
 * How a `node:http` server stops for the shutdown: no new connection, idle ones closed, answers in
 * flight marked `connection: close`; at the deadline, every connection cut.
 */
export function nodeHost(server: Server): StoppableHost {
  return {
    stopAccepting: () =>
      new Promise<void>((resolve) => {
        (server as ClosableServer)[closing] = true;
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    cutConnections: () => server.closeAllConnections(),
  };
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
