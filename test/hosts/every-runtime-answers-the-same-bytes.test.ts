import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createNodeListener } from "@cell-counter/adapter-node";
import { recordTranscript, serveOverHttp, TRANSCRIPT_SETUP, transcript } from "@cell-counter/testkit";
import { BUN, DENO, killCommands, startCommand } from "@cell-counter/tooling";
import { root } from "../support.js";

const SERVER = join(root, "packages/server/dist");

/** Each runtime, installed from npm by the workspace, and the entry it runs. */
const RUNTIMES: { name: string; runtime: string[]; entry: string }[] = [
  { name: "Bun (Bun.serve)", runtime: BUN, entry: join(SERVER, "runtimes/bun.js") },
  {
    name: "Bun running the cell-counter command",
    runtime: BUN,
    entry: join(SERVER, "bin/cell-counter.js"),
  },
  {
    name: "Deno (Deno.serve)",
    runtime: DENO,
    entry: join(SERVER, "runtimes/deno.js"),
  },
];

const directories: string[] = [];
after(async () => {
  killCommands();
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe(`every runtime answers the same bytes (${RUNTIMES.length} real runtimes beside node, on loopback)`, () => {
  let node: string[] = [];

  for (const { name, runtime, entry } of RUNTIMES) {
    it(`${name}: the transcript of every API and error row equals node's`, async () => {
      if (node.length === 0) node = await transcript((service) => serveOverHttp(createNodeListener(service)));
      const directory = await mkdtemp(join(tmpdir(), "cell-counter-runtime-"));
      directories.push(directory);
      const checkpoint = join(directory, "checkpoint.json");
      const started = Date.now();
      const server = await startCommand(
        [entry],
        {
          HOST: "127.0.0.1",
          PORT: "0",
          CHECKPOINT_PATH: checkpoint,
          API_TOKEN: TRANSCRIPT_SETUP.apiToken,
          ENVIRONMENT: TRANSCRIPT_SETUP.environment,
        },
        root,
        { runtime, timeoutMs: 30_000 },
      );
      console.log(`# ${name}: listening after ${Date.now() - started} ms`);
      const lines = await recordTranscript({
        fetch: (path, init) => fetch(`${server.url}${path}`, init),
        corruptCheckpoint: () => writeFile(checkpoint, TRANSCRIPT_SETUP.corruptCheckpoint),
      });
      assert.deepEqual(lines, node);
      server.child.kill("SIGTERM");
      assert.deepEqual(await server.exit, { code: 0, signal: null }, "a clean exit on SIGTERM");
    });
  }
});
