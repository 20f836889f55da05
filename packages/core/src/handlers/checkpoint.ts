import { jsonResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

/** `POST /checkpoint`: saves the current value. */
export async function checkpoint({ storage, metrics }: HandlerContext) {
  const counter = await storage.checkpoint();
  metrics.succeeded("checkpoint", counter);
  return jsonResponse(200, `{"counter":${counter},"status":"checkpoint saved"}`);
}
