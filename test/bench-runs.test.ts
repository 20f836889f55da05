import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { root } from "./support.js";

const run = promisify(execFile);
let out = "";
after(() => (out ? rm(out, { recursive: true, force: true }) : undefined));

describe("pnpm bench --quick (bounded: about 45 s, one round; proves the benchmark runs, asserts no timing)", () => {
  it("measures every server alone and side by side with its reference, checkpoints, growth and the core, and writes its table and chart", async () => {
    out = await mkdtemp(join(tmpdir(), "cell-counter-bench-"));
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--conditions=@cell-counter/source", join(root, "bench/run.ts"), "--quick", "--out", out],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const row of [
      "the limit: bare node:http",
      "peer: node:http + prom-client",
      "peer: fastify + prom-client",
      "peer: h3 + prom-client",
      "peer: node:http + ioredis",
      "node adapter, file storage (the bundle",
      "pnpm start",
      "h3 adapter, file storage",
      "node adapter, Redis storage",
      "node adapter, Redis storage, REDIS_MIN_REPLICAS=1 (each batch confirmed by WAIT)",
      "3 replicas of the node adapter on one Redis",
      "reference: bare h3, no metrics",
      "disk limit",
      "file storage, 50 concurrent checkpoints",
      "handle GET /, Prometheus metrics",
    ]) {
      assert.match(stdout, new RegExp(`\\| ${row.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), row);
    }
    // Side by side: each pair on the server core at once, compared per CPU-second.
    const sideBySide = (stdout.split("## Side by side")[1] ?? "").split("\n## ")[0] ?? "";
    for (const pair of [
      "| pnpm start (the built command, unbundled) | the limit: bare node:http |",
      "| node adapter, file storage (the bundle, as the image runs it) | the limit: bare node:http |",
      "| h3 adapter, file storage | reference: bare h3, no metrics |",
      "| h3 adapter, file storage | peer: h3 + prom-client |",
      "| node adapter, Redis storage | the limit: bare node:http |",
      "| node adapter, Redis storage, REDIS_MIN_REPLICAS=1 (each batch confirmed by WAIT) | node adapter, Redis storage |",
    ]) {
      const row = sideBySide.split("\n").find((line) => line.startsWith(pair)) ?? "";
      assert.match(row, / \*\*\d+\.\d\d\*\* \(\d+\.\d\d–\d+\.\d\d\) \|$/, pair);
    }
    const files = await readdir(out);
    const table = files.find((name) => name.endsWith(".md"));
    assert.ok(table && files.some((name) => name.endsWith(".svg")), files.join(", "));
    assert.match(await readFile(join(out, table), "utf8"), /- machine: \d+ × .*, Node v\d+/);
    assert.match(await readFile(join(out, table), "utf8"), /- command: `pnpm bench --quick/);
  });
});
