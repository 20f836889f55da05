import { CounterError, isCounterError } from "../errors.js";
import { jsonResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

/** `GET /healthz`: the process serves. */
export function health() {
  return jsonResponse(200, '{"status":"ok"}');
}

/** `GET /readyz`: the storage answers (any failure is answered 503, with its code). */
export async function readiness({ storage }: HandlerContext) {
  try {
    await storage.ready();
  } catch (error) {
    if (isCounterError(error)) throw error;
    throw new CounterError("STORAGE_UNAVAILABLE", "The storage is not ready.", { cause: error });
  }
  return jsonResponse(200, '{"status":"ready"}');
}
