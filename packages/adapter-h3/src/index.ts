import {
  type CoreRequest,
  type CoreResponse,
  createConnectionQueue,
  hasBody,
  ROUTES,
  type Service,
} from "@cell-counter/core";
import { H3, type H3Event } from "h3";
import { FastResponse } from "srvx";

/**
 * An h3 app answering with the service: serve it, or mount it into your own h3 or Nitro app
 * (`app.mount("/counter", createH3App(service))`). Malformed percent-encodings reach the core,
 * which answers them 404 like any unknown path, as every adapter does.
 */
export function createH3App(service: Service): H3 {
  const inOrder = createConnectionQueue<object>();
  const respond = (event: H3Event) => {
    // On node, requests pipelined on one connection are processed in the order they arrived.
    const connection = event.runtime?.node?.req.socket ?? event;
    return inOrder(connection, () => service.handle(h3EventToRequest(event)), coreResponseToResponse);
  };
  const app = new H3({ allowMalformedURL: true });
  // The API's paths as static routes, which h3's router finds without splitting the path or
  // making parameters; every other path (the core answers 404, 405…) through the catch-all.
  for (const path of [...ROUTES.map((route) => route.path), CATCH_ALL]) {
    app.all(path, respond, { meta: { [OWN_ROUTE]: path } });
  }
  return app;
}

const CATCH_ALL = "/**";
/** Where a route of this app keeps its own path: mounted, h3 prefixes the route with the mount path. */
const OWN_ROUTE = "cellCounterRoute";

/** The request as the core sees it: its target below the path the app is mounted at. */
export function h3EventToRequest(event: H3Event): CoreRequest {
  const { req } = event;
  // A mounted app's routes carry the mount path: `/counter/**`, `/counter/checkpoint`.
  const matched = event.context.matchedRoute;
  const own = (matched?.meta?.[OWN_ROUTE] as string | undefined) ?? CATCH_ALL;
  const route = matched?.route ?? own;
  const base = route.length > own.length ? route.slice(0, route.length - own.length).replace(/\/$/, "") : "";
  // On node, the raw request line and header object are at hand: no URL or Headers to build.
  const node = event.runtime?.node?.req;
  const headers = node ? node.headers : req.headers;
  // A web request built in process may carry a body without announcing its length.
  const withBody = node ? hasBody(headers) : req.method !== "GET" && req.method !== "HEAD";
  return {
    method: req.method,
    url: base ? targetBelow(event.url, base) : (node?.url ?? req.url),
    headers,
    body: withBody ? req.body : null,
  };
}

/**
 * srvx's `FastResponse` (h3's own server layer): a `Response` that node writes straight from the
 * status, plain headers and string body, creating no web `Headers` or `Response` on the way. The
 * headers go as `[name, value]` pairs, which srvx reads as they are (an object it copies with
 * `Object.entries`, a runtime call).
 */
export function coreResponseToResponse({ status, headers, body }: CoreResponse): Response {
  const pairs: [string, string][] = [];
  for (const name in headers) pairs.push([name, headers[name] as string]);
  return new FastResponse(body, { status, headers: pairs });
}

function targetBelow(url: URL, base: string): string {
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  return `${path || "/"}${url.search}`;
}
