import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseExposition, sampleValue } from "@cell-counter/testkit";
import {
  type Answer,
  call,
  killCommands,
  type RedisServer,
  type Running,
  startCommand,
  startRedisServer,
} from "@cell-counter/tooling";
import { BUNDLE, waitFor } from "../support.js";

const REPLICAS = 3;
const INCREMENTS = 30_000;
const TIMEOUT_MS = 500;

let redis: RedisServer;
let replicas: Running[] = [];
let scratch = "";
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-replicas-"));
  redis = await startRedisServer();
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    STORAGE: "redis",
    REDIS_URL: redis.url,
    REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
    ENVIRONMENT: "scale-out",
  };
  replicas = await Promise.all(Array.from({ length: REPLICAS }, () => startCommand([BUNDLE], env, scratch)));
});
after(async () => {
  agent.destroy();
  killCommands();
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const send = (replica: Running, method: string, path: string) => call(agent, replica.url, method, path);

const counterOf = (answer: Answer) => JSON.parse(answer.body).counter as number;

async function scrapedCounter(replica: Running): Promise<number> {
  return sampleValue(parseExposition((await send(replica, "GET", "/metrics")).body), "cell_counter");
}

describe(`${REPLICAS} replicas sharing one real Redis (bounded: ${INCREMENTS} increments, one outage of about 2 s)`, () => {
  it(`${INCREMENTS} increments spread over the replicas give ${INCREMENTS} distinct values and a final ${INCREMENTS}`, async () => {
    let next = 0;
    const values: number[] = [];
    const worker = async (index: number) => {
      while (next < INCREMENTS) {
        next++;
        const answer = await send(replicas[index % REPLICAS] as Running, "GET", "/");
        assert.equal(answer.status, 200, answer.body);
        values.push(counterOf(answer));
      }
    };
    await Promise.all(Array.from({ length: 96 }, (_, index) => worker(index)));
    assert.equal(values.length, INCREMENTS);
    assert.equal(new Set(values).size, INCREMENTS);
    assert.equal(Math.max(...values), INCREMENTS);
    for (const replica of replicas) assert.equal(await scrapedCounter(replica), INCREMENTS);
    console.log(
      `replicas: ${REPLICAS} processes, ${INCREMENTS} requests, final ${INCREMENTS}, ${new Set(values).size} distinct values`,
    );
  });

  it("a checkpoint on one replica restored on another: every replica then reports the restored value", async () => {
    const [first, second, third] = replicas as [Running, Running, Running];
    const saved = counterOf(await send(first, "POST", "/checkpoint"));
    for (let i = 0; i < 10; i++) await send(second, "GET", "/");
    const restored = await send(third, "POST", "/restore");
    assert.equal(restored.body, `{"counter":${saved},"status":"restored"}`);
    for (const replica of replicas) assert.equal(await scrapedCounter(replica), saved);
    assert.equal(counterOf(await send(second, "GET", "/")), saved + 1);
  });

  it("Redis stopped mid-traffic: 503 for what was never sent, 504 for what was in flight, no crash, no hung request; Redis back: the service resumes", async () => {
    let running = true;
    const answers: (Answer & { at: number; replica: number })[] = [];
    const traffic = Promise.all(
      replicas.map(async (replica, index) => {
        while (running) {
          const answer = await send(replica, "GET", "/");
          answers.push({ ...answer, at: Date.now(), replica: index });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = Date.now();
    await redis.stop();
    const firstFailure = await waitFor(
      "a 503",
      async () => answers.find((answer) => answer.at >= stoppedAt && answer.status === 503),
      5_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const replica of replicas) {
      assert.equal((await send(replica, "GET", "/readyz")).status, 503, "not ready while Redis is down");
      assert.equal((await send(replica, "GET", "/healthz")).status, 200, "alive");
      assert.equal((await send(replica, "GET", "/metrics")).status, 200, "still scrapable");
      const refused = JSON.parse((await send(replica, "POST", "/checkpoint")).body);
      assert.equal(refused.code, "STORAGE_UNAVAILABLE");
    }
    const restartedAt = Date.now();
    await redis.start();
    const firstSuccess = await waitFor(
      "a 200 after Redis is back",
      async () => answers.find((answer) => answer.at >= restartedAt && answer.status === 200),
      10_000,
    );
    running = false;
    await traffic;

    const during = answers.filter((answer) => answer.at > firstFailure.at && answer.at < restartedAt);
    assert.ok(during.length > 0);
    for (const replica of replicas.keys()) {
      // Each replica sends one request at a time: only the one on the wire when Redis died may have
      // an unknown outcome (504); every later one was refused before it was sent (503).
      const failures = answers.filter(
        (answer) =>
          answer.replica === replica && answer.at >= stoppedAt && answer.at < restartedAt && answer.status !== 200,
      );
      assert.ok([503, 504].includes(failures[0]?.status ?? 0), `replica ${replica}: ${failures[0]?.body}`);
      assert.deepEqual([...new Set(failures.slice(1).map((answer) => answer.status))], [503], "then only 503");
    }
    assert.ok(during.every((answer) => [503, 504].includes(answer.status)));
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    assert.ok(slowest < 2 * TIMEOUT_MS + 1_000, `slowest answer ${slowest.toFixed(0)} ms: none hung`);
    for (const replica of replicas) {
      assert.equal(replica.child.exitCode, null, "no replica crashed");
      assert.equal((await send(replica, "GET", "/readyz")).status, 200);
    }
    console.log(
      `outage: first 503 after ${firstFailure.at - stoppedAt} ms, slowest answer ${slowest.toFixed(0)} ms, ` +
        `first 200 ${firstSuccess.at - restartedAt} ms after Redis restarted, ${during.length} requests answered 503 meanwhile`,
    );
  });
});
