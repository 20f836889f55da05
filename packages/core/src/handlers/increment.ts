import { jsonResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

/** `GET /`: adds one, answers `{"counter":N}` with N after the increment. */
export async function increment({ storage }: HandlerContext) {
  const counter = await storage.increment();
  return jsonResponse(200, `{"counter":${counter}}`);
}
