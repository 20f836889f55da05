import assert from "node:assert/strict";
import { Agent as HttpAgent, type RequestListener, type RequestOptions, request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { createNodeListener } from "@cell-counter/adapter-node";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createTimedServer, listen } from "./serve.js";
import { LINGER } from "./serving/lingering-close.js";

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

describe("answers that end a connection reach the client: half-close, drain, then close (never a reset)", () => {
  let server: Server;
  let port = 0;
  let metrics: ReturnType<typeof createPrometheusMetrics>;
  before(async () => {
    metrics = createPrometheusMetrics({ environment: "test", adapter: "node", version: "0", processMetrics: false });
    const service = createService({ storage: createMemoryStorage(), metrics });
    server = createTimedServer(createNodeListener(service), service, {
      headersTimeoutMs: 600,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      socketTimeoutMs: 60_000,
    });
    ({ port } = await listen(server, 0, "127.0.0.1"));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** node's own client: the answer, or the error it reports instead. */
  const ask = (options: RequestOptions, body?: string) =>
    new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      const req = request({ host: "127.0.0.1", port, agent: false, ...options }, (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      req.end(body);
    });

  it("node's http.request sending an unknown method gets the 400 JSON answer, every time (never ECONNRESET)", async () => {
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(await ask({ method: "FOO", path: "/" }, "x".repeat(64 * 1024)), {
        status: 400,
        body: '{"status":"bad request","error":"The request is not valid HTTP/1.1.","code":"BAD_REQUEST"}',
      });
    }
  });

  it("an oversized header gets 431 HEADERS_TOO_LARGE, read whole by node's client", async () => {
    const answer = await ask({ method: "GET", path: "/", headers: { "x-big": "x".repeat(20_000) } });
    assert.equal("status" in answer && answer.status, 431, JSON.stringify(answer));
    assert.match((answer as { body: string }).body, /"code":"HEADERS_TOO_LARGE"/);
  });

  /** A raw connection whose client, like an HTTP client still sending its body, keeps writing after the server's FIN. */
  const halfOpen = (onConnect: (socket: Socket) => void) =>
    new Promise<{ answer: string; error: string; closedMs: number }>((resolve) => {
      const started = performance.now();
      let answer = "";
      let error = "";
      const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => onConnect(socket));
      socket.setEncoding("utf8").on("data", (chunk: string) => {
        answer += chunk;
      });
      socket.on("error", (cause: NodeJS.ErrnoException) => {
        error = cause.code ?? cause.message;
      });
      socket.on("close", () => resolve({ answer, error, closedMs: performance.now() - started }));
    });

  it("a malformed request line, the client still sending after the answer: the server reads and drops it, and closes only once the client is done", async () => {
    const { answer, error, closedMs } = await halfOpen((socket) => {
      socket.write(`GET /a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n`);
      // The rest of the request goes on arriving after the answer; closing now would reset it.
      socket.once("data", async () => {
        for (let i = 0; i < 10; i++) {
          socket.write("y".repeat(16 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 20)); // a client sending slowly
        }
        socket.end();
      });
    });
    assert.equal(error, "", "no reset, no broken pipe");
    assert.match(
      answer,
      /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close\r\n\r\n\{"status":"bad request",.*"code":"BAD_REQUEST"\}$/,
    );
    assert.ok(closedMs >= 200, `closed after ${closedMs.toFixed(0)} ms, once the client had sent everything`);
  });

  it("a client that never stops sending after the answer is cut after the linger's bound on bytes, well before its bound on time", async () => {
    const { answer, closedMs } = await halfOpen((socket) => {
      socket.write(`FOO / HTTP/1.1\r\nHost: x\r\n\r\n`);
      const flood = () => {
        while (!socket.destroyed && socket.write("z".repeat(64 * 1024)));
        if (!socket.destroyed) socket.once("drain", flood);
      };
      flood();
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(closedMs < LINGER.ms, `cut after ${closedMs.toFixed(0)} ms`);
  });

  it("headers not complete in time: 408 REQUEST_TIMEOUT as a JSON answer of the contract, counted as unmatched", async () => {
    const started = performance.now();
    const { answer } = await openConnection(port, (socket) => socket.write("GET / HTTP/1.1\r\nHost: late\r\n"));
    const elapsed = performance.now() - started;
    assert.match(
      answer,
      /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*content-type: application\/json\r\n[\s\S]*\r\n\r\n\{"status":"request timeout","error":"The request did not arrive in time\.","code":"REQUEST_TIMEOUT"\}$/,
    );
    assert.ok(elapsed >= 600, `answered after ${elapsed.toFixed(0)} ms, not before the headers' timeout`);
    const exposition = (await metrics.expose()).body;
    assert.match(
      exposition,
      /http_requests_total\{method="other",endpoint="unmatched",http_status="408",environment="test"\} 1/,
    );
    assert.match(exposition, /http_errors_total\{endpoint="unmatched",environment="test"\} [1-9]/);
  });

  it("a hostile scan of 3,000 random requests over keep-alive loses no answer", async () => {
    const seed = Number(process.env.SCAN_SEED ?? Date.now() % 100_000);
    let state = seed;
    const random = (n: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const methods = ["GET", "POST", "FOO", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "BREW", "M-SEARCH"];
    const paths = [
      "/",
      "/checkpoint",
      "/restore",
      "/metrics",
      "/healthz",
      "/readyz",
      "/%61",
      "/x/../checkpoint",
      "/nope",
    ];
    const hosts = ["a", "b.example", "[::1]", ""];
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
    const lost: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 375; i++) {
            const method = methods[random(methods.length)] as string;
            const path = paths[random(paths.length)] as string;
            const headers = { host: hosts[random(hosts.length)] as string };
            const answer = await ask({ method, path, headers, agent } as RequestOptions);
            if ("error" in answer) lost.push(`${method} ${path} (host ${headers.host}): ${answer.error}`);
          }
        }),
      );
    } finally {
      agent.destroy();
    }
    assert.deepEqual(lost.slice(0, 5), [], `seed ${seed} (SCAN_SEED=${seed} repeats it): ${lost.length} answers lost`);
  });
});
