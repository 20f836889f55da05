import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { killCommands, runCommand, startCommand } from "./process.js";

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
      assert.match(
        server.output[0] as string,
        new RegExp(
          `^cell-counter listening on http://127\\.0\\.0\\.1:\\d+ \\(adapter ${adapter}, storage file, environment staging\\)$`,
        ),
      );
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
        server.output.some((line) => /warning: checkpoint not restored/.test(line)),
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
      const warning = server.output.find((line) => line.includes("warning"));
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
  });
}
