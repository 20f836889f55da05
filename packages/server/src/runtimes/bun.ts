// cell-counter on Bun: `bun node_modules/@cell-counter/server/dist/runtimes/bun.js`, configured by
// the same variables as the commands. Bun.serve hands the core's fetch entry web requests.
import { shutdownOnSignals } from "../serving/shutdown.js";
import { announce, prepareEntry } from "../start.js";

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch(request: Request): Promise<Response> }): {
    hostname: string;
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

const { config, log, service } = await prepareEntry("bun", process.env);
const server = Bun.serve({ port: config.port, hostname: config.host, fetch: service.fetch });
// Bun stops accepting and lets in-flight requests finish; `stop(true)` cuts them. Before the
// listening line: a signal sent as soon as it is read finds the shutdown in place.
shutdownOnSignals({ stopAccepting: () => server.stop(), cutConnections: () => void server.stop(true) }, service, log);
announce(log, `http://${server.hostname}:${server.port}`, "bun", config);
