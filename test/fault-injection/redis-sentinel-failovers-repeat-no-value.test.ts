import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Crash, checkHistory, type Operation, parseExposition, sampleValue } from "@cell-counter/testkit";
import {
  call,
  createTestNetwork,
  killCommands,
  type RedisProcess,
  type Running,
  redisCli,
  type SentinelSetup,
  startCommand,
  startLoad,
  startSentinelSetup,
  type Target,
  type TestNetwork,
} from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

// A master with two replicas and three sentinels, each data node on a test host of its own (a
// network namespace) so that it can be cut off; service processes follow the master through the
// sentinels while clients record every answer; the whole history is checked afterwards.
const TIMEOUT_MS = 500;
const CLIENTS = 8;
/** After the sentinels promote a replica, the service answers 200 again within this. */
const RECOVERY_MS = 5_000;

let network: TestNetwork;
let setup: SentinelSetup;
let scratch = "";
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-sentinel-"));
  network = await createTestNetwork(3);
  setup = await startSentinelSetup(network);
});
after(async () => {
  killCommands();
  await setup?.stop();
  await network?.remove();
  await rm(scratch, { recursive: true, force: true });
});

function serviceEnv(prefix: string, minReplicas: number): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    STORAGE: "redis",
    REDIS_SENTINELS: setup.sentinelList,
    REDIS_SENTINEL_MASTER: setup.masterName,
    REDIS_MIN_REPLICAS: String(minReplicas),
    REDIS_KEY_PREFIX: prefix,
    REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
    ENVIRONMENT: "fault-injection",
  };
}

/** Service processes, each a target whose URL changes when it is restarted. */
async function startServices(count: number, env: Record<string, string>) {
  const running: Running[] = [];
  const targets: Target[] = [];
  for (let k = 0; k < count; k++) {
    const one = await startCommand([BUNDLE], env, scratch);
    running.push(one);
    targets.push({ name: `service-${k}`, url: one.url });
  }
  return { running, targets };
}

const agentless = new Agent({ keepAlive: false });

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The counter as the master holds it, once everything has healed. */
async function finalCounter(prefix: string): Promise<bigint> {
  return BigInt((await redisCli(await setup.master(), "GET", `${prefix}counter`)) || "0");
}

function summary(history: readonly Operation[]): string {
  const by = new Map<string, number>();
  for (const { status, code } of history) {
    const outcome = code ? `${status} ${code}` : String(status);
    by.set(outcome, (by.get(outcome) ?? 0) + 1);
  }
  return [...by].map(([outcome, count]) => `${count} × ${outcome}`).join(", ");
}

