// `pnpm bench`: every server as its own process on loopback, loaded from this one, interleaved over
// rounds; durable checkpoints against the disk's limit; growth over a million requests; the core
// alone. Prints a markdown table and writes it to bench/results/ (and docs/ for a full run).
// `--quick` runs everything briefly, to show it works.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  BUN,
  call,
  DENO,
  imageSpec,
  killCommands,
  type Running,
  startCommand,
  startDynamoDb,
  startRedisServer,
} from "@cell-counter/tooling";
import autocannon from "autocannon";
import { chart } from "./chart.js";
import { benchCheckpoints, type CheckpointFigures } from "./checkpoints.js";
import { benchCore, type CoreFigures } from "./core.js";
import { benchLambdaInit } from "./lambda-init.js";

const root = new URL("..", import.meta.url).pathname;
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    rounds: { type: "string" },
    duration: { type: "string" },
    out: { type: "string" },
  },
});
const QUICK = flags.quick;
const ROUNDS = Number(flags.rounds ?? (QUICK ? 1 : 3));
const DURATION = Number(flags.duration ?? (QUICK ? 1 : 10));
const GROWTH = QUICK ? [2_000, 10_000] : [10_000, 100_000, 1_000_000];
const CONNECTIONS = 50;
const OUT = flags.out ?? join(root, "bench/results");

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const SERVER_CORE = hasTaskset ? ["taskset", "-c", "0"] : [];

const scratch = mkdtempSync(join(tmpdir(), "cell-counter-bench-"));
const redis = await startRedisServer();
// One replica, as a deployment that fails over has: the cost of confirming writes on it is measured.
const replica = await startRedisServer([
  "--replicaof",
  "127.0.0.1",
  String(redis.port),
  "--repl-diskless-load",
  "on-empty-db",
]);

interface Server {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Another runtime in node's place. */
  runtime?: string[];
  /** Processes of the same server, all on the server's core, the load shared among them. */
  replicas?: number;
}

/** The bundle, run with the node flags of the image's command. */
const IMAGE_NODE_FLAGS = imageSpec().cmd.slice(1, -1);
const BUNDLE = [...IMAGE_NODE_FLAGS, join(root, "dist/cell-counter.mjs")];
const NODE_ADAPTER: Server = {
  name: "node adapter, file storage (the bundle, as the image runs it)",
  args: BUNDLE,
  env: {},
};

const servers: Server[] = [
  { name: "the limit: bare node:http", args: [join(root, "bench/servers/baseline.mjs")], env: {} },
  { name: "peer: node:http + prom-client, by hand", args: [join(root, "bench/servers/node-prom-client.mjs")], env: {} },
  { name: "peer: fastify + prom-client", args: [join(root, "bench/servers/fastify-prom-client.mjs")], env: {} },
  NODE_ADAPTER,
  {
    name: "pnpm start (the built command, unbundled)",
    args: [...IMAGE_NODE_FLAGS, join(root, "scripts/start.mjs"), "cell-counter"],
    env: {},
  },
  // With the adapter's node flags: it is there to measure what the adapter adds to h3.
  {
    name: "reference: bare h3, no metrics",
    args: [...IMAGE_NODE_FLAGS, join(root, "bench/servers/h3-bare.mjs")],
    env: {},
  },
  { name: "peer: h3 + prom-client", args: [join(root, "bench/servers/h3-prom-client.mjs")], env: {} },
  {
    name: "h3 adapter, file storage",
    args: [...IMAGE_NODE_FLAGS, join(root, "packages/server/dist/bin/cell-counter-h3.js")],
    env: {},
  },
  {
    name: "peer: node:http + ioredis, INCR per request",
    args: [join(root, "bench/servers/node-ioredis.mjs")],
    env: { REDIS_URL: redis.url },
  },
  {
    name: "node adapter, Redis storage",
    args: BUNDLE,
    env: { STORAGE: "redis", REDIS_URL: redis.url, REDIS_KEY_PREFIX: "bench:" },
  },
  {
    name: "node adapter, Redis storage, REDIS_MIN_REPLICAS=1 (each batch confirmed by WAIT)",
    args: BUNDLE,
    env: { STORAGE: "redis", REDIS_URL: redis.url, REDIS_KEY_PREFIX: "bench-wait:", REDIS_MIN_REPLICAS: "1" },
  },
  {
    name: "3 replicas of the node adapter on one Redis, aggregate",
    args: BUNDLE,
    env: { STORAGE: "redis", REDIS_URL: redis.url, REDIS_KEY_PREFIX: "bench-replicas:" },
    replicas: 3,
  },
  { name: "reference: bare Bun.serve", args: [join(root, "bench/servers/bun-bare.mjs")], env: {}, runtime: BUN },
  {
    name: "Bun: Bun.serve + the core's fetch entry, file storage",
    args: [join(root, "packages/server/dist/runtimes/bun.js")],
    env: {},
    runtime: BUN,
  },
  { name: "reference: bare Deno.serve", args: [join(root, "bench/servers/deno-bare.mjs")], env: {}, runtime: DENO },
  {
    name: "Deno: Deno.serve + the core's fetch entry, file storage",
    args: [join(root, "packages/server/dist/runtimes/deno.js")],
    env: {},
    runtime: DENO,
  },
];

