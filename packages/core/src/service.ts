import { isAuthorized } from "./auth.js";
import { CounterError, isCounterError } from "./errors.js";
import type { HandlerContext } from "./handlers/context.js";
import { createNoopMetrics } from "./noop-metrics.js";
import type { Metrics } from "./ports/metrics.js";
import type { CounterStorage, MaybePromise } from "./ports/storage.js";
import { bodyExceeds, type CoreRequest, readHeader } from "./request.js";
import { type CoreResponse, errorResponse } from "./response.js";
import { findRoute, methodLabel, pathOf, ROUTES, type Route } from "./routes.js";

/** The largest request body accepted, in bytes (64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ServiceOptions {
  storage: CounterStorage;
  /** Defaults to metrics that record nothing. */
  metrics?: Metrics;
  /** When set, `POST /checkpoint` and `POST /restore` need `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** Called with every unexpected error, which the client sees only as `INTERNAL`. */
  onError?: (error: unknown) => void;
}

export interface Service {
  /** Answers one request; synchronously when it can (await it either way). Never throws or rejects. */
  handle(request: CoreRequest): MaybePromise<CoreResponse>;
  /** The same, as a web-standard `Request → Response` function. */
  fetch(request: Request): Promise<Response>;
  readonly storage: CounterStorage;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Binds the API to a storage and a metrics implementation. */
export function createService(options: ServiceOptions): Service {
  const { storage, apiToken } = options;
  const metrics = options.metrics ?? createNoopMetrics();
  const onError = options.onError ?? ((error: unknown) => console.error("cell-counter: unexpected error", error));
  const recorded = guarded(metrics, onError);
  const context: HandlerContext = { storage, metrics: recorded };
  guard(() => metrics.bind?.({ readCounter: () => storage.current(), storage: storage.kind }), onError);

  function respond(route: Route | undefined, request: CoreRequest): MaybePromise<CoreResponse> {
    if (!route) return NOT_FOUND;
    if (route.method !== request.method) return NOT_ALLOWED.get(route) as CoreResponse;
    if (route.protected && apiToken && !isAuthorized(readHeader(request.headers, "authorization"), apiToken)) {
      throw new CounterError("UNAUTHORIZED", `${route.path} needs an Authorization: Bearer token.`);
    }
    return route.handler(context);
  }

  function fail(route: Route | undefined, error: unknown): CoreResponse {
    const operation = route?.operation;
    if (operation) recorded.failed(operation, isCounterError(error) ? error.code : "INTERNAL");
    return failure(error, route, onError);
  }

  function finish(request: CoreRequest, route: Route | undefined, started: number, answer: CoreResponse) {
    const seconds = (performance.now() - started) / 1000;
    recorded.request(route ? route.path : "unmatched", methodLabel(request.method), answer.status, seconds);
    // A HEAD answer has the headers of the full answer and no body.
    return request.method === "HEAD" ? { ...answer, body: "" } : answer;
  }

  /** Answers synchronously when the storage does (memory, file): no promise on the hot path. */
  function handle(request: CoreRequest): MaybePromise<CoreResponse> {
    const started = performance.now();
    const route = findRoute(pathOf(request.url));
    let answer: MaybePromise<CoreResponse>;
    try {
      const limited = tooLarge(request);
      answer =
        limited === undefined
          ? respond(route, request)
          : isPromise(limited)
            ? limited.then((response) => response ?? respond(route, request))
            : limited;
    } catch (error) {
      answer = fail(route, error);
    }
    if (isPromise(answer)) {
      return answer.then(
        (response) => finish(request, route, started, response),
        (error: unknown) => finish(request, route, started, fail(route, error)),
      );
    }
    return finish(request, route, started, answer);
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
    close: async () => {
      await storage.close?.();
    },
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
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

/** `413` when the declared or the streamed body is too large; `undefined` when it is not. */
function tooLarge(request: CoreRequest): CoreResponse | Promise<CoreResponse | undefined> | undefined {
  const declared = readHeader(request.headers, "content-length");
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return TOO_LARGE;
  if (request.body == null) return undefined;
  return bodyExceeds(request.body, MAX_BODY_BYTES).then((exceeds) => (exceeds ? TOO_LARGE : undefined));
}

function failure(error: unknown, route: Route | undefined, onError: (error: unknown) => void): CoreResponse {
  const what = route?.failure ?? "request failed";
  if (!isCounterError(error) || error.code === "INTERNAL") {
    onError(error);
    return errorResponse("INTERNAL", what, "The server failed to answer this request.");
  }
  const headers = error.code === "UNAUTHORIZED" ? { "www-authenticate": 'Bearer realm="cell-counter"' } : undefined;
  return errorResponse(error.code, what, error.message, headers);
}

/** The metrics as handlers see them: a call that throws is reported, never fails the request. */
function guarded(metrics: Metrics, onError: (error: unknown) => void): Metrics {
  return {
    request: (endpoint, method, status, seconds) =>
      guard(() => metrics.request(endpoint, method, status, seconds), onError),
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
