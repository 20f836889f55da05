import { isAuthorized } from "./auth.js";
import { isPromise } from "./connection-queue.js";
import { CounterError, type ErrorCode, isCounterError, OPERATOR_CODES } from "./errors.js";
import type { HandlerContext } from "./handlers/context.js";
import { createNoopMetrics } from "./noop-metrics.js";
import type { Metrics, Operation } from "./ports/metrics.js";
import type { CounterStorage, MaybePromise } from "./ports/storage.js";
import { bodyExceeds, type CoreRequest, type RequestHead, readHeader } from "./request.js";
import { type CoreResponse, errorResponse } from "./response.js";
import { findRoute, methodLabel, normalizePath, pathOf, ROUTE_OF_OPERATION, ROUTES, type Route } from "./routes.js";

/** The largest request body accepted, in bytes (64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ServiceOptions {
  storage: CounterStorage;
  /** Defaults to metrics that record nothing. */
  metrics?: Metrics;
  /** When set, `POST /checkpoint` and `POST /restore` need `Authorization: Bearer <apiToken>`. */
  apiToken?: string | undefined;
  /**
   * Serves the API under this path (`/counter`: `GET /counter/`, `POST /counter/checkpoint`…); any
   * other path is 404. For hosts that do not strip a mount path themselves (`node:http`, a fetch host).
   */
  basePath?: string;
  /** Called with every unexpected error, which the client sees only as `INTERNAL`. The core logs nothing itself. */
  onError?: (error: unknown) => void;
  /** Called with every failure of the storage an operator should see (`STORAGE_*`, `COUNTER_*`, `CHECKPOINT_CORRUPT`). */
  onFailure?: (error: CounterError) => void;
}

/** A parser-level refusal, answered by the host's HTTP server before any request exists. */
export type MalformedCode = Extract<ErrorCode, "BAD_REQUEST" | "HEADERS_TOO_LARGE" | "REQUEST_TIMEOUT">;

/** The `status` field of the answers a host's parser gives for the service. */
const MALFORMED_STATUS: Record<MalformedCode, string> = {
  BAD_REQUEST: "bad request",
  HEADERS_TOO_LARGE: "headers too large",
  REQUEST_TIMEOUT: "request timeout",
};

