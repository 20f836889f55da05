import type { Metrics } from "../ports/metrics.js";
import type { CounterStorage, MaybePromise } from "../ports/storage.js";
import type { CoreResponse } from "../response.js";

/** What a handler is given: the service's ports, nothing of the host. */
export interface HandlerContext {
  storage: CounterStorage;
  metrics: Metrics;
}

export type Handler = (context: HandlerContext) => MaybePromise<CoreResponse>;
