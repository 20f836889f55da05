import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runHttpConformance } from "@cell-counter/conformance";
import { createNodeListener } from "./index.js";

runHttpConformance("node", async (service) => {
  const server = createServer(createNodeListener(service));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
});
