import { textResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

const EMPTY_EXPOSITION = { contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" };

/** `GET /metrics`: the metrics port's exposition, empty for push-style ports. */
export async function exposeMetrics({ metrics }: HandlerContext) {
  const { contentType, body } = metrics.expose ? await metrics.expose() : EMPTY_EXPOSITION;
  return textResponse(200, contentType, body);
}
