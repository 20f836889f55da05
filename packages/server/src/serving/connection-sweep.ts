import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { ServerTimeouts } from "./timeouts.js";

/** On a connection: how many of its answers are being made or written (pipelined requests queue). */
const answering = Symbol("answering");

type WatchedSocket = Socket & { [answering]?: number };

/** A request's answer is being made on this connection: it is not idle. */
export function answerBegun(socket: Socket): void {
  const watched = socket as WatchedSocket;
  watched[answering] = (watched[answering] ?? 0) + 1;
}

/** How many answers are being made on this connection now (0 between requests, undefined before the first). */
export function answersInProgress(socket: Socket): number {
  return (socket as WatchedSocket)[answering] ?? 0;
}

/** That answer is written. */
export function answerEnded(socket: Socket): void {
  (socket as WatchedSocket)[answering] = ((socket as WatchedSocket)[answering] ?? 1) - 1;
}

/**
 * Closes, with one timer for the whole server: the keep-alive connections that have been idle for
 * `keepAliveTimeoutMs` (every answer ended, no byte since), as node's keep-alive timeout would;
 * and the connections that have neither received nor sent a byte for `socketTimeoutMs` (a client
 * that stopped reading its answers, a peer gone without a word), as `server.setTimeout` would.
 * Node does both by re-arming a timer on the socket around every request. 0 turns either off.
 */
export function sweepConnections(server: Server, timeouts: ServerTimeouts): void {
  const { keepAliveTimeoutMs: idleMs, socketTimeoutMs: stalledMs } = timeouts;
  const seen = new Map<WatchedSocket, { read: number; written: number; since: number }>();
  server.on("connection", (socket: WatchedSocket) => {
    seen.set(socket, { read: 0, written: 0, since: performance.now() });
    socket.once("close", () => seen.delete(socket));
  });
  const shortest = Math.min(...[idleMs, stalledMs].filter((ms) => ms > 0));
  if (shortest === Number.POSITIVE_INFINITY) return;
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const [socket, last] of seen) {
        const { bytesRead: read, bytesWritten: written } = socket;
        if (read !== last.read || written !== last.written) {
          last.read = read;
          last.written = written;
          last.since = now;
          continue;
        }
        const quiet = now - last.since;
        const stalled = stalledMs > 0 && quiet >= stalledMs;
        const idle = idleMs > 0 && quiet >= idleMs && socket[answering] === 0;
        if (stalled || idle) socket.destroy();
      }
    },
    Math.max(10, shortest / 4),
  );
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
}
