import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Command, freePort, runCommand } from "./process.js";
import { answersPing, redisServerArgs } from "./redis-server.js";

const run = promisify(execFile);

/** One `redis-server` (a data node or a sentinel) that a fault test kills, pauses, cuts off and restarts. */
export interface RedisProcess {
  readonly name: string;
  /** The address the other processes reach it at. */
  readonly host: string;
  readonly port: number;
  /** Starts it (again), with its own arguments and these. */
  start(extra?: string[]): Promise<void>;
  /** SIGKILL, as abrupt as a crash; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: it keeps its connections and wakes up believing what it believed. */
  pause(): void;
  resume(): void;
}

/** Runs `redis-cli` against a node; its answer, trimmed. */
export async function redisCli(node: { host: string; port: number }, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", node.host, "-p", String(node.port), ...args], { timeout: 5_000 });
  return stdout.trim();
}

/** A process of `redis-server`, its files (a replica's copy of the data set) in `dir`. */
function redisProcess(
  name: string,
  host: string,
  port: number,
  dir: string,
  args: string[],
  namespace?: string,
): RedisProcess {
  let running: Command | undefined;
  return {
    name,
    host,
    port,
    async start(extra = []) {
      const prefix = namespace ? ["ip", "netns", "exec", namespace] : [];
      await mkdir(dir, { recursive: true });
      running = runCommand([...args, ...extra], {}, dir, { prefix, runtime: ["redis-server"] });
      running.child.on("error", (error) => {
        throw new Error(`cannot run redis-server (scripts/install-test-tools.sh installs it): ${error.message}`);
      });
      const deadline = Date.now() + 10_000;
      while (!(await answersPing(port, host))) {
        if (Date.now() > deadline || running.child.exitCode !== null) {
          throw new Error(`${name} did not start on ${host}:${port}: ${running.output.join("\n")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      const child = running?.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
    pause: () => running?.child.kill("SIGSTOP"),
    resume: () => running?.child.kill("SIGCONT"),
  };
}

/**
 * Test hosts on one machine: each data node in a network namespace of its own, joined to the
 * machine by a veth pair on one bridge, so that any node can be cut off from every other process
 * (the link set down) and joined again. Needs root: created and removed by the test.
 */
export interface TestNetwork {
  /** The machine's address on the bridge (sentinels and services listen and connect from it). */
  readonly gateway: string;
  /** Host k's namespace and address. */
  host(k: number): { namespace: string; address: string };
  cut(k: number): Promise<void>;
  heal(k: number): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestNetwork(hosts: number): Promise<TestNetwork> {
  if (process.getuid?.() !== 0) throw new Error("network namespaces need root (ip netns): run the tests as root");
  const id = (process.pid % 9000) + 1000;
  const subnet = `10.213.${1 + (process.pid % 250)}`;
  const bridge = `ccb${id}`;
  const link = (k: number) => `ccv${id}h${k}`;
  const namespace = (k: number) => `cc${id}h${k}`;
  const ip = (...args: string[]) =>
    run("ip", args).catch((error: Error) => {
      throw new Error(
        `ip ${args.join(" ")}: ${error.message} (iproute2 is installed by scripts/install-test-tools.sh)`,
      );
    });
  const network: TestNetwork = {
    gateway: `${subnet}.1`,
    host: (k) => ({ namespace: namespace(k), address: `${subnet}.${k + 2}` }),
    cut: async (k) => void (await ip("link", "set", link(k), "down")),
    heal: async (k) => void (await ip("link", "set", link(k), "up")),
    async remove() {
      for (let k = 0; k < hosts; k++) await run("ip", ["netns", "del", namespace(k)]).catch(() => {});
      await run("ip", ["link", "del", bridge]).catch(() => {});
    },
  };
  await network.remove(); // what a killed run left behind
  await ip("link", "add", "name", bridge, "type", "bridge");
  await ip("addr", "add", `${network.gateway}/24`, "dev", bridge);
  await ip("link", "set", bridge, "up");
  for (let k = 0; k < hosts; k++) {
    await ip("netns", "add", namespace(k));
    await ip("link", "add", link(k), "type", "veth", "peer", "name", "eth0", "netns", namespace(k));
    await ip("link", "set", link(k), "master", bridge, "up");
    await ip("-n", namespace(k), "addr", "add", `${network.host(k).address}/24`, "dev", "eth0");
    await ip("-n", namespace(k), "link", "set", "eth0", "up");
    await ip("-n", namespace(k), "link", "set", "lo", "up");
  }
  return network;
}

/** A master, its replicas and sentinels: what Bitnami's chart runs, on test hosts. */
export interface SentinelSetup {
  readonly masterName: string;
  /** `host:port,…` of the sentinels, for `REDIS_SENTINELS`. */
  readonly sentinelList: string;
  /** The data nodes, host k in `network.host(k)`; the first starts as the master. */
  readonly nodes: readonly RedisProcess[];
  readonly sentinels: readonly RedisProcess[];
  /** The node the sentinels name as the master now. */
  master(): Promise<RedisProcess>;
  /** Waits until the sentinels name a master other than `old`, and returns it with the time it was seen. */
  promoted(old: RedisProcess, timeoutMs: number): Promise<{ master: RedisProcess; at: number }>;
  /** Waits until the master has `count` replicas online, acknowledging within the last second. */
  replicated(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const MASTER_NAME = "cell";

export async function startSentinelSetup(
  network: TestNetwork,
  dataNodes = 3,
  sentinelCount = 3,
): Promise<SentinelSetup> {
  const dir = await mkdtemp(join(tmpdir(), "cell-counter-sentinel-"));
  const nodes: RedisProcess[] = [];
  for (let k = 0; k < dataNodes; k++) {
    const { namespace, address } = network.host(k);
    const port = 6379;
    // Reached from the machine and the other hosts, not only from loopback: protected mode off.
    const args = [...redisServerArgs(address, port), "--protected-mode", "no"];
    nodes.push(redisProcess(`redis-${k}`, address, port, join(dir, `redis-${k}`), args, namespace));
  }
  const first = nodes[0] as RedisProcess;
  await first.start();
  await Promise.all(nodes.slice(1).map((node) => node.start(["--replicaof", first.host, String(first.port)])));
  const sentinels: RedisProcess[] = [];
  for (let k = 0; k < sentinelCount; k++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${k}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        `bind 127.0.0.1 ${network.gateway}`,
        "protected-mode no",
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} ${first.host} ${first.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 4000`,
        `sentinel parallel-syncs ${MASTER_NAME} 2`,
        "",
      ].join("\n"),
    );
    sentinels.push(
      redisProcess(`sentinel-${k}`, "127.0.0.1", port, dir, [conf, "--sentinel", "--loglevel", "warning"]),
    );
  }
  await Promise.all(sentinels.map((sentinel) => sentinel.start()));

  const setup: SentinelSetup = {
    masterName: MASTER_NAME,
    sentinelList: sentinels.map(({ host, port }) => `${host}:${port}`).join(","),
    nodes,
    sentinels,
    async master() {
      for (const sentinel of sentinels) {
        const answer = await redisCli(sentinel, "SENTINEL", "get-master-addr-by-name", MASTER_NAME).catch(() => "");
        const [host, port] = answer.split("\n");
        const node = nodes.find((one) => one.host === host && String(one.port) === port);
        if (node) return node;
      }
      throw new Error("no sentinel names a master");
    },
    async promoted(old, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const master = await setup.master().catch(() => old);
        if (master !== old) return { master, at: Date.now() };
        if (Date.now() > deadline)
          throw new Error(`the sentinels did not promote a replica of ${old.name} in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async replicated(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const master = await setup.master().catch(() => undefined);
        const info = master ? await redisCli(master, "INFO", "replication").catch(() => "") : "";
        const online = [...info.matchAll(/slave\d+:ip=[^,]+,port=\d+,state=online,offset=\d+,lag=(\d+)/g)];
        if (online.filter(([, lag]) => Number(lag) <= 1).length >= count) return;
        if (Date.now() > deadline)
          throw new Error(`fewer than ${count} replicas caught up in ${timeoutMs} ms:\n${info}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      for (const one of [...sentinels, ...nodes]) {
        one.resume();
        await one.kill();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  await setup.replicated(dataNodes - 1, 10_000);
  // Each sentinel has found the replicas and the other sentinels before any fault.
  for (const sentinel of sentinels) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = await redisCli(sentinel, "SENTINEL", "master", MASTER_NAME).catch(() => "");
      const fields = info.split("\n");
      const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
      if (field("num-slaves") >= dataNodes - 1 && field("num-other-sentinels") >= sentinelCount - 1) break;
      if (Date.now() > deadline) throw new Error(`${sentinel.name} did not find the others: ${info}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return setup;
}

/** A Redis Cluster on loopback: `masters` masters, each with `replicas` replicas. */
export interface ClusterSetup {
  /** `host:port,…` of every node, for `REDIS_CLUSTER_NODES`. */
  readonly nodeList: string;
  readonly nodes: readonly RedisProcess[];
  /** The node that serves `key`'s slot now. */
  masterOf(key: string): Promise<RedisProcess>;
  /** Waits until every live node says the cluster is ok and `key`'s slot has a master other than `old`. */
  promoted(key: string, old: RedisProcess, timeoutMs: number): Promise<{ master: RedisProcess; at: number }>;
  stop(): Promise<void>;
}

export async function startRedisCluster(masters = 3, replicas = 2): Promise<ClusterSetup> {
  const dir = await mkdtemp(join(tmpdir(), "cell-counter-cluster-"));
  const nodes: RedisProcess[] = [];
  for (let k = 0; k < masters * (1 + replicas); k++) {
    const port = await freePort();
    nodes.push(
      redisProcess(`cluster-${k}`, "127.0.0.1", port, join(dir, `cluster-${k}`), [
        ...redisServerArgs("127.0.0.1", port),
        ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000"],
      ]),
    );
  }
  await Promise.all(nodes.map((node) => node.start()));
  const addresses = nodes.map(({ host, port }) => `${host}:${port}`);
  await run(
    "redis-cli",
    ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"],
    {
      timeout: 30_000,
    },
  );

  async function masterOf(key: string): Promise<RedisProcess> {
    for (const node of nodes) {
      const slot = Number(await redisCli(node, "CLUSTER", "KEYSLOT", key).catch(() => Number.NaN));
      if (Number.isNaN(slot)) continue;
      const lines = (await redisCli(node, "CLUSTER", "NODES")).split("\n");
      for (const line of lines) {
        const [, address, flags, , , , , , ...ranges] = line.split(" ");
        if (!flags?.includes("master") || flags.includes("fail")) continue;
        const serves = ranges.some((range) => {
          const [from, to = from] = range.split("-").map(Number) as [number, number?];
          return slot >= from && slot <= (to as number);
        });
        const found = nodes.find((one) => `${one.host}:${one.port}` === address?.split("@")[0]);
        if (serves && found) return found;
      }
    }
    throw new Error(`no master serves ${key}`);
  }
  const setup: ClusterSetup = {
    nodeList: addresses.join(","),
    nodes,
    masterOf,
    async promoted(key, old, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const master = await masterOf(key).catch(() => old);
        const state = master === old ? "" : await redisCli(master, "CLUSTER", "INFO").catch(() => "");
        if (state.includes("cluster_state:ok")) return { master, at: Date.now() };
        if (Date.now() > deadline) throw new Error(`no replica of ${old.name} was promoted in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      for (const node of nodes) await node.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Every node sees the cluster ok, and every master has its replicas online.
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    for (;;) {
      const state = await redisCli(node, "CLUSTER", "INFO");
      const info = await redisCli(node, "INFO", "replication");
      const online = info.match(/state=online/g)?.length ?? 0;
      if (state.includes("cluster_state:ok") && (info.includes("role:slave") || online === replicas)) break;
      if (Date.now() > deadline) throw new Error(`${node.name}: the cluster is not ok:\n${state}\n${info}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return setup;
}
