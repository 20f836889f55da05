import type { ALBEvent, ALBResult } from "aws-lambda";
import { bodyOf, type EventSource, headersOf, isObject, multiValued, queryOf, statusLine } from "./shared.js";

/**
 * Application Load Balancer. A target group with multi-value headers sends `multiValueHeaders`
 * and must be answered with them (the ALB answers 502 otherwise).
 */
export const alb: EventSource<ALBEvent, ALBResult> = {
  name: "Application Load Balancer",
  matches: (event): event is ALBEvent =>
    isObject(event) && isObject(event.requestContext) && "elb" in event.requestContext,
  toRequest(event) {
    if (typeof event.httpMethod !== "string" || typeof event.path !== "string" || !event.path.startsWith("/")) {
      return undefined;
    }
    return {
      method: event.httpMethod,
      url: `${event.path}${queryOf(event.queryStringParameters, event.multiValueQueryStringParameters)}`,
      headers: headersOf(event.headers, event.multiValueHeaders),
      body: bodyOf(event.body, event.isBase64Encoded),
    };
  },
  toResult({ status, headers, body }, event) {
    const answer = { statusCode: status, statusDescription: statusLine(status), body, isBase64Encoded: false };
    return event.multiValueHeaders ? { ...answer, multiValueHeaders: multiValued(headers) } : { ...answer, headers };
  },
};
