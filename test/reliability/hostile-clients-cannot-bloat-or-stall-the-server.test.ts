import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseExposition, sampleValue } from "@cell-counter/testkit";
import { call, killCommands, type Running, startCommand } from "@cell-counter/tooling";
import { BUNDLE, waitFor } from "../support.js";

const RANDOM_REQUESTS = 100_000;
const SLOW_CONNECTIONS = 500;
const METHODS = [
  "GET",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "HEAD",
  "PROPFIND",
  "MKCOL",
  "PURGE",
  "SEARCH",
  "LOCK",
];

let server: Running;
let scratch = "";
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-hostile-"));
  server = await startCommand(
    [BUNDLE],
    { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: join(scratch, "checkpoint.json") },
    scratch,
  );
});
after(async () => {
  killCommands();
  await rm(scratch, { recursive: true, force: true });
});

const address = () => new URL(server.url);

async function scrape() {
  return parseExposition(await (await fetch(`${server.url}/metrics`)).text());
}

/** The request series: everything but the process metrics, which grow by themselves (GC kinds…). */
const requestSeries = async () =>
  (await scrape())
    .filter((sample) => !sample.name.startsWith("process_") && !sample.name.startsWith("nodejs_"))
    .map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`);

function randomPath(): string {
  return `/${Math.random().toString(36).slice(2)}/${Math.random().toString(36).slice(2, 6)}?${Math.random()}`;
}

/** `amount` requests on random paths with random methods, 50 at a time over keep-alive sockets. */
async function randomLoad(amount: number): Promise<{ total: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  let sent = 0;
  let errors = 0;
  const one = () =>
    call(agent, server.url, METHODS[Math.floor(Math.random() * METHODS.length)] as string, randomPath()).catch(() => {
      errors++;
    });
  const worker = async () => {
    while (sent < amount) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  agent.destroy();
  return { total: sent, errors };
}

/** Sends raw bytes and returns what the server answered before closing (or 2 s). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(address().port), address().hostname);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.setTimeout(2_000, () => socket.destroy());
    socket.write(bytes);
  });
}

async function timedGet(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}/healthz`);
  await response.text();
  assert.equal(response.status, 200);
  return performance.now() - started;
}

describe(`hostile clients (bounded: ${RANDOM_REQUESTS} requests, ${SLOW_CONNECTIONS} slow connections, about 20 s)`, () => {
  it(`${RANDOM_REQUESTS} requests on random paths and methods add no series and no label value outside the fixed sets`, async () => {
    await randomLoad(2_000);
    const before = await requestSeries();
    const result = await randomLoad(RANDOM_REQUESTS);
    assert.equal(result.errors, 0);
    assert.equal(result.total, RANDOM_REQUESTS);
    const afterwards = await requestSeries();
    assert.deepEqual(
      afterwards.filter((key) => !before.includes(key)),
      [],
      "no new series",
    );
    assert.equal(afterwards.length, before.length);
    const samples = await scrape();
    const methods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other"]);
    for (const sample of samples.filter((s) => s.name === "http_requests_total")) {
      assert.ok(methods.has(sample.labels.method as string), sample.labels.method);
      assert.ok(
        ["/", "/checkpoint", "/restore", "/metrics", "/healthz", "/readyz", "unmatched"].includes(
          sample.labels.endpoint as string,
        ),
      );
    }
    assert.ok(
      sampleValue(samples, "http_requests_total", { method: "other", endpoint: "unmatched", http_status: "404" }) > 0,
    );
    console.log(`random requests: ${result.total}, series before ${before.length}, after ${afterwards.length}`);
  });

  it(`${SLOW_CONNECTIONS} slow-header connections do not delay a normal client, and are cut after the headers timeout`, async () => {
    const sockets: Socket[] = [];
    let closed = 0;
    await Promise.all(
      Array.from(
        { length: SLOW_CONNECTIONS },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(Number(address().port), address().hostname, () => {
              socket.write("GET / HTTP/1.1\r\nHost: slow\r\n");
              resolve();
            });
            socket.on("error", () => {});
            socket.on("close", () => closed++);
            socket.once("error", reject);
            sockets.push(socket);
          }),
      ),
    );
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write("X-Drip: 1\r\n");
    }, 1_000);
    try {
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) latencies.push(await timedGet());
      assert.ok(Math.max(...latencies) < 1_000, `normal client answered in ${Math.max(...latencies)} ms`);
      const started = Date.now();
      await waitFor(
        "the server to close every slow connection",
        async () => (closed === SLOW_CONNECTIONS ? true : undefined),
        20_000,
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `slow connections: ${SLOW_CONNECTIONS}, normal client max ${Math.max(...latencies).toFixed(1)} ms, all cut within ${seconds.toFixed(1)} s`,
      );
    } finally {
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    }
    await timedGet();
  });

  it("bodies over 64 KiB get 413 without the server buffering them (32 MiB declared, 32 MiB streamed)", async () => {
    // The peak resident memory of the server (VmHWM): a body held whole would raise it by its 32 MiB
    // at least; bodies read and dropped as they come only leave garbage, collected as it goes.
    const peak = async () =>
      Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${server.child.pid}/status`, "utf8"))?.[1]) * 1024;
    const before = await peak();
    const chunk = Buffer.alloc(64 * 1024, 120);
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        let answered = false;
        const req = request(
          { hostname: address().hostname, port: address().port, path: "/checkpoint", method: "POST", headers },
          (response) => {
            answered = true;
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        // Once the answer is in, the end of the upload may fail: the server need not read it all.
        req.on("error", (error) => {
          if (!answered) reject(error);
        });
        let sent = 0;
        const pump = () => {
          while (sent < 512) {
            sent++;
            if (!req.write(chunk)) return void req.once("drain", pump);
          }
          req.end();
        };
        pump();
      });
    assert.equal(await send({ "content-length": String(512 * chunk.length) }), 413);
    assert.equal(await send({ "transfer-encoding": "chunked" }), 413);
    const grown = (await peak()) - before;
    assert.ok(grown < 24 * 1024 * 1024, `peak RSS grew by ${grown} bytes`);
    console.log(`oversized bodies: 2 x 32 MiB answered 413, peak RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
    assert.equal((await fetch(`${server.url}/`)).status, 200);
  });

  it("malformed HTTP gets a 400 and the server goes on", async () => {
    for (const bytes of [
      "HELLO\r\n\r\n",
      "GET / HTTP/1.1\r\nHost a\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "\u0000\u0001\u0002binary\r\n\r\n",
    ]) {
      assert.match(await raw(bytes), /^HTTP\/1\.1 400 Bad Request/, JSON.stringify(bytes));
    }
    const huge = await raw(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.equal(server.child.exitCode, null, "still running");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });
});
