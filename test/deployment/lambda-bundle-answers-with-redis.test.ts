import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type RedisServer, startRedisServer } from "@cell-counter/tooling";
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

  it("the Lambda bundle is one file that answers the sample event of every HTTP source with a real Redis, in each source's shape, and writes EMF", async () => {
    const size = statSync(LAMBDA_BUNDLE).size;
    console.log(`Lambda bundle: ${(size / 1024).toFixed(0)} KiB`);
    redis = await startRedisServer();
    const fixture = (name: string) =>
      JSON.parse(readFileSync(join(root, "test/fixtures/lambda", `${name}.json`), "utf8"));
    const SOURCES = ["rest-api", "http-api", "http-api-stage", "function-url", "alb", "alb-multi-value", "sqs"];
    // As the Lambda runtime does: the bundle imported in a process of its own, the handler invoked.
    const script = `
      const { handler } = await import(${JSON.stringify(LAMBDA_BUNDLE)});
      const answers = [];
      for (const event of ${JSON.stringify(SOURCES.map(fixture))}) {
        answers.push(await handler(event, { awsRequestId: "request-" + answers.length }).catch((error) => ({ rejected: error.name + ": " + error.message })));
      }
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
    const answers = JSON.parse(answered.slice("answers: ".length));
    const [rest, http, staged, functionUrl, single, multi, sqs] = answers;
    assert.deepEqual(
      [rest.statusCode, rest.body, rest.headers["content-type"]],
      [200, '{"counter":1}', "application/json"],
    );
    assert.deepEqual([http.statusCode, http.body], [200, '{"counter":2}']);
    assert.deepEqual(
      [staged.statusCode, staged.body],
      [200, '{"counter":2,"status":"checkpoint saved"}'],
      "POST /prod/checkpoint on the stage prod",
    );
    assert.deepEqual([functionUrl.statusCode, functionUrl.body], [200, '{"counter":3}']);
    assert.deepEqual([single.statusCode, single.statusDescription, single.body], [200, "200 OK", '{"counter":4}']);
    assert.equal(single.headers["content-type"], "application/json");
    assert.deepEqual(
      [multi.statusCode, multi.statusDescription, multi.body],
      [200, "200 OK", '{"counter":2,"status":"restored"}'],
    );
    assert.deepEqual([multi.headers, multi.multiValueHeaders["content-type"]], [undefined, ["application/json"]]);
    assert.match(sqs.rejected, /^NotAnHttpEventError: .*it received an event of aws:sqs with 1 record/);
    const logged = stderr.split("\n").filter((line) => line.includes("NOT_AN_HTTP_EVENT"));
    assert.equal(logged.length, 1, "logged once");
    assert.equal(JSON.parse(logged[0] as string).level, "error");
    assert.equal(JSON.parse(logged[0] as string).requestId, "request-6", "with the invocation's request id");
    const documents = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((document) => "_aws" in document);
    assert.ok(documents.length >= 6, `${documents.length} EMF documents`);
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
      ["STORAGE", "file", '"redis" or "dynamodb" in the Lambda function'],
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
