// cell-counter on Deno: `deno run --allow-net --allow-env --allow-read --allow-write --allow-sys
// --node-modules-dir=manual node_modules/@cell-counter/server/dist/runtimes/deno.js` (Deno loads the
// npm packages from node_modules), configured by the same variables as the commands.
import { shutdownOnSignals } from "../serving/shutdown.js";
import { announce, prepareEntry } from "../start.js";

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void> };
};

const { config, log, service } = await prepareEntry("deno", process.env);
const server = Deno.serve(
  {
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) => announce(log, `http://${hostname}:${port}`, "deno", config),
  },
  service.fetch,
);
// Deno stops accepting and lets in-flight requests finish; it has no way to cut them sooner than the exit.
shutdownOnSignals({ stopAccepting: () => server.shutdown() }, service, log);
