import { isAuthorized } from "./auth.js";
import { CounterError, isCounterError } from "./errors.js";
import type { HandlerContext } from "./handlers/context.js";
import { createNoopMetrics } from "./noop-metrics.js";
import type { Endpoint, Metrics } from "./ports/metrics.js";
import type { CounterStorage } from "./ports/storage.js";
import { bodyExceeds, type CoreRequest, readHeader } from "./request.js";
import { type CoreResponse, errorResponse } from "./response.js";
import { findRoute, methodLabel, pathOf, type Route } from "./routes.js";

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
  /** Answers one request. Never rejects. */
  handle(request: CoreRequest): Promise<CoreResponse>;
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

  async function answer(route: Route, request: CoreRequest): Promise<CoreResponse> {
    if (route.method !== request.method) {
      return errorResponse("METHOD_NOT_ALLOWED", "method not allowed", `${route.path} accepts only ${route.method}.`, {
        allow: route.method,
      });
    }
    if (route.protected && apiToken && !isAuthorized(readHeader(request.headers, "authorization"), apiToken)) {
      throw new CounterError("UNAUTHORIZED", `${route.path} needs an Authorization: Bearer token.`);
    }
    return route.handler(context);
  }

  async function handle(request: CoreRequest): Promise<CoreResponse> {
    const started = performance.now();
    const route = findRoute(pathOf(request.url));
    const endpoint: Endpoint = route ? route.path : "unmatched";
    let response: CoreResponse;
    try {
      response =
        (await tooLarge(request)) ??
        (route
          ? await answer(route, request)
          : errorResponse("NOT_FOUND", "not found", "No such endpoint: see the API table for the paths served."));
    } catch (error) {
      response = failure(error, route, onError);
      const operation = route?.operation;
      const code = isCounterError(error) ? error.code : "INTERNAL";
      if (operation) recorded.failed(operation, code);
    }
    // A HEAD answer has the headers of the full answer and no body.
    if (request.method === "HEAD") response = { ...response, body: "" };
    const seconds = (performance.now() - started) / 1000;
    recorded.request(endpoint, methodLabel(request.method), response.status, seconds);
    return response;
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

async function tooLarge(request: CoreRequest): Promise<CoreResponse | undefined> {
  const declared = readHeader(request.headers, "content-length");
  const exceeds =
    (declared !== undefined && Number(declared) > MAX_BODY_BYTES) ||
    (request.body != null && (await bodyExceeds(request.body, MAX_BODY_BYTES)));
  if (!exceeds) return undefined;
  return errorResponse(
    "PAYLOAD_TOO_LARGE",
    "payload too large",
    `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
  );
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
