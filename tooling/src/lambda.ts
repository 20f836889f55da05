import type { Harness } from "@cell-counter/testkit";
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";

/** The HTTP front doors of Lambda, each sending its own event shape. */
export const LAMBDA_SOURCES = [
  "rest-api",
  "http-api",
  "http-api-stage",
  "function-url",
  "alb",
  "alb-multi-value",
] as const;
export type LambdaSource = (typeof LAMBDA_SOURCES)[number];

type AnyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;
// biome-ignore lint/suspicious/noExplicitAny: each source's handler takes its own event type
type AnyHandler = (event: any) => Promise<any>;

const TIME = { time: "25/Nov/2026:10:00:00 +0000", timeEpoch: 1795600000000 };

/** The event `source` sends for a fetch-style request, with the fields of AWS's sample events. */
export async function requestToEvent(
  path: string,
  init: RequestInit = {},
  source: LambdaSource = "http-api",
): Promise<AnyEvent> {
  const url = new URL(`https://example.test${path}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of new Headers(init.headers)) headers[name] = value;
  const bytes = init.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
  if (bytes) headers["content-length"] = String(bytes.length);
  const body = bytes ? bytes.toString("base64") : null;
  const method = init.method ?? "GET";
  const query = Object.fromEntries(url.searchParams);
  const multiQuery = Object.fromEntries([...url.searchParams.keys()].map((key) => [key, url.searchParams.getAll(key)]));
  switch (source) {
    case "rest-api": {
      // REST APIs keep the case of header names as sent.
      const sent = Object.entries({ Host: "abc123.execute-api.eu-west-1.amazonaws.com", ...headers }).map(
        ([name, value]) => [name.replace(/^./, (c) => c.toUpperCase()), value] as const,
      );
      return {
        resource: "/{proxy+}",
        path: url.pathname,
        httpMethod: method,
        headers: Object.fromEntries(sent),
        multiValueHeaders: Object.fromEntries(sent.map(([name, value]) => [name, [value]])),
        queryStringParameters: url.search ? query : null,
        multiValueQueryStringParameters: url.search ? multiQuery : null,
        pathParameters: { proxy: url.pathname.slice(1) },
        stageVariables: null,
        requestContext: {
          accountId: "123456789012",
          apiId: "abc123",
          authorizer: null,
          domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
          domainPrefix: "abc123",
          extendedRequestId: "request-id",
          httpMethod: method,
          identity: {
            sourceIp: "127.0.0.1",
            userAgent: "curl/8.5.0",
          } as APIGatewayProxyEvent["requestContext"]["identity"],
          path: `/prod${url.pathname}`,
          protocol: "HTTP/1.1",
          requestId: "request-id",
          requestTime: TIME.time,
          requestTimeEpoch: TIME.timeEpoch,
          resourceId: "abc123",
          resourcePath: "/{proxy+}",
          stage: "prod",
        },
        body,
        isBase64Encoded: Boolean(bytes),
      } as APIGatewayProxyEvent;
    }
    case "alb":
    case "alb-multi-value": {
      const multi = source === "alb-multi-value";
      return {
        requestContext: {
          elb: {
            targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/cells/0123456789abcdef",
          },
        },
        httpMethod: method,
        path: url.pathname,
        ...(multi
          ? {
              multiValueQueryStringParameters: multiQuery,
              multiValueHeaders: Object.fromEntries(
                Object.entries({ host: "cells.example.test", ...headers }).map(([name, value]) => [name, [value]]),
              ),
            }
          : { queryStringParameters: query, headers: { host: "cells.example.test", ...headers } }),
        body: body ?? "",
        isBase64Encoded: Boolean(bytes),
      } as ALBEvent;
    }
    default: {
      const stage = source === "http-api-stage" ? "prod" : "$default";
      const rawPath = stage === "prod" ? `/prod${url.pathname}` : url.pathname;
      const domainName =
        source === "function-url" ? "abc123.lambda-url.eu-west-1.on.aws" : "abc123.execute-api.eu-west-1.amazonaws.com";
      return {
        version: "2.0",
        routeKey: "$default",
        rawPath,
        rawQueryString: url.search.slice(1),
        headers: { host: domainName, ...headers },
        ...(url.search && { queryStringParameters: query }),
        requestContext: {
          accountId: "123456789012",
          apiId: "abc123",
          domainName,
          domainPrefix: "abc123",
          http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "curl/8.5.0" },
          requestId: "request-id",
          routeKey: "$default",
          stage,
          ...TIME,
        },
        ...(body !== null && { body }),
        isBase64Encoded: Boolean(bytes),
      } as APIGatewayProxyEventV2;
    }
  }
}

/**
 * Runs the Lambda handler for each request, the way `source` would, and checks the answer has the
 * shape that source needs (an ALB with multi-value headers answers 502 to anything else).
 */
export function invokeAsFetch(handler: AnyHandler, source: LambdaSource = "http-api"): Harness {
  return {
    fetch: async (path, init) => {
      const result = await handler(await requestToEvent(path, init, source));
      if (source.startsWith("alb") && !/^\d{3} /.test(result.statusDescription ?? "")) {
        throw new Error(`an ALB needs a statusDescription: ${JSON.stringify(result)}`);
      }
      if (source === "alb-multi-value" && (!result.multiValueHeaders || result.headers)) {
        throw new Error(`an ALB with multi-value headers needs multiValueHeaders only: ${JSON.stringify(result)}`);
      }
      const headers = result.multiValueHeaders
        ? Object.fromEntries(
            Object.entries(result.multiValueHeaders as Record<string, string[]>).map(([name, values]) => [
              name,
              values.join(", "),
            ]),
          )
        : (result.headers as Record<string, string>);
      return new Response(result.body ?? null, {
        status: result.statusCode ?? 200,
        headers,
      });
    },
    close: async () => {},
  };
}
