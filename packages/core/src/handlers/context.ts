import type { Metrics } from "../ports/metrics.js";
import type { CounterStorage, MaybePromise } from "../ports/storage.js";
import type { CoreResponse } from "../response.js";

/** What a handler is given: the service's ports and the request's `Accept`, nothing of the host. */
export interface HandlerContext {
  storage: CounterStorage;
  metrics: Metrics;
  accept?: string | undefined;
}

export type Handler = (context: HandlerContext) => MaybePromise<CoreResponse>;
