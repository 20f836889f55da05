import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DynamoDbServer, requestToEvent, startDynamoDb } from "@cell-counter/tooling";
import { root } from "../support.js";

const LAMBDA_BUNDLE = join(root, "dist/lambda/index.mjs");
const ENVIRONMENTS = 3;
const INCREMENTS = 10_000;
const TABLE = "cell-counter-scale";
let dynamo: DynamoDbServer;
before(async () => {
  dynamo = await startDynamoDb();
  await dynamo.createTable(TABLE);
});
after(() => dynamo?.stop());

/** One Lambda execution environment: the bundled function imported in a process of its own, invoked with `events`. */
function environment(events: unknown[], concurrency: number): Promise<{ statusCode: number; body: string }[]> {
  const script = `
    const { handler } = await import(${JSON.stringify(LAMBDA_BUNDLE)});
    const events = JSON.parse(await new Response(process.stdin).text());
    const answers = new Array(events.length);
    let next = 0;
    await Promise.all(Array.from({ length: ${concurrency} }, async () => {
      while (next < events.length) { const i = next++; const { statusCode, body } = await handler(events[i]); answers[i] = { statusCode, body }; }
    }));
    process.stderr.write("\\nanswers: " + JSON.stringify(answers) + "\\n");
    process.exit(0);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, ...dynamo.env, STORAGE: "dynamodb", DYNAMODB_TABLE: TABLE, LOG_LEVEL: "warn" },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr += text;
    });
    child.on("exit", (code) => {
      const line = stderr.split("\n").find((text) => text.startsWith("answers: "));
      if (code !== 0 || !line) reject(new Error(`environment exited ${code}: ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line.slice("answers: ".length)));
    });
    child.stdin.end(JSON.stringify(events));
  });
}

describe(`Lambda execution environments on one DynamoDB table (dynalite; bounded: ${ENVIRONMENTS} processes, ${INCREMENTS} increments)`, () => {
  it("share one counter exactly: every increment answered once, no gap, no duplicate; a restore in one is seen by all", async () => {
    const started = Date.now();
    const get = await requestToEvent("/");
    const shares = Array.from(
      { length: ENVIRONMENTS },
      (_, i) => Math.floor(INCREMENTS / ENVIRONMENTS) + (i < INCREMENTS % ENVIRONMENTS ? 1 : 0),
    );
    const answers = (await Promise.all(shares.map((count) => environment(Array(count).fill(get), 16)))).flat();
    const values = answers.map((answer) => {
      assert.equal(answer.statusCode, 200, answer.body);
      return Number(JSON.parse(answer.body).counter);
    });
    assert.equal(new Set(values).size, INCREMENTS, "no duplicate");
    assert.deepEqual(
      values.sort((a, b) => a - b),
      Array.from({ length: INCREMENTS }, (_, i) => i + 1),
      "no gap",
    );
    console.log(
      `# ${INCREMENTS} increments over ${ENVIRONMENTS} environments in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const [checkpoint] = await environment([await requestToEvent("/checkpoint", { method: "POST" })], 1);
    assert.equal(checkpoint?.body, `{"counter":${INCREMENTS},"status":"checkpoint saved"}`);
    await environment(Array(5).fill(get), 1);
    const [restored] = await environment([await requestToEvent("/restore", { method: "POST" }, "alb")], 1);
    assert.equal(restored?.body, `{"counter":${INCREMENTS},"status":"restored"}`);
    const [seen] = await environment([await requestToEvent("/", {}, "rest-api")], 1);
    assert.equal(seen?.body, `{"counter":${INCREMENTS + 1}}`, "another environment sees the restore at once");
  });
});
