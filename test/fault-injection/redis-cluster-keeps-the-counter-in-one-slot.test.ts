import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkHistory } from "@cell-counter/testkit";
import {
  type ClusterSetup,
  call,
  killCommands,
  type Running,
  redisCli,
  startCommand,
  startLoad,
  startRedisCluster,
} from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

// Three masters with two replicas each; the counter's keys share one hash slot, so every script
// runs on one node; the master of that slot is killed under load and the history checked.
const RECOVERY_MS = 5_000;

let cluster: ClusterSetup;
let scratch = "";
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-cluster-"));
  const started = performance.now();
  cluster = await startRedisCluster(3, 2);
  console.log(`cluster: 9 nodes up in ${((performance.now() - started) / 1000).toFixed(2)} s`);
});
after(async () => {
  agent.destroy();
  killCommands();
  await cluster?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function startServices(count: number, prefix: string): Promise<Running[]> {
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    STORAGE: "redis",
    REDIS_CLUSTER_NODES: cluster.nodeList,
    REDIS_MIN_REPLICAS: "1",
    REDIS_KEY_PREFIX: prefix,
    REDIS_TIMEOUT_MS: "500",
    ENVIRONMENT: "cluster",
  };
  return Promise.all(Array.from({ length: count }, () => startCommand([BUNDLE], env, scratch)));
}

const counterOf = (body: string) => BigInt((/"counter":(\d+)/.exec(body) as RegExpExecArray)[1] as string);

describe("Redis Cluster: the counter's keys in one slot, the slot's master killed under load (bounded: about 30 s)", () => {
  it("500 concurrent increments over two processes give exactly 1…500; checkpoint, increments, restore give the checkpointed value", async () => {
    const services = await startServices(2, "once:");
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) => call(agent, (services[i % 2] as Running).url, "GET", "/")),
    );
    for (const answer of answers) assert.equal(answer.status, 200, answer.body);
    const values = answers.map(({ body }) => counterOf(body)).sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(
      values,
      Array.from({ length: 500 }, (_, i) => BigInt(i + 1)),
    );

    const [first, second] = services as [Running, Running];
    const saved = await call(agent, first.url, "POST", "/checkpoint");
    assert.equal(saved.body, '{"counter":500,"status":"checkpoint saved"}');
    for (let i = 0; i < 20; i++) await call(agent, second.url, "GET", "/");
    const restored = await call(agent, second.url, "POST", "/restore");
    assert.equal(restored.body, '{"counter":500,"status":"restored"}');
    assert.equal((await call(agent, first.url, "GET", "/")).body, '{"counter":501}');
    // The keys carry the prefix as a hash tag: one slot, on one master.
    assert.equal(
      await redisCli(await cluster.masterOf("{once:}counter"), "GET", "{once:}checkpoint").then((text) =>
        counterOf(text),
      ),
      500n,
    );
  });

  it("the master of the counter's slot killed: no value twice, none acknowledged lost, 200s again within 5 s of the promotion", async () => {
    const prefix = "fault:";
    const services = await startServices(2, prefix);
    const load = startLoad(
      services.map((service, k) => ({ name: `service-${k}`, url: service.url })),
      8,
    );
    try {
      await load.successes(200, 10_000);
      const old = await cluster.masterOf(`{${prefix}}counter`);
      const killed = performance.now();
      await old.kill();
      const { master } = await cluster.promoted(`{${prefix}}counter`, old, 15_000);
      const promoted = performance.now();
      const served = await load.firstSuccessAfter(promoted, RECOVERY_MS + 5_000);
      console.log(
        `cluster, MIN_REPLICAS=1, the slot's master killed: promoted after ${((promoted - killed) / 1000).toFixed(2)} s, 200 again ${(Math.max(0, served - promoted) / 1000).toFixed(2)} s later`,
      );
      assert.ok(served - promoted <= RECOVERY_MS, `200 again ${served - promoted} ms after the promotion`);
      await old.start();
      await load.successes(200, 10_000);
      const history = await load.stop();
      const final = BigInt(await redisCli(master, "GET", `{${prefix}}counter`));
      const problems = checkHistory(history, { final });
      const acknowledged = history.filter((operation) => operation.kind === "increment" && operation.status === 200);
      console.log(
        `cluster: ${history.length} operations, ${acknowledged.length} values acknowledged, final counter ${final}, ${problems.length} problems`,
      );
      assert.deepEqual(problems.slice(0, 10), []);
    } finally {
      await load.stop();
    }
  });
});