/** Starts a server on core 0 (when taskset exists) with every metric on. */
async function start(server: Server, name = "run"): Promise<Running & { pid: number }> {
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    CHECKPOINT_PATH: join(scratch, name, "checkpoint.json"),
    ...server.env,
  };
  const running = await startCommand(server.args, env, root, {
    prefix: SERVER_CORE,
    ...(server.runtime && { runtime: server.runtime }),
  });
  return { ...running, pid: running.child.pid as number };
}

async function stop(running: Running): Promise<void> {
  running.child.kill("SIGTERM");
  await running.exit;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const LOAD_CORE = hasTaskset ? ["taskset", "-c", "1"] : [];

interface Load {
  rps: number;
  /** Latency percentiles, in milliseconds. */
  p50: number;
  p99: number;
}

/** wrk on the other core: `GET /` over keep-alive connections shared among the URLs, for `seconds`. */
async function load(urls: string[], seconds: number): Promise<Load> {
  const runs = await Promise.all(
    urls.map(
      (url) =>
        new Promise<Load>((resolve, reject) => {
          const connections = String(Math.ceil(CONNECTIONS / urls.length));
          const [file, ...args] = [
            ...LOAD_CORE,
            "wrk",
            "-t1",
            `-c${connections}`,
            `-d${Math.max(1, Math.round(seconds))}s`,
            "--latency",
            url,
          ];
          execFile(file as string, args, (error, stdout) => {
            if (error) return reject(new Error(`wrk (scripts/install-test-tools.sh installs it): ${error.message}`));
            const ms = (percent: number) => {
              const [, value, unit] = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)$`, "m").exec(stdout) ?? [];
              return Number(value) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);
            };
            resolve({ rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(stdout)?.[1]), p50: ms(50), p99: ms(99) });
          });
        }),
    ),
  );
  return {
    rps: runs.reduce((sum, run) => sum + run.rps, 0),
    p50: Math.max(...runs.map((run) => run.p50)),
    p99: Math.max(...runs.map((run) => run.p99)),
  };
}

/** Mean time of a `GET /metrics`, one after another over one keep-alive connection. */
async function scrapeMs(url: string, count: number): Promise<number | undefined> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const scrape = async () => (await call(agent, url, "GET", "/metrics")).status;
  try {
    if ((await scrape()) !== 200) return undefined;
    for (let i = 0; i < 10; i++) await scrape();
    const started = performance.now();
    for (let i = 0; i < count; i++) await scrape();
    return (performance.now() - started) / count;
  } finally {
    agent.destroy();
  }
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  scrapeMs: number | undefined;
  rss: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

// `--only <text>[,<text>…]`: the limit and the servers whose name contains one of the texts, throughput alone.
if (flags.only) {
  const only = flags.only.split(",");
  servers.splice(
    1,
    servers.length,
    ...servers.slice(1).filter((server) => only.some((text) => server.name.includes(text))),
  );
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** 1. Throughput and latency, interleaved: the limit, the peers, cell-counter's hosts, the limit again… */
async function measureThroughput() {
  const runs = new Map<string, Run[]>(servers.map((server) => [server.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of servers) {
      const processes = [];
      for (let replica = 0; replica < (server.replicas ?? 1); replica++) processes.push(await start(server));
      const urls = processes.map((running) => running.url);
      await load(urls, QUICK ? 1 : 2); // warm-up: JIT, sockets
      const result = await load(urls, DURATION);
      const run: Run = {
        ...result,
        scrapeMs: await scrapeMs(urls[0] as string, QUICK ? 10 : 200),
        rss: processes.reduce((sum, running) => sum + rssBytes(running.pid), 0),
      };
      runs.get(server.name)?.push(run);
      console.error(`round ${round} ${server.name}: ${Math.round(run.rps)} req/s, p99 ${run.p99} ms`);
      await Promise.all(processes.map(stop));
    }
  }
  const baseline = runs.get(servers[0]?.name as string) as Run[];
  const throughput = servers.map((server) => {
    const own = runs.get(server.name) as Run[];
    const scrapes = own.map((run) => run.scrapeMs).filter((value): value is number => value !== undefined);
    return {
      name: server.name,
      rps: median(own.map((run) => run.rps)),
      ratio: median(own.map((run, index) => run.rps / (baseline[index] as Run).rps)),
      p50: median(own.map((run) => run.p50)),
      p99: median(own.map((run) => run.p99)),
      p99Ratio: median(own.map((run, index) => run.p99 / (baseline[index] as Run).p99)),
      scrapeMs: scrapes.length ? median(scrapes) : undefined,
      rss: median(own.map((run) => run.rss)),
    };
  });
  const table = [
    "| server | req/s | × the limit | p50 ms | p99 ms | p99 × the limit's | `/metrics` scrape ms | RSS after load |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...throughput.map(
      (row) =>
        `| ${row.name} | ${Math.round(row.rps)} | ${row.ratio.toFixed(2)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.p99Ratio.toFixed(2)} | ${row.scrapeMs === undefined ? "—" : row.scrapeMs.toFixed(2)} | ${mib(row.rss)} |`,
    ),
  ];
  return { throughput, table };
}

// 1b. Side by side: a server and its reference on the server core at once, each under its own wrk.
// Whatever slows the machine down during a round slows both; each one's requests per CPU-second
// (user + system time of its process) is compared, which the sharing of the core does not skew.
const PAIRS: [candidate: string, reference: string][] = [
  ["pnpm start", "the limit"],
  ["node adapter, file storage", "the limit"],
  ["h3 adapter", "reference: bare h3"],
  ["h3 adapter", "peer: h3 + prom-client"],
  ["node adapter, Redis storage", "the limit"],
  ["REDIS_MIN_REPLICAS=1", "node adapter, Redis storage"],
];
// Both are started anew for each launch, in turn first: a process's JIT and garbage collector
// settle a little differently from one start to the next (two copies of one server: launch
// medians 0.97–1.01 of each other), and each launch's rounds share that.
const PAIR_LAUNCHES = QUICK ? 1 : 3;
const PAIR_ROUNDS = QUICK ? 1 : Math.max(3, ROUNDS);
const PAIR_SECONDS = QUICK ? 1 : 3;

/** CPU time (user + system) a process has used so far, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** The single-process server whose name contains `text`. */
const serverNamed = (text: string) => servers.find((server) => server.name.includes(text) && !server.replicas);

/** 1b. Each pair side by side; the table's rows. */
async function measureSideBySide(): Promise<string[]> {
  const sideBySide = [];
  for (const [candidateName, referenceName] of PAIRS) {
    const [candidate, reference] = [serverNamed(candidateName), serverNamed(referenceName)];
    if (!candidate || !reference) continue;
    const rounds: { launch: number; rpsRatio: number; costRatio: number; rpsA: number; rpsB: number }[] = [];
    for (let launch = 0; launch < PAIR_LAUNCHES; launch++) {
      const [first, second] = launch % 2 === 0 ? [candidate, reference] : [reference, candidate];
      const started = [await start(first, "pair-a"), await start(second, "pair-b")];
      const both = launch % 2 === 0 ? started : started.reverse();
      await Promise.all(both.map((running) => load([running.url], QUICK ? 1 : 2)));
      for (let round = 0; round < PAIR_ROUNDS; round++) {
        const before = both.map((running) => cpuTicks(running.pid));
        const [a, b] = (await Promise.all(both.map((running) => load([running.url], PAIR_SECONDS)))) as [Load, Load];
        const [cpuA, cpuB] = both.map((running, index) => cpuTicks(running.pid) - (before[index] as number)) as [
          number,
          number,
        ];
        rounds.push({
          launch,
          rpsRatio: a.rps / b.rps,
          costRatio: a.rps / cpuA / (b.rps / cpuB),
          rpsA: a.rps,
          rpsB: b.rps,
        });
      }
      await Promise.all(both.map(stop));
    }
    const launchMedians = Array.from({ length: PAIR_LAUNCHES }, (_, launch) =>
      median(rounds.filter((round) => round.launch === launch).map((round) => round.costRatio)),
    );
    const row = {
      candidate: candidate.name,
      reference: reference.name,
      rpsA: median(rounds.map((round) => round.rpsA)),
      rpsB: median(rounds.map((round) => round.rpsB)),
      rpsRatio: median(rounds.map((round) => round.rpsRatio)),
      costRatio: median(rounds.map((round) => round.costRatio)),
      costLowest: Math.min(...launchMedians),
      costHighest: Math.max(...launchMedians),
    };
    console.error(`side by side: ${row.candidate} / ${row.reference}: ${row.costRatio.toFixed(3)} per CPU-second`);
    sideBySide.push(row);
  }
  return [
    `| server | its reference | req/s, each (shared core) | req/s ratio | requests per CPU-second × the reference's (median of the ${PAIR_LAUNCHES * PAIR_ROUNDS} rounds; lowest–highest of the ${PAIR_LAUNCHES} launches' medians) |`,
    "| --- | --- | ---: | ---: | ---: |",
    ...sideBySide.map(
      (row) =>
        `| ${row.candidate} | ${row.reference} | ${Math.round(row.rpsA)} / ${Math.round(row.rpsB)} | ${row.rpsRatio.toFixed(2)} | **${row.costRatio.toFixed(2)}** (${row.costLowest.toFixed(2)}–${row.costHighest.toFixed(2)}) |`,
    ),
  ];
}

/** Stops what the benchmark started and removes its files. */
async function cleanUp(): Promise<void> {
  await replica.stop();
  await redis.stop();
  killCommands();
  rmSync(scratch, { recursive: true, force: true });
}
/** The live heap after a full collection, as the preloaded script prints it on SIGUSR2. */
async function liveHeap(running: Running): Promise<number> {
  const before = running.output.length;
  running.child.kill("SIGUSR2");
  for (let i = 0; i < 200; i++) {
    const line = running.output.slice(before).find((entry) => entry.startsWith("live heap "));
    if (line) return Number(line.slice("live heap ".length));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Number.NaN;
}
/** 2. Growth: RSS and /metrics size after N requests, half of them on random unknown paths. */
async function measureGrowth() {
  const growing = await start(
    {
      ...NODE_ADAPTER,
      args: ["--expose-gc", "--import", join(root, "bench/servers/gc-on-signal.mjs"), ...NODE_ADAPTER.args],
    },
    "growth",
  );
  const growth: { requests: number; rss: number; heapUsed: number; liveHeap: number; metricsBytes: number }[] = [];

  let done = 0;
  for (const target of GROWTH) {
    const amount = target - done;
    let flip = 0;
    await autocannon({
      url: growing.url,
      connections: CONNECTIONS,
      amount,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            path: flip++ % 2 ? "/" : `/${Math.random().toString(36).slice(2)}`,
          }),
        },
      ],
    });
    done = target;
    const exposition = await (await fetch(`${growing.url}/metrics`)).text();
    const heapUsed = Number(/^nodejs_heap_size_used_bytes\{[^}]*\} (\d+)/m.exec(exposition)?.[1] ?? 0);
    growth.push({
      requests: target,
      rss: rssBytes(growing.pid),
      heapUsed,
      liveHeap: await liveHeap(growing),
      metricsBytes: exposition.length,
    });
  }
  await stop(growing);
  return growth;
}

/** 5. The Lambda function's cold init, on each shared storage. */
async function measureLambdaInit() {
  const dynamo = await startDynamoDb();
  await dynamo.createTable("bench");
  const figures = (
    [
      ["redis", { REDIS_URL: redis.url, REDIS_KEY_PREFIX: "lambda:" }],
      ["dynamodb", { ...dynamo.env, STORAGE: "dynamodb", DYNAMODB_TABLE: "bench" }],
    ] as const
  ).map(([storage, env]) => {
    const samples = benchLambdaInit(root, env, QUICK ? 1 : 15);
    return {
      storage,
      importMs: median(samples.map((sample) => sample.importMs)),
      firstAnswerMs: median(samples.map((sample) => sample.firstAnswerMs)),
    };
  });
  await dynamo.stop();
  return figures;
}

const { throughput, table: throughputTable } = await measureThroughput();
const sideBySideTable = await measureSideBySide();
if (flags.only) {
  console.log([...throughputTable, "", ...sideBySideTable].join("\n"));
  await cleanUp();
  process.exit(0);
}
const growth = await measureGrowth();
// 3. Durable checkpoints, and 4. the core alone, in this process.
const checkpoints: CheckpointFigures = await benchCheckpoints(join(scratch, "checkpoints"), QUICK, async () => {
  const server = await start(NODE_ADAPTER, "latency");
  return { url: server.url, stop: () => stop(server), load: (seconds: number) => load([server.url], seconds) };
});
const core: CoreFigures = await benchCore(QUICK);
const lambdaInit = await measureLambdaInit();
await cleanUp();

/** The report: a markdown table on stdout and in bench/results/ (and docs/ for a full run), with a chart. */
function writeReport(): void {
  const now = new Date();
  const command = `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
  const lines = [
    `# cell-counter benchmarks${QUICK ? " (quick run: figures not meaningful)" : ""}`,
    "",
    `- date: ${now.toISOString()}`,
    `- command: \`${command}\``,
    `- machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}, ${process.platform}`,
    `- method: each server its own process${hasTaskset ? " pinned to core 0 (taskset), the load generator on core 1" : ""}; wrk (one thread), ${CONNECTIONS} keep-alive connections, \`GET /\`, ${DURATION} s after a warm-up (for the replicas, one wrk per replica, the connections shared, req/s summed); ${ROUNDS} interleaved rounds, medians; ratios to the limit (bare node:http) of the same round; cell-counter's node servers and the bare h3 reference run with the image's node flags (${IMAGE_NODE_FLAGS.join(" ")}); the Redis servers share one Redis with one replica (redis-server on loopback, on the load generator's core). Growth and checkpoint latency are loaded with autocannon`,
    "",
    "## Requests per second",
    "",
    ...throughputTable,
    "",
    `## Side by side (both on the server core at once, each under its own wrk; ${PAIR_LAUNCHES} launches of both, ${PAIR_ROUNDS} rounds of ${PAIR_SECONDS} s each)`,
    "",
    ...sideBySideTable,
    "",
    "## Durable checkpoints (file storage, fsync on)",
    "",
    "| measure | value |",
    "| --- | ---: |",
    `| disk limit: write + fsync + rename + directory fsync, sequential | ${Math.round(checkpoints.diskLimit)} /s |`,
    `| file storage, sequential checkpoints | ${Math.round(checkpoints.sequential)} /s (${(checkpoints.sequential / checkpoints.diskLimit).toFixed(2)} × the limit) |`,
    `| file storage, 50 concurrent checkpoints at a time, sharing writes (group commit) | ${Math.round(checkpoints.concurrent)} answered /s (${(checkpoints.concurrent / checkpoints.sequential).toFixed(1)} × sequential) |`,
    `| checkpoint latency over HTTP under ${CONNECTIONS} connections of increments, p50 / p99 | ${checkpoints.latencyP50.toFixed(2)} / ${checkpoints.latencyP99.toFixed(2)} ms |`,
    "",
    "## Growth (node adapter; half the requests on random unknown paths)",
    "",
    "| requests | RSS | V8 heap used | live heap after a full GC | `/metrics` size |",
    "| ---: | ---: | ---: | ---: | ---: |",
    ...growth.map(
      (row) =>
        `| ${row.requests.toLocaleString("en")} | ${mib(row.rss)} | ${mib(row.heapUsed)} | ${mib(row.liveHeap)} | ${row.metricsBytes} bytes |`,
    ),
    "",
    "## The core alone (in process, no sockets; tinybench)",
    "",
    "| operation | ops/s |",
    "| --- | ---: |",
    ...core.map((row) => `| ${row.name} | ${Math.round(row.opsPerSecond)} |`),
    "",
    "## The Lambda function's cold init (a fresh process imports `dist/lambda/index.mjs`, then answers one event; medians)",
    "",
    "| storage | import of the bundle | first answer |",
    "| --- | ---: | ---: |",
    ...lambdaInit.map(
      (row) => `| ${row.storage} | ${row.importMs.toFixed(1)} ms | ${row.firstAnswerMs.toFixed(1)} ms |`,
    ),
    "",
  ];
  const markdown = lines.join("\n");
  console.log(markdown);

  mkdirSync(OUT, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  writeFileSync(join(OUT, `${stamp}.md`), markdown);
  const svg = chart(throughput.map((row) => ({ label: row.name, value: row.rps })));
  writeFileSync(join(OUT, `${stamp}.svg`), svg);
  if (!QUICK && !flags.out) {
    writeFileSync(join(root, "docs/benchmarks.svg"), svg);
    const doc = readFileSync(join(root, "docs/benchmarks.md"), "utf8");
    const marker = "<!-- latest run -->";
    const [head] = doc.split(marker);
    writeFileSync(
      join(root, "docs/benchmarks.md"),
      `${head}${marker}\n\n![requests per second](benchmarks.svg)\n\n${markdown.replace(/^# .*\n/, "")}`,
    );
  }
  console.error(`written to ${join(OUT, `${stamp}.md`)}`);
}
writeReport();
