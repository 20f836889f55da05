import type { Service } from "@cell-counter/core";
import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import { alb } from "./sources/alb.js";
import { httpApi } from "./sources/http-api.js";
import { restApi } from "./sources/rest-api.js";
import { type EventSource, isObject } from "./sources/shared.js";

export interface LambdaHandlerOptions {
  /**
   * Execution environments come and go, each with its own memory and disk: a `file` or `memory`
   * storage would count apart in each. They are refused unless this is a test.
   */
  allowLocalStorage?: boolean;
}

/** Every HTTP front door of Lambda. */
export type LambdaEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;
export type LambdaResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult;
export type LambdaHandler = (event: LambdaEvent) => Promise<LambdaResult>;

/** Which source sent an event is decided by its shape, in this order. */
const SOURCES = [alb, httpApi, restApi] as EventSource<LambdaEvent, LambdaResult>[];

const LOCAL_STORAGES = new Set(["file", "memory"]);

/** An event no HTTP source sends; the invocation fails, so that its source retries or dead-letters it. */
export class NotAnHttpEventError extends Error {
  override readonly name = "NotAnHttpEventError";
}

/**
 * A Lambda handler for API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0, any stage),
 * function URLs and Application Load Balancers, each answered in the shape it needs. Any other
 * event (an SQS batch wired here by mistake) fails the invocation with an error naming it. The
 * service's metrics are flushed after every invocation, in a `finally`.
 */
export function createLambdaHandler(service: Service, options: LambdaHandlerOptions = {}): LambdaHandler {
  if (LOCAL_STORAGES.has(service.storage.kind) && !options.allowLocalStorage) {
    throw new Error(
      `cell-counter: the ${service.storage.kind} storage would keep one counter per Lambda execution environment; ` +
        "use a shared storage (Redis, DynamoDB), or pass { allowLocalStorage: true } in tests.",
    );
  }
  return async (event) => {
    const source = SOURCES.find((candidate) => candidate.matches(event));
    if (!source) {
      throw new NotAnHttpEventError(
        `cell-counter answers HTTP events (API Gateway REST and HTTP APIs, function URLs, ALB); it received ${describe(event)}.`,
      );
    }
    try {
      const request = source.toRequest(event);
      const response = request
        ? await service.handle(request)
        : service.malformed("BAD_REQUEST", `The event has the shape of a ${source.name} event, but no method or path.`);
      return source.toResult(response, event);
    } finally {
      await service.metrics.flush?.();
    }
  };
}

/** A few words on what an event is: its source and size, or its keys. */
function describe(event: unknown): string {
  if (!isObject(event)) return `${event === null ? "null" : typeof event}`;
  const records = event.Records;
  if (Array.isArray(records) && isObject(records[0])) {
    const kind = records[0].eventSource ?? records[0].EventSource ?? "an unknown source";
    return `an event of ${String(kind)} with ${records.length} record${records.length === 1 ? "" : "s"}`;
  }
  if (typeof event.source === "string" && "detail-type" in event) {
    return `an EventBridge event from ${event.source} (${String(event["detail-type"])})`;
  }
  const keys = Object.keys(event);
  return keys.length
    ? `an event with the keys ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? "…" : ""}`
    : "an empty object";
}

export type { EventSource } from "./sources/shared.js";
export { alb, httpApi, restApi };
