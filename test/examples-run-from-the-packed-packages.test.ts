import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { killCommands, packWorkspace, startCommand, tarballsFor } from "@cell-counter/tooling";
import { root } from "./support.js";

const EXAMPLES = ["express", "fastify", "hono", "node-http", "h3"];

let scratch = "";
let tarballs = new Map<string, string>();
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-examples-"));
  tarballs = packWorkspace(scratch);
});
after(async () => {
  killCommands();
  await rm(scratch, { recursive: true, force: true });
});

describe(`examples, each installed with npm from the packed packages (${EXAMPLES.length} apps)`, () => {
  for (const example of EXAMPLES) {
    it(`${example}: increment, checkpoint, restore, /metrics under /counter, the app's own route, a graceful close`, async () => {
      const folder = join(scratch, example);
      await cp(join(root, "examples", example), folder, { recursive: true });
      const manifest = JSON.parse(await readFile(join(folder, "package.json"), "utf8"));
      const started = Date.now();
      execFileSync(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballsFor(manifest.dependencies, tarballs)],
        {
          cwd: folder,
          stdio: "pipe",
        },
      );
      console.log(`# ${example}: npm install ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const app = await startCommand(["app.mjs"], { PORT: "0" }, folder);
      const call = async (path: string, method = "GET") => {
        const response = await fetch(`${app.url}${path}`, { method });
        return { status: response.status, body: await response.text() };
      };
      assert.deepEqual(await call("/"), { status: 200, body: '{"counter":1}' });
      assert.deepEqual(await call("/"), { status: 200, body: '{"counter":2}' });
      assert.deepEqual(await call("/checkpoint", "POST"), {
        status: 200,
        body: '{"counter":2,"status":"checkpoint saved"}',
      });
      assert.deepEqual(await call("/"), { status: 200, body: '{"counter":3}' });
      assert.deepEqual(await call("/restore", "POST"), { status: 200, body: '{"counter":2,"status":"restored"}' });
      const metrics = await call("/metrics");
      assert.match(metrics.body, /^cell_counter\{environment="example"\} 2$/m);
      assert.match(
        metrics.body,
        /^http_requests_total\{method="POST",endpoint="\/restore",http_status="200",environment="example"\} 1$/m,
      );
      const wrong = await call("/checkpoint");
      assert.equal(wrong.status, 405);
      assert.equal(JSON.parse(wrong.body).code, "METHOD_NOT_ALLOWED");
      const base = app.url.slice(0, -"/counter".length);
      assert.match(await (await fetch(`${base}/hello`)).text(), /^hello from /);
      assert.equal((await fetch(`${base}/checkpoint`, { method: "POST" })).status, 404, "nothing outside /counter");
      app.child.kill("SIGTERM");
      assert.deepEqual(await app.exit, { code: 0, signal: null });
    });
  }
});
