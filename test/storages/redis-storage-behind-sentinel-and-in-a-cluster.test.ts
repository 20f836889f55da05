import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isCounterError } from "@cell-counter/core";
import { createRedisStorage, type RedisStorage } from "@cell-counter/storage-redis";
import {
  type ClusterSetup,
  createTestNetwork,
  redisCli,
  type SentinelSetup,
  startRedisCluster,
  startSentinelSetup,
  type TestNetwork,
} from "@cell-counter/tooling";

// The Redis storage itself (in this process) on a Cluster and behind Sentinel. The failover of a
// Cluster's slot, through the service, is test/fault-injection's.
let cluster: ClusterSetup;
let network: TestNetwork;
let sentinel: SentinelSetup;
const opened: RedisStorage[] = [];
let prefixes = 0;
before(async () => {
  [cluster, network] = await Promise.all([startRedisCluster(3, 1), createTestNetwork(3)]);
  sentinel = await startSentinelSetup(network);
});
after(async () => {
  await Promise.all(opened.map((storage) => storage.close?.()));
  await cluster?.stop();
  await sentinel?.stop();
  await network?.remove();
});

const nodes = () =>
  cluster.nodeList.split(",").map((address) => {
    const [host, port] = address.split(":");
    return { host: host as string, port: Number(port) };
  });

function onCluster(minReplicas = 0): RedisStorage {
  const storage = createRedisStorage({
    clusterNodes: nodes(),
    keyPrefix: `c${++prefixes}:`,
    minReplicas,
    timeoutMs: 500,
  });
  opened.push(storage);
  return storage;
}

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

/** Increments until one succeeds, within `timeoutMs`; the failures met meanwhile, by code. */
async function untilServed(storage: RedisStorage, timeoutMs: number): Promise<Set<string>> {
  const codes = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await storage.increment();
      return codes;
    } catch (error) {
      codes.add(isCounterError(error) ? error.code : String(error));
      assert.ok(Date.now() < deadline, `not served within ${timeoutMs} ms: ${[...codes].join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 50)); // a client retrying, not a synchronisation
    }
  }
}

describe("Redis storage on a Cluster: the keys in one slot, the slot's master lost", () => {
  it("puts the counter, the checkpoint and the restores' count in one slot, with the prefix as a hash tag", async () => {
    const storage = onCluster();
    assert.deepEqual(storage.keys, {
      counter: `{c${prefixes}:}counter`,
      checkpoint: `{c${prefixes}:}checkpoint`,
      restores: `{c${prefixes}:}restores`,
    });
    const slots = await Promise.all(
      Object.values(storage.keys).map((key) => redisCli(cluster.nodes[0] as never, "CLUSTER", "KEYSLOT", key)),
    );
    assert.equal(new Set(slots).size, 1);
  });

  it("with minReplicas 1, once ready: 100 increments at once give 1…100, confirmed by the slot's replica; a checkpoint, an increment, a restore", async () => {
    const storage = onCluster(1);
    // The first contact with each node opens its connection: wait until the storage says it can serve.
    const deadline = Date.now() + 10_000;
    while (
      !(await storage.ready().then(
        () => true,
        () => false,
      ))
    ) {
      assert.ok(Date.now() < deadline, "ready within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 50)); // polled until ready
    }
    const values = await Promise.all(Array.from({ length: 100 }, () => storage.increment()));
    assert.deepEqual(
      values.sort((x, y) => (x < y ? -1 : 1)),
      Array.from({ length: 100 }, (_, i) => BigInt(i + 1)),
    );
    assert.equal(await storage.checkpoint(), 100n);
    assert.equal(await storage.increment(), 101n);
    assert.equal(await storage.restore(), 100n);
  });
});

describe("Redis storage behind Sentinel: the master found, and found again after a failover", () => {
  const open = (minReplicas: number) => {
    const storage = createRedisStorage({
      sentinels: sentinel.sentinelList.split(",").map((address) => {
        const [host, port] = address.split(":");
        return { host: host as string, port: Number(port) };
      }),
      master: sentinel.masterName,
      keyPrefix: `s${++prefixes}:`,
      minReplicas,
      timeoutMs: 500,
    });
    opened.push(storage);
    return storage;
  };

  it("is ready on the master with its replicas; the master killed, it is not ready, then serves the promoted one", async () => {
    const storage = open(1);
    await storage.ready();
    assert.equal(await storage.increment(), 1n);
    const old = await sentinel.master();
    await old.kill();
    await assert.rejects(storage.ready(), hasCode("STORAGE_UNAVAILABLE"));
    const { master } = await sentinel.promoted(old, 15_000);
    await untilServed(storage, 10_000);
    await storage.ready();
    assert.equal(await storage.current(), 2n);
    await old.start(["--replicaof", master.host, String(master.port)]);
    await sentinel.replicated(2, 20_000);
  });

  it("an address that answers nothing, with credentials and TLS or without, on every topology: STORAGE_UNAVAILABLE within the timeout, never a hang", async () => {
    const nowhere = [{ host: "127.0.0.1", port: 1 }];
    const credentials = { username: "app", password: "pw", tls: true } as const;
    for (const topology of [
      { url: "redis://127.0.0.1:1", password: "pw" },
      { sentinels: nowhere, master: "m" },
      { sentinels: nowhere, master: "m", ...credentials },
      { clusterNodes: nowhere },
      { clusterNodes: nowhere, ...credentials },
    ]) {
      const storage = createRedisStorage({ ...topology, timeoutMs: 300 });
      opened.push(storage);
      const started = Date.now();
      await assert.rejects(async () => storage.increment(), hasCode("STORAGE_UNAVAILABLE"), JSON.stringify(topology));
      assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
    }
  });
});