export interface Service {
  /** Answers one request; synchronously when it can (await it either way). Never throws or rejects. */
  handle(request: CoreRequest): MaybePromise<CoreResponse>;
  /** The same, as a web-standard `Request → Response` function. */
  fetch(request: Request): Promise<Response>;
  /**
   * The answer that the method, target and headers alone decide (413 by declared length, 404, 405,
   * 401), counted like any answer; `undefined` when the body and the handler decide. A host
   * sends `100 Continue` only when this is `undefined`.
   */
  precheck(request: RequestHead): CoreResponse | undefined;
  /** The answer to a request the host's HTTP parser refused: counted with the endpoint `unmatched`. */
  malformed(code: MalformedCode, message: string): CoreResponse;
  /** Runs a checkpoint or a restore outside HTTP (a restore at start), counted like one asked over HTTP. */
  perform(operation: Operation): Promise<bigint>;
  readonly storage: CounterStorage;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** The monotonic clock of every runtime, looked up once: each request reads it twice. */
const clock = globalThis.performance;

/** Binds the API to a storage and a metrics implementation. */
export function createService(options: ServiceOptions): Service {
  const { storage, apiToken } = options;
  const routeOf = routeFinder(options.basePath);
  const metrics = options.metrics ?? createNoopMetrics();
  const onError = options.onError ?? (() => {});
  const onFailure = options.onFailure ?? (() => {});
  const recorded = guarded(metrics, onError);
  const context: HandlerContext = { storage, metrics: recorded };
  guard(() => metrics.bind?.({ readCounter: () => storage.current(), storage: storage.kind }), onError);

  function fail(route: Route | undefined, error: unknown): CoreResponse {
    const code = isCounterError(error) ? error.code : "INTERNAL";
    if (route?.operation) recorded.failed(route.operation, code);
    if (isCounterError(error) && OPERATOR_CODES.has(code)) guard(() => onFailure(error), onError);
    return failure(error, route, onError);
  }

  function finish(method: string, route: Route | undefined, started: number, answer: CoreResponse) {
    const seconds = (clock.now() - started) / 1000;
    recorded.request(route ? route.path : "unmatched", methodLabel(method), answer.status, seconds);
    // A HEAD answer has the headers of the full answer and no body.
    return method === "HEAD" ? { ...answer, body: "" } : answer;
  }

  /** What the head of the request decides, in the order a client learns it. */
  function early(route: Route | undefined, request: RequestHead): CoreResponse | undefined {
    const declared = readHeader(request.headers, "content-length");
    if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return TOO_LARGE;
    if (!route) return NOT_FOUND;
    if (route.method !== request.method) return NOT_ALLOWED.get(route);
    if (route.protected && apiToken && !isAuthorized(readHeader(request.headers, "authorization"), apiToken)) {
      return fail(route, new CounterError("UNAUTHORIZED", `${route.path} needs an Authorization: Bearer token.`));
    }
    return undefined;
  }

  function run(route: Route, request: CoreRequest): MaybePromise<CoreResponse> {
    if (route.path !== "/metrics") return route.handler(context);
    return route.handler({ ...context, accept: readHeader(request.headers, "accept") });
  }

  /** Answers synchronously when the storage does (memory, file): no promise on the hot path. */
  function handle(request: CoreRequest): MaybePromise<CoreResponse> {
    const started = clock.now();
    const route = routeOf(request.url);
    let answer: MaybePromise<CoreResponse>;
    try {
      answer =
        early(route, request) ??
        (request.body == null
          ? run(route as Route, request)
          : bodyExceeds(request.body, MAX_BODY_BYTES).then((exceeds) =>
              exceeds ? TOO_LARGE : run(route as Route, request),
            ));
    } catch (error) {
      answer = fail(route, error);
    }
    if (isPromise(answer)) {
      return answer.then(
        (response) => finish(request.method, route, started, response),
        (error: unknown) => finish(request.method, route, started, fail(route, error)),
      );
    }
    return finish(request.method, route, started, answer);
  }

  return {
    storage,
    metrics,
    handle,
    fetch: async (request) => {
      const { status, headers, body } = await handle({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
      });
      return new Response(body, { status, headers });
    },
    precheck(request) {
      const started = clock.now();
      const route = routeOf(request.url);
      const answer = early(route, request);
      return answer && finish(request.method, route, started, answer);
    },
    malformed(code, message) {
      const answer = errorResponse(code, MALFORMED_STATUS[code], message);
      recorded.request("unmatched", "other", answer.status, 0);
      return answer;
    },
    async perform(operation) {
      const route = ROUTE_OF_OPERATION[operation];
      try {
        const value = await storage[operation]();
        recorded.succeeded(operation, value);
        return value;
      } catch (error) {
        fail(route, error);
        throw error;
      }
    },
    close: async () => {
      await storage.close?.();
    },
  };
}

/** The route of a request target, below `basePath` when there is one. */
function routeFinder(basePath: string | undefined): (url: string) => Route | undefined {
  const base = basePath?.replace(/\/+$/, "");
  if (!base) return (url) => findRoute(normalizePath(pathOf(url)));
  if (!base.startsWith("/")) throw new TypeError(`basePath must start with "/": ${JSON.stringify(basePath)}`);
  return (url) => {
    const path = normalizePath(pathOf(url));
    if (path === base) return findRoute("/");
    return path.startsWith(`${base}/`) ? findRoute(path.slice(base.length)) : undefined;
  };
}

// Answers that never change are made once, and frozen: every request shares them.
const frozen = (response: CoreResponse): CoreResponse => {
  Object.freeze(response.headers);
  return Object.freeze(response);
};
const NOT_FOUND = frozen(
  errorResponse("NOT_FOUND", "not found", "No such endpoint: see the API table for the paths served."),
);
const TOO_LARGE = frozen(
  errorResponse("PAYLOAD_TOO_LARGE", "payload too large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
);
const NOT_ALLOWED = new Map(
  ROUTES.map((route) => {
    const message = `${route.path} accepts only ${route.method}.`;
    return [route, frozen(errorResponse("METHOD_NOT_ALLOWED", "method not allowed", message, { allow: route.method }))];
  }),
);

function failure(error: unknown, route: Route | undefined, onError: (error: unknown) => void): CoreResponse {
  const what = route?.failure ?? "request failed";
  if (!isCounterError(error) || error.code === "INTERNAL") {
    onError(error);
    return errorResponse(
      "INTERNAL",
      what,
      "The server failed to answer this request.",
      undefined,
      route?.failureStatus,
    );
  }
  const headers = error.code === "UNAUTHORIZED" ? { "www-authenticate": 'Bearer realm="cell-counter"' } : undefined;
  return errorResponse(error.code, what, error.message, headers, route?.failureStatus);
}

/** The metrics as handlers see them: a call that throws is reported, never fails the request. */
function guarded(metrics: Metrics, onError: (error: unknown) => void): Metrics {
  return {
    // Called on every request: no closure made for it.
    request(endpoint, method, status, seconds) {
      try {
        metrics.request(endpoint, method, status, seconds);
      } catch (error) {
        onError(error);
      }
    },
    succeeded: (operation, value) => guard(() => metrics.succeeded(operation, value), onError),
    failed: (operation, code) => guard(() => metrics.failed(operation, code), onError),
    ...(metrics.expose && { expose: metrics.expose.bind(metrics) }),
  };
}

/** Metrics never fail a request. */
function guard(record: () => void, onError: (error: unknown) => void): void {
  try {
    record();
  } catch (error) {
    onError(error);
  }
}
