import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SETTINGS, type Setting } from "@cell-counter/server";
import { killCommands, runCommand, startCommand } from "@cell-counter/tooling";

/** Polls the command's output for a line containing `text`, at most 10 s. */
async function waitForLine(output: readonly string[], text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!output.some((line) => line.includes(text))) {
    assert.ok(Date.now() < deadline, `no line with "${text}" within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // polled for the condition
  }
}

/** A connection that sent half of a checkpoint's body and never sends the rest. */
async function stalledRequest(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const stalled = connect(Number(port), hostname);
  await new Promise((resolve) => stalled.once("connect", resolve));
  stalled.on("error", () => {});
  stalled.write("POST /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
  return stalled;
}

/**
 * The behaviour of a start entry (a built `bin`) as an operator sees it: environment, log line,
 * restore on start, readiness, token, invalid configuration, graceful shutdown.
 */
export function runStartEntryConformance(adapter: string, bin: string): void {
  const directories: string[] = [];
  after(async () => {
    killCommands();
    await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
  });

  async function scratch(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), "cell-counter-start-"));
    directories.push(directory);
    return directory;
  }

  const LOOPBACK = { HOST: "127.0.0.1", PORT: "0" };
  const run = (env: Record<string, string>, cwd: string) => runCommand([bin], { ...LOOPBACK, ...env }, cwd);
  const start = async (env: Record<string, string> = {}, cwd?: string) =>
    startCommand([bin], { ...LOOPBACK, ...env }, cwd ?? (await scratch()));

  describe(`start entry: ${adapter} adapter (built command)`, () => {
    it("starts with one log line naming URL, adapter, storage and environment, and serves curl's requests", async () => {
      const server = await start({ ENVIRONMENT: "staging" });
      assert.equal(server.output.length, 1, server.output.join("\n"));
      const line = JSON.parse(server.output[0] as string);
      assert.equal(line.level, "info");
      assert.match(
        line.msg,
        new RegExp(
          `^cell-counter listening on http://127\\.0\\.0\\.1:\\d+ \\(adapter ${adapter}, storage file, environment staging\\)$`,
        ),
      );
      assert.deepEqual([line.adapter, line.storage, line.environment], [adapter, "file", "staging"]);
      assert.ok(!Number.isNaN(Date.parse(line.time)), "an ISO time");
      assert.equal(await (await fetch(`${server.url}/`)).text(), '{"counter":1}');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^cell_counter\{environment="staging"\} 1$/m);
      assert.match(
        metrics,
        new RegExp(
          `^cell_counter_build_info\\{version="[^"]+",adapter="${adapter}",storage="file",environment="staging"\\} 1$`,
          "m",
        ),
      );
      server.child.kill("SIGTERM");
      assert.deepEqual(await server.exit, { code: 0, signal: null });
    });

    it("writes the checkpoint to ./data/checkpoint.json by default, and restores it on start when asked", async () => {
      const cwd = await scratch();
      const first = await start({}, cwd);
      for (let i = 0; i < 3; i++) await fetch(`${first.url}/`);
      assert.equal((await fetch(`${first.url}/checkpoint`, { method: "POST" })).status, 200);
      assert.equal(JSON.parse(await readFile(join(cwd, "data", "checkpoint.json"), "utf8")).counter, 3);
      first.child.kill("SIGTERM");
      await first.exit;

      const second = await start({ RESTORE_ON_START: "true" }, cwd);
      assert.equal(await (await fetch(`${second.url}/`)).text(), '{"counter":4}');
      second.child.kill("SIGINT");
      assert.deepEqual(await second.exit, { code: 0, signal: null });
    });

    it("restores a checkpoint file of the original service on start", async () => {
      const cwd = await scratch();
      await writeFile(join(cwd, "checkpoint.json"), '{"counter": 35}');
      const server = await start({ RESTORE_ON_START: "1", CHECKPOINT_PATH: join(cwd, "checkpoint.json") }, cwd);
      assert.ok(server.output.some((line) => line.includes("counter = 35")));
      assert.equal(await (await fetch(`${server.url}/`)).text(), '{"counter":36}');
    });

    it("starts on a corrupt checkpoint with RESTORE_ON_START, warns, and leaves the file alone", async () => {
      const cwd = await scratch();
      const path = join(cwd, "checkpoint.json");
      await writeFile(path, '{"counter": ');
      const server = await start({ RESTORE_ON_START: "true", CHECKPOINT_PATH: path }, cwd);
      assert.ok(
        server.output.some((line) => /"level":"warn".*checkpoint not restored/.test(line)),
        server.output.join("\n"),
      );
      assert.equal(await (await fetch(`${server.url}/`)).text(), '{"counter":1}');
      assert.equal(await readFile(path, "utf8"), '{"counter": ');
    });

    it("starts with an unwritable checkpoint directory, warns naming the path, and is not ready", async () => {
      const cwd = await scratch();
      await writeFile(join(cwd, "blocked"), "a file, not a directory");
      const path = join(cwd, "blocked", "checkpoint.json");
      const server = await start({ CHECKPOINT_PATH: path }, cwd);
      const warning = server.output.find((line) => line.includes('"level":"warn"'));
      assert.ok(warning?.includes(path), server.output.join("\n"));
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/`)).status, 200);
      await rm(join(cwd, "blocked"));
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200, "ready once the directory can be written");
    });

    it("protects checkpoint and restore with API_TOKEN", async () => {
      const server = await start({ API_TOKEN: "t0ken", STORAGE: "memory" });
      const denied = await fetch(`${server.url}/checkpoint`, { method: "POST" });
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get("www-authenticate"), 'Bearer realm="cell-counter"');
      const allowed = await fetch(`${server.url}/checkpoint`, {
        method: "POST",
        headers: { authorization: "Bearer t0ken" },
      });
      assert.equal(await allowed.text(), '{"counter":0,"status":"checkpoint saved"}');
    });

    for (const [name, value] of [
      ["PORT", "abc"],
      ["STORAGE", "tape"],
      ["RESTORE_ON_START", "perhaps"],
    ]) {
      it(`stops at start on ${name}=${value} with one line naming the variable, exit code 1`, async () => {
        const started = run({ [name as string]: value as string }, await scratch());
        const { code } = await started.exit;
        assert.equal(code, 1);
        assert.equal(started.output.length, 1, started.output.join("\n"));
        assert.match(
          started.output[0] as string,
          new RegExp(`^cell-counter: ${name}="${value}" is not valid: ${name} accepts`),
        );
      });
    }

    it("stops with one line and exit code 1 when the port is taken", async () => {
      const server = await start({ STORAGE: "memory" });
      const port = new URL(server.url).port;
      const second = run({ PORT: port }, await scratch());
      assert.equal((await second.exit).code, 1);
      assert.match(second.output.join("\n"), /cannot listen on 127\.0\.0\.1:\d+/);
    });

    it("on SIGTERM finishes the 20 requests in flight, then exits 0 within 10 s", async () => {
      const server = await start({ STORAGE: "memory" });
      const { hostname, port } = new URL(server.url);
      const IN_FLIGHT = 20;
      const slow = Array.from({ length: IN_FLIGHT }, (_, i) => {
        const req = request({
          hostname,
          port,
          path: i % 2 === 0 ? "/checkpoint" : "/restore",
          method: "POST",
          headers: { "content-length": "10" },
        });
        const answer = new Promise<{ status: number | undefined; connection: string | undefined; body: string }>(
          (resolve, reject) => {
            req.on("response", (response) => {
              let body = "";
              response.setEncoding("utf8");
              response.on("data", (chunk: string) => {
                body += chunk;
              });
              response.on("end", () =>
                resolve({ status: response.statusCode, connection: response.headers.connection, body }),
              );
            });
            req.on("error", reject);
          },
        );
        req.write("12345");
        return { req, answer };
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stopping = Date.now();
      server.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const { req } of slow) req.end("67890");
      const answers = await Promise.all(slow.map(({ answer }) => answer));
      for (const [i, answer] of answers.entries()) {
        assert.equal(answer.connection, "close");
        if (i % 2 === 0)
          assert.deepEqual([answer.status, answer.body], [200, '{"counter":0,"status":"checkpoint saved"}']);
        else assert.ok([200, 404].includes(answer.status ?? 0), answer.body); // restore before or after a checkpoint
      }
      assert.deepEqual(await server.exit, { code: 0, signal: null });
      assert.ok(Date.now() - stopping < 10_000);
      assert.ok(server.output.some((line) => line.includes("SIGTERM received")));
      await assert.rejects(fetch(`${server.url}/`), "no longer accepting");
    });

    it("on SIGTERM cuts a client that never finishes its body, and exits 0 within the grace period plus a margin", async () => {
      const server = await start({ STORAGE: "memory" });
      const stalled = await stalledRequest(server.url);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stopping = Date.now();
      server.child.kill("SIGTERM");
      assert.deepEqual(await server.exit, { code: 0, signal: null });
      const seconds = (Date.now() - stopping) / 1000;
      assert.ok(seconds >= 7 && seconds < 9, `exited after ${seconds.toFixed(1)} s (grace period 8 s)`);
      assert.ok(!server.output.some((line) => line.includes("did not close in time")), "cut at the grace period");
      stalled.destroy();
    });

    it("--healthcheck asks /healthz of the service running at PORT: exit 0 while it answers, 1 once it is gone", async () => {
      const server = await start();
      const { port } = new URL(server.url);
      const check = () => runCommand([bin, "--healthcheck"], { PORT: port }, tmpdir()).exit;
      assert.deepEqual(await check(), { code: 0, signal: null });
      server.child.kill("SIGTERM");
      await server.exit;
      assert.deepEqual(await check(), { code: 1, signal: null });
    });

    it("a second SIGTERM cuts what is still in flight at once, and the process exits 0", async () => {
      const server = await start({ STORAGE: "memory" });
      const stalled = await stalledRequest(server.url);
      const closed = new Promise((resolve) => stalled.once("close", resolve));
      server.child.kill("SIGTERM");
      await waitForLine(server.output, "SIGTERM received");
      const second = Date.now();
      server.child.kill("SIGTERM");
      await closed;
      assert.deepEqual(await server.exit, { code: 0, signal: null });
      const seconds = (Date.now() - second) / 1000;
      assert.ok(seconds < 3, `exited ${seconds.toFixed(1)} s after the second signal, not at the 8 s grace period`);
      assert.ok(server.output.some((line) => line.includes("received again")));
    });

    it("never prints a Redis password (in REDIS_URL, REDIS_SENTINELS or REDIS_PASSWORD) or the API token, at start, on failures or at shutdown", async () => {
      const addresses: Record<string, string>[] = [
        { REDIS_URL: "redis://:s3cret-pw@127.0.0.1:1" },
        { REDIS_URL: "redis://admin:s3cret-pw@127.0.0.1:1/0" },
        { REDIS_SENTINELS: "redis://:s3cret-pw@127.0.0.1:1", REDIS_SENTINEL_MASTER: "m" },
        { REDIS_CLUSTER_NODES: "127.0.0.1:1", REDIS_PASSWORD: "s3cret-pw" },
      ];
      for (const where of addresses) {
        const server = await start({
          STORAGE: "redis",
          ...where,
          REDIS_TIMEOUT_MS: "50",
          API_TOKEN: "t0p-s3cret-token",
        });
        const answers = [
          await (await fetch(`${server.url}/`)).text(),
          await (await fetch(`${server.url}/readyz`)).text(),
          await (
            await fetch(`${server.url}/checkpoint`, {
              method: "POST",
              headers: { authorization: "Bearer t0p-s3cret-token" },
            })
          ).text(),
          await (await fetch(`${server.url}/restore`, { method: "POST" })).text(),
        ];
        server.child.kill("SIGTERM");
        await server.exit;
        const everything = [...server.output, ...answers].join("\n");
        assert.ok(
          server.output.some((line) => line.includes("127.0.0.1:1")),
          "the failures are logged, with where",
        );
        assert.doesNotMatch(everything, /s3cret-pw|t0p-s3cret-token/);
      }
      const refused = runCommand(
        [bin],
        { STORAGE: "redis", REDIS_URL: "redis://:s3cret-pw@host with space" },
        await scratch(),
      );
      assert.equal((await refused.exit).code, 1);
      assert.match(refused.output.join("\n"), /REDIS_URL=.*is not valid/);
      assert.doesNotMatch(refused.output.join("\n"), /s3cret-pw/);
    });

    it("a command line: --help and --version print and exit 0 without listening; flags win over the environment; an unknown flag exits 2 with the usage", async () => {
      const cwd = await scratch();
      const help = runCommand([bin, "--help"], { PORT: "1" }, cwd);
      assert.equal((await help.exit).code, 0);
      const usage = help.output.join("\n");
      assert.match(usage, /^Usage: cell-counter/);
      for (const { variable, lambdaOnly } of SETTINGS as readonly Setting[]) {
        if (!lambdaOnly) assert.match(usage, new RegExp(`^  ${variable} `, "m"), variable);
      }
      assert.match(usage, /REDIS_KEY_PREFIX\s+cell-counter:/);
      const version = runCommand([bin, "--version"], {}, cwd);
      assert.equal((await version.exit).code, 0);
      assert.match(version.output.join("\n"), /^cell-counter(-h3)? \d+\.\d+\.\d+$/);
      const bogus = runCommand([bin, "--port", "1", "--bogus"], {}, cwd);
      assert.equal((await bogus.exit).code, 2);
      assert.match(bogus.output.join("\n"), /Unknown option '--bogus'[\s\S]*Usage: cell-counter/);
      const flagged = await startCommand(
        [bin, "--port", "0", "--environment", "from-flag", "--storage", "memory"],
        { ...LOOPBACK, PORT: "1", ENVIRONMENT: "from-env" },
        cwd,
      );
      const line = JSON.parse(flagged.output[0] as string);
      assert.deepEqual([line.environment, line.storage], ["from-flag", "memory"]);
      flagged.child.kill("SIGTERM");
      await flagged.exit;
    });

    it("logs one JSON line on stderr, with code and path, for a checkpoint failing again and again", async () => {
      const cwd = await scratch();
      const blocker = join(cwd, "blocker");
      await writeFile(blocker, "a regular file where a directory should be");
      const server = await start({ CHECKPOINT_PATH: join(blocker, "checkpoint.json") }, cwd);
      const before = server.output.length;
      for (let i = 0; i < 20; i++)
        assert.equal((await fetch(`${server.url}/checkpoint`, { method: "POST" })).status, 503);
      const failures = server.output.slice(before).filter((line) => line.includes("STORAGE_UNAVAILABLE"));
      assert.equal(failures.length, 1, server.output.join("\n"));
      const line = JSON.parse(failures[0] as string);
      assert.deepEqual(
        [line.level, line.code, line.path],
        ["warn", "STORAGE_UNAVAILABLE", join(blocker, "checkpoint.json")],
      );
      assert.ok(
        server.errors.some((text) => text.includes("STORAGE_UNAVAILABLE")),
        "on stderr",
      );
      server.child.kill("SIGTERM");
      await server.exit;
    });

    it("processes requests pipelined on one connection in the order they arrived (RFC 9112 §9.3.2)", async () => {
      const server = await start();
      for (let i = 0; i < 3; i++) await fetch(`${server.url}/`);
      await fetch(`${server.url}/checkpoint`, { method: "POST" });
      await fetch(`${server.url}/`);
      const post = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`;
      const get = (close = false) => `GET / HTTP/1.1\r\nHost: x\r\n${close ? "Connection: close\r\n" : ""}\r\n`;
      const text = await exchange(
        server.url,
        post("/restore") + get() + post("/checkpoint") + get() + post("/restore") + get(true),
      );
      assert.deepEqual(bodiesOf(text), [
        '{"counter":3,"status":"restored"}',
        '{"counter":4}',
        '{"counter":4,"status":"checkpoint saved"}',
        '{"counter":5}',
        '{"counter":4,"status":"restored"}',
        '{"counter":5}',
      ]);
      assert.equal(await (await fetch(`${server.url}/`)).text(), '{"counter":6}', "no acknowledged increment lost");
    });

    it("answers what its HTTP parser refuses with the JSON error, counted as unmatched: 400 BAD_REQUEST, 431 HEADERS_TOO_LARGE", async () => {
      const server = await start();
      const bad = await exchange(server.url, "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n");
      assert.match(bad, /^HTTP\/1\.1 400 /);
      assert.match(bad, /content-type: application\/json/i);
      assert.equal(JSON.parse(bodiesOf(bad)[0] as string).code, "BAD_REQUEST");
      const large = await exchange(server.url, `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
      assert.match(large, /^HTTP\/1\.1 431 /);
      assert.equal(JSON.parse(bodiesOf(large)[0] as string).code, "HEADERS_TOO_LARGE");
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^http_requests_total\{method="other",endpoint="unmatched",http_status="400",[^}]*\} 1$/m);
      assert.match(metrics, /^http_requests_total\{method="other",endpoint="unmatched",http_status="431",[^}]*\} 1$/m);
      // node's own client, with a method its parser does not know: the answer, never a reset.
      const { hostname, port } = new URL(server.url);
      const foo = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const req = request({ hostname, port, method: "FOO", path: "/" }, (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode, body }));
        });
        req.on("error", reject);
        req.end();
      });
      assert.deepEqual(foo, {
        status: 400,
        body: '{"status":"bad request","error":"The request is not valid HTTP/1.1.","code":"BAD_REQUEST"}',
      });
    });

    it("sends 100 Continue only once the route, the token and the declared length are accepted", async () => {
      const server = await start({ API_TOKEN: "jetón✓" });
      const expect = (target: string, headers: string) =>
        exchange(server.url, `POST ${target} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n${headers}\r\n`);
      const auth = `Authorization: Bearer ${Buffer.from("jetón✓").toString("latin1")}\r\n`;
      for (const [target, headers, status] of [
        ["/nope", `${auth}Content-Length: 5\r\n`, 404],
        ["/checkpoint", "Content-Length: 5\r\n", 401],
        ["/checkpoint", `${auth}Content-Length: 70000\r\n`, 413],
      ] as const) {
        const text = await expect(target, headers);
        assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), text);
        assert.doesNotMatch(text, /100 Continue/);
      }
      const accepted = await exchange(
        server.url,
        `POST /checkpoint HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n${auth}Content-Length: 5\r\nConnection: close\r\n\r\n`,
        "12345",
      );
      assert.match(accepted, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      assert.deepEqual(bodiesOf(accepted), ['{"counter":0,"status":"checkpoint saved"}']);
    });

    it("compares a token as UTF-8 bytes, and takes the Bearer scheme in any case", async () => {
      const server = await start({ API_TOKEN: "jetón✓" });
      const answer = (authorization: string) =>
        exchange(
          server.url,
          `POST /checkpoint HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
      const utf8 = Buffer.from("jetón✓").toString("latin1");
      assert.match(await answer(`bearer ${utf8}`), /^HTTP\/1\.1 200 /);
      assert.match(await answer(`BEARER ${utf8}`), /^HTTP\/1\.1 200 /);
      assert.match(await answer(`Bearer ${Buffer.from("jetón!").toString("latin1")}`), /^HTTP\/1\.1 401 /);
    });

    it("routes an absolute-form target by its path only: POST http://x?/restore is POST /", async () => {
      const server = await start();
      const text = await exchange(
        server.url,
        "POST http://x?/restore HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      );
      assert.match(text, /^HTTP\/1\.1 405 /);
      assert.match(text, /allow: GET/i);
    });

    it("starts and stops on time with a FIFO at CHECKPOINT_PATH and RESTORE_ON_START", async () => {
      const cwd = await scratch();
      const path = join(cwd, "checkpoint.fifo");
      execFileSync("mkfifo", [path]);
      const server = await start({ CHECKPOINT_PATH: path, RESTORE_ON_START: "true" }, cwd);
      assert.ok(
        server.output.some((line) => /"level":"warn".*checkpoint not restored.*a FIFO/.test(line)),
        server.output.join("\n"),
      );
      assert.equal((await fetch(`${server.url}/restore`, { method: "POST" })).status, 500);
      const stopping = Date.now();
      server.child.kill("SIGTERM");
      assert.deepEqual(await server.exit, { code: 0, signal: null });
      assert.ok(Date.now() - stopping < 10_000);
    });
  });
}

/** Writes `text` on a new connection (then `body` once the server says 100 Continue); resolves with all it read until the server closed. */
function exchange(url: string, text: string, body?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (body !== undefined && received.includes("100 Continue\r\n\r\n")) {
        socket.write(body);
        body = undefined;
      }
    });
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no end of answer: ${received}`)));
    socket.write(Buffer.from(text, "latin1"));
  });
}

/** The bodies of the answers in a raw HTTP/1.1 exchange (each with a content-length). */
function bodiesOf(text: string): string[] {
  const bodies: string[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) return bodies;
    const head = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    if (!/^HTTP\/1\.1 1\d\d /.test(head)) bodies.push(rest.slice(end + 4, end + 4 + length));
    rest = rest.slice(end + 4 + length);
  }
}