describe("Redis behind Sentinel: failovers under load, every answer recorded and checked (bounded: about 60 s)", () => {
  it("REDIS_MIN_REPLICAS=1: the master cut off, killed, paused, and a service process killed; no value twice, none acknowledged lost, 200s again within 5 s of each promotion", async () => {
    const prefix = "ha-1:";
    const env = serviceEnv(prefix, 1);
    const { running, targets } = await startServices(3, env);
    const load = startLoad(targets, CLIENTS);
    const crashes: Crash[] = [];
    const recoveries: string[] = [];
    try {
      await load.successes(200, 10_000);

      /**
       * One master fault: inject it, wait for the promotion and the first 200 after it, then heal —
       * or, with `healAtPromotion`, heal as soon as the promotion is seen (a paused master wakes up).
       */
      const failover = async (
        name: string,
        inject: (master: RedisProcess) => Promise<void>,
        heal: (old: RedisProcess, now: RedisProcess) => Promise<void>,
        healAtPromotion = false,
      ) => {
        const old = await setup.master();
        const injected = performance.now();
        await inject(old);
        const { master } = await setup.promoted(old, 15_000);
        const promoted = performance.now();
        if (healAtPromotion) await heal(old, master);
        const served = await load.firstSuccessAfter(promoted, RECOVERY_MS + 5_000);
        const recovery = served - promoted;
        recoveries.push(
          `${name}: promoted after ${seconds(promoted - injected)}, 200 again ${seconds(Math.max(0, recovery))} later`,
        );
        console.log(`sentinel, MIN_REPLICAS=1, ${recoveries.at(-1)}`);
        assert.ok(recovery <= RECOVERY_MS, `${name}: 200 again ${recovery} ms after the promotion`);
        if (!healAtPromotion) await heal(old, master);
        await setup.replicated(2, 20_000);
        await load.successes(100, 10_000);
      };

      const k = (node: RedisProcess) => setup.nodes.indexOf(node);
      await failover(
        "master cut off (partition)",
        (old) => network.cut(k(old)),
        (old) => network.heal(k(old)),
      );
      await failover(
        "master killed (kill -9)",
        (old) => old.kill(),
        (old, now) => old.start(["--replicaof", now.host, String(now.port)]),
      );
      await failover(
        "master paused (SIGSTOP), woken up once a replica is promoted, still believing it is the master",
        async (old) => old.pause(),
        async (old) => old.resume(),
        true,
      );

      // A service process killed: the others answer meanwhile; it comes back on a new port.
      const victim = running[0] as Running;
      const from = performance.now();
      victim.child.kill("SIGKILL");
      await victim.exit;
      await load.successes(150, 10_000);
      const restarted = await startCommand([BUNDLE], env, scratch);
      (targets[0] as Target).url = restarted.url;
      crashes.push({ process: "service-0", from, to: performance.now() });
      await load.successes(150, 10_000);
    } finally {
      await load.stop();
    }
    const history = load.history;
    const final = await finalCounter(prefix);
    const problems = checkHistory(history, { final, crashes });
    const acknowledged = history.filter((operation) => operation.kind === "increment" && operation.status === 200);
    console.log(
      `sentinel, MIN_REPLICAS=1: ${history.length} operations (${summary(history)}), ${acknowledged.length} values acknowledged, final counter ${final}, ${problems.length} problems`,
    );
    assert.deepEqual(problems.slice(0, 10), []);
    assert.ok(acknowledged.length > 500, `${acknowledged.length} increments acknowledged`);
    assert.ok(
      history.some((operation) => operation.code === "STORAGE_TIMEOUT"),
      "some answers were 504: the faults were felt",
    );
  });

  it("REDIS_MIN_REPLICAS=0: the replicas cut off, then the master killed: the increments acknowledged meanwhile are lost by the failover; each process reports it and never repeats its own values", async () => {
    const prefix = "ha-0:";
    const { running, targets } = await startServices(2, serviceEnv(prefix, 0));
    const load = startLoad(targets, CLIENTS);
    try {
      await load.successes(150, 10_000);
      const old = await setup.master();
      const replicas = setup.nodes.filter((node) => node !== old);
      for (const replica of replicas) await network.cut(setup.nodes.indexOf(replica));
      // Acknowledged by the master alone: no replica holds them.
      await load.successes(300, 10_000);
      await old.kill();
      for (const replica of replicas) await network.heal(setup.nodes.indexOf(replica));
      const { master } = await setup.promoted(old, 20_000);
      const promoted = performance.now();
      await load.firstSuccessAfter(promoted, RECOVERY_MS + 5_000);
      await old.start(["--replicaof", master.host, String(master.port)]);
      await setup.replicated(2, 20_000);
      await load.successes(150, 10_000);
    } finally {
      await load.stop();
    }
    const history = load.history;
    const final = await finalCounter(prefix);
    const reports = running.flatMap((service) => service.output.filter((line) => line.includes("COUNTER_ROLLED_BACK")));
    const rollbacks = await Promise.all(
      targets.map(async (target) => {
        const { body } = await call(agentless, target.url, "GET", "/metrics");
        return sampleValue(parseExposition(body), "cell_counter_rollbacks_total");
      }),
    );
    const lost = reports.map((line) => {
      const { answered, found } = JSON.parse(line) as { answered: string; found: string };
      return BigInt(answered) - BigInt(found);
    });
    const problems = checkHistory(history, { final });
    const count = (rule: string) => problems.filter((problem) => problem.rule === rule).length;
    console.log(
      `sentinel, MIN_REPLICAS=0: ${history.length} operations (${summary(history)}), final counter ${final}; the failover lost ${lost.join(" and ")} increments as seen by each process (cell_counter_rollbacks_total ${rollbacks.join(", ")}); across processes: ${count("duplicate")} values answered twice, ${count("order")} out of real-time order`,
    );
    assert.ok(reports.length >= 1, "a process logged the rollback");
    assert.ok(
      lost.every((count) => count > 0n),
      `lost: ${lost.join(", ")}`,
    );
    assert.ok(
      rollbacks.reduce((sum, count) => sum + count, 0) >= reports.length,
      `rollbacks counted: ${rollbacks.join(", ")}`,
    );
    for (const target of targets) {
      const own = history.filter((operation) => operation.process === target.name);
      const repeated = checkHistory(own, { final }).filter(({ rule }) => rule === "duplicate" || rule === "order");
      assert.deepEqual(repeated.slice(0, 10), [], `${target.name} repeated none of its own values`);
    }
  });
});
