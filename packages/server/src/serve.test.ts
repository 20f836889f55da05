import assert from "node:assert/strict";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createTimedServer, listen } from "./serve.js";

const SOCKET_TIMEOUT_MS = 400;

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

  /** Opens a connection; resolves with how long it stayed open once the server closes it. */
  function open(onConnect: (socket: Socket) => void): Promise<{ lifetimeMs: number; received: number }> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      let received = 0;
      const socket = connect(port, "127.0.0.1", () => onConnect(socket));
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.on("error", reject);
      socket.on("close", () => resolve({ lifetimeMs: performance.now() - started, received }));
      setTimeout(() => socket.destroy(new Error("the server kept the connection for 5 s")), 5_000).unref();
    });
  }

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
    const { lifetimeMs, received } = await open(() => {});
    assert.equal(received, 0);
    assert.ok(lifetimeMs >= SOCKET_TIMEOUT_MS && lifetimeMs < SOCKET_TIMEOUT_MS * 3, `${lifetimeMs.toFixed(0)} ms`);
  });

  it("a slow client that keeps making progress is not cut", async () => {
    let sent = 0;
    const { received } = await open((socket) => {
      // One byte of a request every tenth of the timeout: 3 timeouts long in all.
      const bytes = "GET /healthz HTTP/1.1\r\nHost: slow\r\nConnection: close\r\n\r\n";
      const drip = setInterval(() => {
        socket.write(bytes[sent] as string);
        sent++;
        if (sent === bytes.length) clearInterval(drip);
      }, SOCKET_TIMEOUT_MS / 10);
    });
    assert.ok(received > 0, "the slow request was answered");
  });
});
