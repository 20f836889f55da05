import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { bodyOf, type EventSource, headersOf, isObject } from "./shared.js";

/**
 * API Gateway HTTP API (payload 2.0) and function URLs. On a named stage the stage stands in front
 * of the path (`/prod/checkpoint`): it is removed before routing; `$default` has none.
 */
export const httpApi: EventSource<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  name: "HTTP API (payload 2.0) or function URL",
  matches: (event): event is APIGatewayProxyEventV2 =>
    isObject(event) && event.version === "2.0" && isObject(event.requestContext),
  toRequest(event) {
    const method = event.requestContext?.http?.method;
    const rawPath = event.rawPath;
    if (typeof method !== "string" || typeof rawPath !== "string" || !rawPath.startsWith("/")) return undefined;
    const stage = event.requestContext.stage;
    let path = rawPath;
    if (stage && stage !== "$default" && (rawPath === `/${stage}` || rawPath.startsWith(`/${stage}/`))) {
      path = rawPath.slice(stage.length + 1) || "/";
    }
    const headers = headersOf(event.headers);
    if (event.cookies?.length) headers.cookie = event.cookies.join("; ");
    return {
      method,
      url: event.rawQueryString ? `${path}?${event.rawQueryString}` : path,
      headers,
      body: bodyOf(event.body, event.isBase64Encoded),
    };
  },
  toResult: ({ status, headers, body }) => ({ statusCode: status, headers, body, isBase64Encoded: false }),
};
