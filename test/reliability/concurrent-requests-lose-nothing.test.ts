import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { call, killCommands, type Running, startCommand } from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

const INCREMENTS = 10_000;
let server: Running;
let scratch = "";
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-concurrency-"));
  server = await startCommand(
    [BUNDLE],
    { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: join(scratch, "checkpoint.json") },
    scratch,
  );
});
after(async () => {
  agent.destroy();
  killCommands();
  await rm(scratch, { recursive: true, force: true });
});

/** The counter of a request's JSON answer, which must be a 200. */
async function counterOf(method: string, path: string): Promise<number> {
  const answer = await call(agent, server.url, method, path);
  if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body).counter as number;
}

describe(`concurrency over real sockets (bounded: ${INCREMENTS} increments, then a race of 4,000 requests)`, () => {
  it(`${INCREMENTS} concurrent increments return ${INCREMENTS} distinct values, 1 to ${INCREMENTS}`, async () => {
    const values = await Promise.all(Array.from({ length: INCREMENTS }, () => counterOf("GET", "/")));
    assert.equal(new Set(values).size, INCREMENTS);
    assert.equal(Math.min(...values), 1);
    assert.equal(Math.max(...values), INCREMENTS);
  });

  it("checkpoints and restores racing with increments only ever answer values the counter had", async () => {
    const first = await counterOf("POST", "/checkpoint");
    const operations: Promise<[string, number]>[] = [];
    for (let i = 0; i < 4_000; i++) {
      const kind = i % 20 === 0 ? "checkpoint" : i % 20 === 10 ? "restore" : "increment";
      const path = kind === "increment" ? "/" : `/${kind}`;
      operations.push(counterOf(kind === "increment" ? "GET" : "POST", path).then((value) => [kind, value]));
    }
    const answers = await Promise.all(operations);
    const reached = new Set([first]);
    const saved = new Set([first]);
    for (const [kind, value] of answers) {
      if (kind === "increment" || kind === "restore") reached.add(value);
      if (kind === "checkpoint") saved.add(value);
    }
    for (const [kind, value] of answers) {
      if (kind === "checkpoint") assert.ok(reached.has(value), `checkpoint answered ${value}, never the counter`);
      if (kind === "restore") assert.ok(saved.has(value), `restore answered ${value}, never saved`);
    }
    console.log(
      `race: ${answers.filter(([kind]) => kind === "increment").length} increments, ${answers.filter(([kind]) => kind === "checkpoint").length} checkpoints, ${answers.filter(([kind]) => kind === "restore").length} restores, all consistent`,
    );
  });
});
