import type { IncomingMessage, ServerResponse } from "node:http";
import { type CoreRequest, type CoreResponse, createConnectionQueue, hasBody, type Service } from "@cell-counter/core";

/**
 * A `node:http` request listener that answers with the service: attach it to any server. Requests
 * pipelined on one connection are processed one after another, in the order they arrived.
 */
export function createNodeListener(service: Service): (request: IncomingMessage, response: ServerResponse) => void {
  const inOrder = createConnectionQueue<object>();
  return (request, response) => {
    inOrder(
      request.socket,
      () => service.handle(incomingMessageToRequest(request)),
      (answer) => writeResponse(response, answer),
    );
  };
}

export function incomingMessageToRequest(request: IncomingMessage): CoreRequest {
  const { headers } = request;
  return { method: request.method ?? "GET", url: request.url ?? "/", headers, body: hasBody(headers) ? request : null };
}

export function writeResponse(response: ServerResponse, answer: CoreResponse): void {
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}
