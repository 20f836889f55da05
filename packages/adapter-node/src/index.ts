import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreRequest, CoreResponse, Service } from "@cell-counter/core";

/** A `node:http` request listener that answers with the service: attach it to any server. */
export function createNodeListener(service: Service): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    service.handle(incomingMessageToRequest(request)).then(
      (answer) => writeResponse(response, answer),
      () => response.destroy(),
    );
  };
}

export function incomingMessageToRequest(request: IncomingMessage): CoreRequest {
  const { headers } = request;
  const hasBody =
    headers["transfer-encoding"] !== undefined ||
    (headers["content-length"] !== undefined && headers["content-length"] !== "0");
  return { method: request.method ?? "GET", url: request.url ?? "/", headers, body: hasBody ? request : null };
}

/** Writes the answer in one `end`, which lets node set `content-length`. */
export function writeResponse(response: ServerResponse, answer: CoreResponse): void {
  response.statusCode = answer.status;
  for (const name in answer.headers) response.setHeader(name, answer.headers[name] as string);
  response.end(answer.body);
}
