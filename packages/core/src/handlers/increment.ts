import type { MaybePromise } from "../ports/storage.js";
import { type CoreResponse, jsonResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

/** `GET /`: adds one, answers `{"counter":N}` with N after the increment. */
export function increment({ storage }: HandlerContext): MaybePromise<CoreResponse> {
  const counter = storage.increment();
  return typeof counter === "bigint" ? answer(counter) : counter.then(answer);
}

function answer(counter: bigint): CoreResponse {
  return jsonResponse(200, `{"counter":${counter}}`);
}
