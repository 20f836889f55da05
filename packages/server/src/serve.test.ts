import assert from "node:assert/strict";
import type { RequestListener, Server } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createTimedServer, listen } from "./serve.js";

const SOCKET_TIMEOUT_MS = 400;

interface Connection {
  /** Everything the server sent. */
  answer: string;
  /** When its last byte arrived (NaN if none did), and when the server closed the connection. */
  answeredMs: number;
  closedMs: number;
}

/** Opens a connection to `port`; resolves once the server closes it (fails if it kept it for 5 s). */
function openConnection(port: number, onConnect: (socket: Socket) => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = "";
    let answeredMs = Number.NaN;
    const socket = connect(port, "127.0.0.1", () => onConnect(socket));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      answeredMs = performance.now() - started;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ answer, answeredMs, closedMs: performance.now() - started }));
    setTimeout(() => socket.destroy(new Error("the server kept the connection for 5 s")), 5_000).unref();
  });
}

describe(`connections that make no progress for the socket timeout (${SOCKET_TIMEOUT_MS} ms here) are closed`, () => {
  let server: Server;
  let port = 0;
  before(async () => {
    const metrics = createPrometheusMetrics({ environment: "test", adapter: "node", version: "0" });
    const service = createService({ storage: createMemoryStorage(), metrics });
    // The other timeouts far away: only the socket timeout can close these connections.
    server = createTimedServer(createNodeListener(service), service, {
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 60_000,
      socketTimeoutMs: SOCKET_TIMEOUT_MS,
    });
    ({ port } = await listen(server, 0, "127.0.0.1"));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connections = () =>
    new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  it("a client that sends requests and never reads the answers is cut, and the server goes on", async () => {
    const requests = "GET /metrics HTTP/1.1\r\nHost: stalled\r\n\r\n".repeat(2_000);
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.pause();
    socket.write(requests);
    try {
      // The answers fill both sides' buffers (a few seconds of scrapes), then nothing moves. The
      // client, paused, never sees the end: the server's side is watched.
      const started = performance.now();
      while ((await connections()) > 0 || performance.now() - started < 50) {
        assert.ok(performance.now() - started < 10_000, "the server kept the stalled connection for 10 s");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const lifetimeMs = performance.now() - started;
      assert.ok(lifetimeMs >= SOCKET_TIMEOUT_MS, `cut after ${lifetimeMs.toFixed(0)} ms`);
    } finally {
      socket.destroy();
    }
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(answer.status, 200);
  });

  it("a connection that sends nothing at all is cut", async () => {
    const { answer, closedMs } = await openConnection(port, () => {});
    assert.equal(answer, "");
    assert.ok(closedMs >= SOCKET_TIMEOUT_MS && closedMs < SOCKET_TIMEOUT_MS * 3, `${closedMs.toFixed(0)} ms`);
  });

  it("a slow client that keeps making progress is not cut", async () => {
    let sent = 0;
    const { answer } = await openConnection(port, (socket) => {
      // One byte of a request every tenth of the timeout: 3 timeouts long in all.
      const bytes = "GET /healthz HTTP/1.1\r\nHost: slow\r\nConnection: close\r\n\r\n";
      const drip = setInterval(() => {
        socket.write(bytes[sent] as string);
        sent++;
        if (sent === bytes.length) clearInterval(drip);
      }, SOCKET_TIMEOUT_MS / 10);
    });
    assert.ok(answer.length > 0, "the slow request was answered");
  });
});

const KEEP_ALIVE_TIMEOUT_MS = 1_000;

describe(`idle keep-alive connections are closed after the keep-alive timeout (${KEEP_ALIVE_TIMEOUT_MS} ms here)`, () => {
  let server: Server;
  let port = 0;
  before(async () => {
    const service = createService({ storage: createMemoryStorage() });
    // `/slow` answers after one and a half keep-alive timeouts; anything else at once.
    const listener: RequestListener = (request, response) => {
      const answer = () => {
        response.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
        response.end("ok");
      };
      if (request.url === "/slow") setTimeout(answer, KEEP_ALIVE_TIMEOUT_MS * 1.5);
      else answer();
    };
    server = createTimedServer(listener, service, {
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      socketTimeoutMs: 60_000,
    });
    ({ port } = await listen(server, 0, "127.0.0.1"));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `path` on a new connection. */
  const ask = (path: string) =>
    openConnection(port, (socket) => socket.write(`GET ${path} HTTP/1.1\r\nHost: idle\r\n\r\n`));

  it("after its answer, which tells the client how long the server keeps it (Keep-Alive: timeout)", async () => {
    const { answer, answeredMs, closedMs } = await ask("/");
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n/);
    const idleMs = closedMs - answeredMs;
    assert.ok(
      idleMs >= KEEP_ALIVE_TIMEOUT_MS && idleMs < KEEP_ALIVE_TIMEOUT_MS * 2,
      `closed after ${idleMs.toFixed(0)} ms`,
    );
  });

  it("not while an answer takes longer than the timeout", async () => {
    const { answer, answeredMs, closedMs } = await ask("/slow");
    assert.match(answer, /\r\n\r\nok$/, "the slow answer arrived");
    assert.ok(answeredMs >= KEEP_ALIVE_TIMEOUT_MS * 1.5, `answered after ${answeredMs.toFixed(0)} ms`);
    assert.ok(closedMs - answeredMs >= KEEP_ALIVE_TIMEOUT_MS, "then kept for the keep-alive timeout");
  });
});
