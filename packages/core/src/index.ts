export { toByteString } from "./auth.js";
export {
  checkpointCorrupt,
  checkpointNotFound,
  checkpointParts,
  MAX_CHECKPOINT_BYTES,
  parseCheckpoint,
  serializeCheckpoint,
} from "./checkpoint-codec.js";
export { createConnectionQueue } from "./connection-queue.js";
export { counterOverflow, MAX_COUNTER, nextCounter, parseCounter } from "./counter.js";
export { CounterError, type ErrorCode, FAILURE_CODES, isCounterError, STATUS_BY_CODE } from "./errors.js";
export type { Endpoint, Exposition, Metrics, MetricsContext, Operation } from "./ports/metrics.js";
export type { CounterStorage, MaybePromise } from "./ports/storage.js";
export { type CoreRequest, type HeaderSource, hasBody, type RequestBody, type RequestHead } from "./request.js";
export type { CoreResponse } from "./response.js";
export { ROUTE_OF_OPERATION, ROUTES, type Route } from "./routes.js";
export {
  createService,
  type MalformedCode,
  type Service,
  type ServiceOptions,
} from "./service.js";
export { VERSION } from "./version.js";
