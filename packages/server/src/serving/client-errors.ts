import { type Server, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { CoreResponse, Service } from "@cell-counter/core";
import { answersInProgress } from "./connection-sweep.js";
import { endAfterAnswer, isLingering } from "./lingering-close.js";

/**
 * Requests node's parser refuses (400, 431) and requests not complete in time (408) get the
 * contract's JSON error through `service.malformed`, counted there, and the connection ends after
 * the answer, read by the client (`endAfterAnswer`).
 */
export function answerClientErrors(server: Server, service: Service): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // What arrives on a connection being closed is dropped: the parser refuses it again and again.
    if (isLingering(socket)) return;
    // Answer only between answers: after a keep-alive connection's last answer, not inside one
    // still being written (pipelined requests), which the raw answer would cut in two.
    if (!socket.writable || answersInProgress(socket) > 0 || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    endAfterAnswer(socket, rawResponse(answerTo(error, service)));
  });
}

function answerTo(error: NodeJS.ErrnoException, service: Service): CoreResponse {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return service.malformed("REQUEST_TIMEOUT", "The request did not arrive in time.");
    case "HPE_HEADER_OVERFLOW":
      return service.malformed("HEADERS_TOO_LARGE", "The request's headers are larger than the server accepts.");
    default:
      return service.malformed("BAD_REQUEST", "The request is not valid HTTP/1.1.");
  }
}

function rawResponse({ status, headers, body }: CoreResponse): string {
  const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${fields.join("")}connection: close\r\n\r\n${body}`;
}
