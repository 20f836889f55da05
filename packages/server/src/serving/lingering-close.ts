import type { Socket } from "node:net";

/** How long, and how many bytes, a connection ended by the server is still read (and dropped). */
export const LINGER = { ms: 2_000, bytes: 1024 * 1024 } as const;

const lingering = Symbol("lingering");

type LingeringSocket = Socket & { [lingering]?: true };

/** Whether `endAfterAnswer` is closing this connection: what arrives on it now is dropped. */
export function isLingering(socket: Socket): boolean {
  return (socket as LingeringSocket)[lingering] === true;
}

/**
 * Ends a connection after a last answer so that the client reads it (RFC 9112 §9.6, nginx's
 * lingering close): the answer and the end of the sending half go out, and what the client still
 * sends is read and dropped until it closes its side, for at most `LINGER.ms` and `LINGER.bytes`.
 * Closed at once with bytes still unread, the connection would be reset by the kernel, and the reset
 * can reach the client before the answer does.
 */
export function endAfterAnswer(socket: Socket, answer: string, linger: typeof LINGER = LINGER): void {
  if (isLingering(socket)) return;
  (socket as LingeringSocket)[lingering] = true;
  const readBefore = socket.bytesRead;
  const close = () => socket.destroy();
  const timer = setTimeout(close, linger.ms);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.once("end", close);
  socket.on("data", () => {
    if (socket.bytesRead - readBefore > linger.bytes) close();
  });
  socket.end(answer);
  socket.resume();
}
