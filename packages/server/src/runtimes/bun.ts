// cell-counter on Bun: `bun node_modules/@cell-counter/server/dist/runtimes/bun.js`, configured by
// the same variables as the commands. Bun.serve hands the core's fetch entry web requests.
import { announce, prepareEntry, stopOnSignals } from "../start.js";

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch(request: Request): Promise<Response> }): {
    hostname: string;
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

const { config, log, service } = await prepareEntry("bun", process.env);
const server = Bun.serve({ port: config.port, hostname: config.host, fetch: service.fetch });
announce(log, `http://${server.hostname}:${server.port}`, "bun", config);
stopOnSignals(log, service, () => server.stop());
