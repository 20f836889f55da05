import { type CoreRequest, type CoreResponse, type Service, toByteString } from "@cell-counter/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export interface LambdaHandlerOptions {
  /**
   * Execution environments come and go, each with its own memory and disk: a `file` or `memory`
   * storage would count apart in each. They are refused unless this is a test.
   */
  allowLocalStorage?: boolean;
}

export type LambdaHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const LOCAL_STORAGES = new Set(["file", "memory"]);

/**
 * A Lambda handler for API Gateway HTTP API (payload 2.0) and function URL events. The service's
 * metrics are flushed after every invocation, in a `finally`.
 */
export function createLambdaHandler(service: Service, options: LambdaHandlerOptions = {}): LambdaHandler {
  if (LOCAL_STORAGES.has(service.storage.kind) && !options.allowLocalStorage) {
    throw new Error(
      `cell-counter: the ${service.storage.kind} storage would keep one counter per Lambda execution environment; ` +
        "use a shared storage (Redis), or pass { allowLocalStorage: true } in tests.",
    );
  }
  return async (event) => {
    try {
      const request = eventToRequest(event);
      return responseToResult(request ? await service.handle(request) : service.malformed("BAD_REQUEST", MALFORMED));
    } finally {
      await service.metrics.flush?.();
    }
  };
}

const MALFORMED = "The event is not an API Gateway HTTP API (payload 2.0) or function URL event.";

/** The request of a payload 2.0 event, or `undefined` when the event is not one. */
export function eventToRequest(event: APIGatewayProxyEventV2): CoreRequest | undefined {
  const method = event?.requestContext?.http?.method;
  const path = event?.rawPath;
  if (typeof method !== "string" || typeof path !== "string" || !path.startsWith("/")) return undefined;
  // Lambda hands over header values decoded as UTF-8 text; HTTP carries bytes.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name] = toByteString(value);
  }
  const body =
    typeof event.body === "string" && event.body !== ""
      ? [new Uint8Array(Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8"))]
      : null;
  return {
    method,
    url: event.rawQueryString ? `${path}?${event.rawQueryString}` : path,
    headers,
    body: body && toAsyncIterable(body),
  };
}

export function responseToResult({ status, headers, body }: CoreResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers, body, isBase64Encoded: false };
}

async function* toAsyncIterable(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}
