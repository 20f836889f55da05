import { jsonResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

/** `POST /restore`: sets the counter to the saved value. */
export async function restore({ storage, metrics }: HandlerContext) {
  const counter = await storage.restore();
  metrics.succeeded("restore", counter);
  return jsonResponse(200, `{"counter":${counter},"status":"restored"}`);
}
