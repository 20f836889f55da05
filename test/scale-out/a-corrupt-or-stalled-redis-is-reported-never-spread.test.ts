import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseExposition, sampleValue } from "@cell-counter/testkit";
import { killCommands, type RedisServer, type Running, startCommand, startRedisServer } from "@cell-counter/tooling";
import { Redis } from "ioredis";
import { BUNDLE } from "../support.js";

let redis: RedisServer;
let admin: Redis;
let server: Running;
let scratch = "";
const PREFIX = "corrupt:";
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-corrupt-"));
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    STORAGE: "redis",
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    REDIS_TIMEOUT_MS: "150",
  };
  server = await startCommand([BUNDLE], env, scratch);
});
after(async () => {
  admin.disconnect();
  killCommands();
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const send = async (method: string, path: string) => {
  const response = await fetch(`${server.url}${path}`, { method });
  return { status: response.status, body: await response.text() };
};

describe("a Redis counter that is not an integer, and a Redis that stalls, over HTTP on the bundled server", () => {
  it("a corrupt counter: 500 COUNTER_CORRUPT, /readyz 503 with that code, never checkpointed, logged once, /metrics keeps the last good value", async () => {
    for (let i = 0; i < 4; i++) await send("GET", "/");
    assert.equal((await send("POST", "/checkpoint")).status, 200);
    assert.equal(sampleValue(parseExposition((await send("GET", "/metrics")).body), "cell_counter"), 4);
    const saved = await admin.get(`${PREFIX}checkpoint`);
    await admin.set(`${PREFIX}counter`, '1,"counter":99');
    for (let i = 0; i < 5; i++) {
      const answer = await send("GET", "/");
      assert.equal(answer.status, 500);
      assert.equal(JSON.parse(answer.body).code, "COUNTER_CORRUPT");
    }
    const checkpoint = await send("POST", "/checkpoint");
    assert.equal(JSON.parse(checkpoint.body).code, "COUNTER_CORRUPT");
    assert.equal(await admin.get(`${PREFIX}checkpoint`), saved, "the last good checkpoint is intact");
    const ready = await send("GET", "/readyz");
    assert.deepEqual([ready.status, JSON.parse(ready.body).code], [503, "COUNTER_CORRUPT"]);
    const metrics = await send("GET", "/metrics");
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.body, /^cell_counter\{[^}]*\} (?!\d)/m, "cell_counter is always a number");
    assert.equal(sampleValue(parseExposition(metrics.body), "cell_counter"), 4, "the last value read");
    const logged = server.output.filter((line) => line.includes(`${PREFIX}counter`));
    assert.equal(logged.length, 1, server.output.join("\n"));
    assert.match(logged[0] as string, /COUNTER_CORRUPT/);
    assert.equal(await admin.get(`${PREFIX}counter`), '1,"counter":99', "the key is left as it is");
    assert.equal((await send("POST", "/restore")).body, '{"counter":4,"status":"restored"}', "a restore mends it");
    assert.equal((await send("GET", "/readyz")).status, 200);
  });

  it("a stalled Redis: 504 STORAGE_TIMEOUT saying the operation may have been applied, each counted, and applied later", async () => {
    const before = JSON.parse((await send("GET", "/")).body).counter as number;
    await admin.client("PAUSE", 1000, "WRITE");
    const answers = await Promise.all([send("GET", "/"), send("POST", "/checkpoint"), send("POST", "/restore")]);
    for (const answer of answers) {
      assert.equal(answer.status, 504, answer.body);
      const body = JSON.parse(answer.body);
      assert.equal(body.code, "STORAGE_TIMEOUT");
      assert.match(body.error, /may have been applied/);
    }
    await admin.client("UNPAUSE");
    const samples = parseExposition((await send("GET", "/metrics")).body);
    assert.equal(sampleValue(samples, "checkpoint_failures_total", { code: "STORAGE_TIMEOUT" }), 1);
    assert.equal(sampleValue(samples, "restore_failures_total", { code: "STORAGE_TIMEOUT" }), 1);
    assert.equal(sampleValue(samples, "http_requests_total", { endpoint: "/", http_status: "504" }), 1);
    const after = JSON.parse((await send("GET", "/")).body).counter as number;
    assert.ok(after >= before + 1, `the timed-out increment was applied after all (${before} → ${after})`);
  });
});
