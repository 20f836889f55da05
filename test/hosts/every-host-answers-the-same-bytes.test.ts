import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createH3App } from "@cell-counter/adapter-h3";
import { createLambdaHandler } from "@cell-counter/adapter-lambda";
import { createNodeListener } from "@cell-counter/adapter-node";
import { callInProcess, recordTranscript, serveOverHttp, TRANSCRIPT_SETUP, transcript } from "@cell-counter/testkit";
import {
  BUN,
  bundleWorker,
  DENO,
  invokeAsFetch,
  killCommands,
  LAMBDA_SOURCES,
  startCommand,
  startWorkerd,
} from "@cell-counter/tooling";
import { toNodeHandler } from "h3";
import { root } from "../support.js";

// The transcript (testkit): every row of SPEC's API and error tables, status, the headers a client
// acts on, body, and the request metrics. Node's is the reference; every other host must give it
// byte for byte.

const SERVER = join(root, "packages/server/dist");

/** Each runtime, installed from npm by the workspace, and the entry it runs. */
const RUNTIMES: { name: string; runtime: string[]; entry: string }[] = [
  { name: "Bun (Bun.serve)", runtime: BUN, entry: join(SERVER, "runtimes/bun.js") },
  { name: "Bun running the cell-counter command", runtime: BUN, entry: join(SERVER, "bin/cell-counter.js") },
  { name: "Deno (Deno.serve)", runtime: DENO, entry: join(SERVER, "runtimes/deno.js") },
];

const directories: string[] = [];
after(async () => {
  killCommands();
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe("every host answers the same bytes: node, h3, Lambda, Bun, Deno, workerd", () => {
  let node: string[] = [];
  const transcripts = new Map<string, string[]>();
  before(async () => {
    node = await transcript((service) => serveOverHttp(createNodeListener(service)));
    assert.ok(node.length >= 25);
  });

  it("in this process: h3 over HTTP and in process, the core's fetch handler, Lambda behind each HTTP source", async () => {
    transcripts.set("h3", await transcript((service) => serveOverHttp(toNodeHandler(createH3App(service)))));
    transcripts.set("h3 in process", await transcript(async (service) => callInProcess(createH3App(service).fetch)));
    transcripts.set("the core's fetch handler", await transcript(async (service) => callInProcess(service.fetch)));
    for (const source of LAMBDA_SOURCES) {
      transcripts.set(
        `Lambda behind ${source}`,
        await transcript(async (service) =>
          invokeAsFetch(createLambdaHandler(service, { allowLocalStorage: true }), source),
        ),
      );
    }
    for (const [host, lines] of transcripts) assert.deepEqual(lines, node, host);
  });

  for (const { name, runtime, entry } of RUNTIMES) {
    it(`${name}, a real process on loopback`, async () => {
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
      transcripts.set(name, lines);
      assert.deepEqual(lines, node);
      server.child.kill("SIGTERM");
      assert.deepEqual(await server.exit, { code: 0, signal: null }, "a clean exit on SIGTERM");
    });
  }

  it("workerd: a module worker with the Durable Object storage and Prometheus metrics (nodejs_compat)", async () => {
    const worker = await startWorkerd(await bundleWorker(join(root, "test/fixtures/workers/transcript-worker.ts")), {
      bindings: { API_TOKEN: TRANSCRIPT_SETUP.apiToken, ENVIRONMENT: TRANSCRIPT_SETUP.environment },
      compatibilityFlags: ["nodejs_compat"],
    });
    try {
      const base = "https://cell-counter.example.workers.dev";
      const lines = await recordTranscript({
        fetch: (path, init) => worker.fetch("a", `${base}${path}`, init),
        corruptCheckpoint: async () => {
          const saved = await worker.fetch("a", `${base}/__checkpoint`, {
            method: "PUT",
            body: TRANSCRIPT_SETUP.corruptCheckpoint,
          });
          assert.equal(saved.status, 204);
        },
      });
      transcripts.set("workerd", lines);
      assert.deepEqual(lines, node);
    } finally {
      await worker.stop();
    }
  });

  it("one transcript for all of them", () => {
    assert.deepEqual(
      [...transcripts.keys()].filter((host) => !host.startsWith("Lambda behind")),
      ["h3", "h3 in process", "the core's fetch handler", ...RUNTIMES.map((runtime) => runtime.name), "workerd"],
    );
    assert.equal(transcripts.size, 3 + LAMBDA_SOURCES.length + RUNTIMES.length + 1);
    for (const [host, lines] of transcripts) assert.deepEqual(lines, node, host);
  });
});
