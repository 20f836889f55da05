import type { Service } from "@cell-counter/core";
import type { Log } from "../log.js";

/** After SIGTERM or SIGINT, in-flight requests have this long before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 8_000;

/** What closing the storage may take after that, before the process exits anyway. */
const STORAGE_CLOSE_MS = 1_500;

/** What a host does for the shutdown: the rest is the same on every host. */
export interface StoppableHost {
  /** Stops accepting connections; resolves once every in-flight request has been answered. */
  stopAccepting(): Promise<void>;
  /** Cuts the connections still open (at the deadline, or on a second signal); a host that cannot leaves them to the exit. */
  cutConnections?(): void;
}

/**
 * On SIGTERM or SIGINT, on every host (node, h3, Bun, Deno): stop accepting, let in-flight requests
 * finish, cut what is left after `SHUTDOWN_GRACE_MS`, close the storage, exit 0 — within
 * `SHUTDOWN_GRACE_MS` + 1.5 s whatever the storage does. A second signal cuts the connections at once.
 */
export function shutdownOnSignals(host: StoppableHost, service: Service, log: Log): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} received again: cutting the connections still open`);
      host.cutConnections?.();
      return;
    }
    stopping = true;
    log.info(`${signal} received, finishing in-flight requests`);
    const deadline = setTimeout(() => host.cutConnections?.(), SHUTDOWN_GRACE_MS);
    setTimeout(() => {
      log.warn("the storage did not close in time; exiting");
      process.exit(0);
    }, SHUTDOWN_GRACE_MS + STORAGE_CLOSE_MS).unref();
    host
      .stopAccepting()
      .then(() => {
        clearTimeout(deadline);
        return service.close();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.warn("the storage did not close cleanly", { error: String(error) });
          process.exit(0);
        },
      );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
