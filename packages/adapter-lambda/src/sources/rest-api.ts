import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { bodyOf, type EventSource, headersOf, isObject, queryOf } from "./shared.js";

/** API Gateway REST API (payload 1.0): `path` is the resource path, without the stage. */
export const restApi: EventSource<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  name: "REST API (payload 1.0)",
  matches: (event): event is APIGatewayProxyEvent =>
    isObject(event) &&
    typeof event.httpMethod === "string" &&
    isObject(event.requestContext) &&
    !("elb" in event.requestContext),
  toRequest(event) {
    if (typeof event.path !== "string" || !event.path.startsWith("/")) return undefined;
    return {
      method: event.httpMethod,
      url: `${event.path}${queryOf(event.queryStringParameters, event.multiValueQueryStringParameters)}`,
      headers: headersOf(event.headers, event.multiValueHeaders),
      body: bodyOf(event.body, event.isBase64Encoded),
    };
  },
  toResult: ({ status, headers, body }) => ({ statusCode: status, headers, body, isBase64Encoded: false }),
};
