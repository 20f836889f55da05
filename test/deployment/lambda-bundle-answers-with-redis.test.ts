import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type RedisServer, requestToEvent, startRedisServer } from "@cell-counter/tooling";
import { BUNDLE, root, run } from "../support.js";

const LAMBDA_BUNDLE = join(root, "dist/lambda/index.mjs");
let redis: RedisServer | undefined;
after(async () => redis?.stop());

describe("bundles", () => {
  it("the node adapter's bundle, the one the image runs, contains no Powertools", () => {
    const text = readFileSync(BUNDLE, "utf8");
    assert.ok(text.includes("createNodeListener") || text.includes("cell-counter listening"), "it is the node bundle");
    assert.doesNotMatch(text, /aws-lambda-powertools|CloudWatchMetrics|ColdStart/);
  });

  it("the Lambda bundle is one file that answers an HTTP API event with a real Redis and writes EMF", async () => {
    const size = statSync(LAMBDA_BUNDLE).size;
    console.log(`Lambda bundle: ${(size / 1024).toFixed(0)} KiB`);
    redis = await startRedisServer();
    // As the Lambda runtime does: the bundle imported in a process of its own, the handler invoked.
    const events = [
      await requestToEvent("/"),
      await requestToEvent("/"),
      await requestToEvent("/checkpoint", { method: "POST" }),
    ];
    const script = `
      const { handler } = await import(${JSON.stringify(LAMBDA_BUNDLE)});
      const answers = [];
      for (const event of ${JSON.stringify(events)}) answers.push(await handler(event));
      process.stderr.write("\\nanswers: " + JSON.stringify(answers) + "\\n");
      process.exit(0);`;
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redis.url,
        ENVIRONMENT: "lambda-test",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      },
    });
    const answered = stderr.split("\n").find((line) => line.startsWith("answers: ")) ?? "";
    const answers = JSON.parse(answered.slice("answers: ".length)) as { statusCode: number; body: string }[];
    const lines = stdout.split("\n").filter(Boolean);
    assert.deepEqual(
      answers.map((answer) => [answer.statusCode, answer.body]),
      [
        [200, '{"counter":1}'],
        [200, '{"counter":2}'],
        [200, '{"counter":2,"status":"checkpoint saved"}'],
      ],
    );
    const documents = lines.map((line) => JSON.parse(line));
    assert.ok(documents.length >= 4, `${documents.length} EMF documents`);
    assert.ok(
      documents.some((document) => document.ColdStart === 1),
      "the cold start is recorded",
    );
    for (const document of documents) {
      assert.equal(document._aws.CloudWatchMetrics[0].Namespace, "cell-counter");
      assert.equal(document.environment, "lambda-test");
    }
  });

  it("an invalid variable fails the Lambda function's init with the commands' one-line message", async () => {
    for (const [name, value, accepts] of [
      ["REDIS_TIMEOUT_MS", "abc", "a number of milliseconds from 10 to 999999"],
      ["REDIS_TIMEOUT_MS", "0", "a number of milliseconds from 10 to 999999"],
      ["ENVIRONMENT", "a\nb", "one line of at most 128 characters"],
      ["STORAGE", "file", '"redis" in the Lambda function'],
    ] as const) {
      const line = `cell-counter: ${name}=${JSON.stringify(value)} is not valid: ${name} accepts ${accepts}.`;
      await assert.rejects(
        run(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(LAMBDA_BUNDLE)})`], {
          env: { PATH: process.env.PATH, REDIS_URL: "redis://127.0.0.1:1", [name]: value },
        }),
        (error: { code?: number; stderr?: string }) => {
          assert.equal(error.code, 1);
          assert.equal(error.stderr?.split("\n")[0], line);
          return true;
        },
      );
    }
  });
});
