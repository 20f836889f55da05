import type { Harness } from "@cell-counter/testkit";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** A payload 2.0 event, as API Gateway or a function URL sends it for a fetch-style request. */
export async function requestToEvent(path: string, init: RequestInit = {}): Promise<APIGatewayProxyEventV2> {
  const url = new URL(`https://abc123.lambda-url.eu-west-1.on.aws${path}`);
  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of new Headers(init.headers)) headers[name] = value;
  const body = init.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
  if (body) headers["content-length"] = String(body.length);
  const method = init.method ?? "GET";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: url.host,
      domainPrefix: "abc123",
      http: { method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "id",
      routeKey: "$default",
      stage: "$default",
      time: "24/Nov/2026:10:00:00 +0000",
      timeEpoch: 1795500000000,
    },
    ...(body && { body: body.toString("base64"), isBase64Encoded: true }),
    isBase64Encoded: Boolean(body),
  };
}

/** Runs the Lambda handler for each request, the way API Gateway would. */
export function invokeAsFetch(
  handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
): Harness {
  return {
    fetch: async (path, init) => {
      const result = await handler(await requestToEvent(path, init));
      return new Response(result.body ?? null, {
        status: result.statusCode ?? 200,
        headers: result.headers as Record<string, string>,
      });
    },
    close: async () => {},
  };
}
