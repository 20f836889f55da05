import type { ErrorCode } from "../errors.js";
import type { Operation } from "../operation.js";
import type { MaybePromise } from "./storage.js";

/** The route templates, the only values of the `endpoint` label. */
export type Endpoint = "/" | "/checkpoint" | "/restore" | "/metrics" | "/healthz" | "/readyz" | "unmatched";

export type { Operation } from "../operation.js";

/** A text exposition served at `GET /metrics`. */
export interface Exposition {
  contentType: string;
  body: string;
}

/** What a service tells its metrics once, when it is created. */
export interface MetricsContext {
  /** Reads the counter, for metrics computed at collection time. */
  readCounter(): MaybePromise<bigint>;
  /** The storage's `kind`. */
  storage: string;
}

/**
 * Where the service reports what it does. Methods must not throw: the service calls them inside
 * a guard anyway, but a metrics failure is never a request failure.
 * Pull-style implementations (Prometheus) provide `expose`, given the request's `Accept` header;
 * push-style ones (Powertools) `flush`.
 */
export interface Metrics {
  bind?(context: MetricsContext): void;
  /** One answered request. `method` is already bounded (a standard method or `other`). */
  request(endpoint: Endpoint, method: string, status: number, seconds: number): void;
  succeeded(operation: Operation, value: bigint): void;
  failed(operation: Operation, code: ErrorCode): void;
  /** The storage found the counter below a value this process had answered (a failover lost writes) and moved it back. */
  rolledBack?(): void;
  expose?(accept?: string): Promise<Exposition>;
  flush?(): Promise<void>;
}
