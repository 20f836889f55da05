import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import type { Harness } from "./http-conformance.js";

/** Serves a `node:http` listener on a free loopback port; the harness talks to it over a socket. */
export async function serveOverHttp(listener: RequestListener): Promise<Harness & { url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Calls a web-standard handler in process. */
export function callInProcess(handler: (request: Request) => Response | Promise<Response>): Harness {
  return {
    fetch: async (path, init) => handler(new Request(`http://localhost${path}`, init)),
    close: async () => {},
  };
}
