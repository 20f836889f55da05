import { checkpoint } from "./handlers/checkpoint.js";
import type { Handler } from "./handlers/context.js";
import { increment } from "./handlers/increment.js";
import { exposeMetrics } from "./handlers/metrics.js";
import { health, readiness } from "./handlers/probes.js";
import { restore } from "./handlers/restore.js";
import type { Endpoint, Operation } from "./ports/metrics.js";

export interface Route {
  path: Exclude<Endpoint, "unmatched">;
  method: "GET" | "POST";
  handler: Handler;
  /** Named in the `status` field of an error answered on this route. */
  failure: string;
  /** Needs `Authorization: Bearer <API_TOKEN>` when a token is configured. */
  protected: boolean;
  /** Failures here are counted by `checkpoint_failures_total` or `restore_failures_total`. */
  operation?: Operation;
  /** Every failure on this route is answered with this status, whatever its code. */
  failureStatus?: number;
}

/** The HTTP API: one method for each path. */
export const ROUTES: readonly Route[] = [
  { path: "/", method: "GET", handler: increment, failure: "increment failed", protected: false },
  {
    path: "/checkpoint",
    method: "POST",
    handler: checkpoint,
    failure: "checkpoint failed",
    protected: true,
    operation: "checkpoint",
  },
  {
    path: "/restore",
    method: "POST",
    handler: restore,
    failure: "restore failed",
    protected: true,
    operation: "restore",
  },
  { path: "/metrics", method: "GET", handler: exposeMetrics, failure: "metrics failed", protected: false },
  { path: "/healthz", method: "GET", handler: health, failure: "health check failed", protected: false },
  { path: "/readyz", method: "GET", handler: readiness, failure: "not ready", protected: false, failureStatus: 503 },
];

const ROUTE_BY_PATH = new Map<string, Route>(ROUTES.map((route) => [route.path, route]));

/** The route each operation is answered on. */
export const ROUTE_OF_OPERATION = Object.fromEntries(
  ROUTES.flatMap((route) => (route.operation ? [[route.operation, route]] : [])),
) as Record<Operation, Route>;

/** The route of a path (without its query), or `undefined`. */
export function findRoute(path: string): Route | undefined {
  return ROUTE_BY_PATH.get(path);
}

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

/** The `method` label: a standard method, or `other` so that clients cannot create series. */
export function methodLabel(method: string): string {
  return STANDARD_METHODS.has(method) ? method : "other";
}

/**
 * A path with its dot segments resolved by the WHATWG URL rules, which Bun, workerd and
 * `new Request()` apply before a handler sees the request and node does not: `/x/../checkpoint` is
 * `/checkpoint`, `/./` and `/%2e/` are `/`, a backslash is a slash. Every host then routes alike.
 */
export function normalizePath(path: string): string {
  if (!DOT_OR_BACKSLASH.test(path) || path.charCodeAt(0) !== 47 /* / */) return path;
  return new URL(`http://host${path}`).pathname;
}

const DOT_OR_BACKSLASH = /\.|%2e|\\/i;

/** The path of a request target: origin form (`/a?b`) or absolute form (`http://h/a?b`, `http://h?b`). */
export function pathOf(url: string): string {
  let start = 0;
  if (url.charCodeAt(0) !== 47 /* / */) {
    const scheme = url.indexOf("://");
    if (scheme === -1) return url;
    // The authority ends at the first "/", "?" or "#"; with no "/", the path is empty: "/".
    start = scheme + 3;
    while (start < url.length && !"/?#".includes(url[start] as string)) start++;
    if (url[start] !== "/") return "/";
  }
  let end = url.length;
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) end = i;
  }
  return start === 0 && end === url.length ? url : url.slice(start, end);
}
