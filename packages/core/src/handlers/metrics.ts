import { textResponse } from "../response.js";
import type { HandlerContext } from "./context.js";

const NO_EXPOSITION = { contentType: "text/plain; charset=utf-8", body: "" };

/** `GET /metrics`: the metrics port's exposition; an empty text for push-style ports. */
export async function exposeMetrics({ metrics, accept }: HandlerContext) {
  const { contentType, body } = metrics.expose ? await metrics.expose(accept) : NO_EXPOSITION;
  return textResponse(200, contentType, body);
}
