// `pnpm mutate`: plants each known bug (a small change to one file) in a scratch copy of the
// repository, builds, runs the tests that guard that promise, and reports killed or survived.
// Not part of `pnpm test` (about a minute per mutant). `pnpm mutate <name…>` runs some of them.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** name, file, [text, replacement] pairs, test filters. */
const MUTANTS = [
  [
    "checkpoint written in place, not atomically",
    "packages/storage-file/src/index.ts",
    [
      [
        'const temporary = temporaryPath(path);\n  try {\n    const file = await open(temporary, "wx", 0o644);',
        'const temporary = path;\n  try {\n    const file = await open(temporary, "w", 0o644);',
      ],
    ],
    ["checkpoints-survive-sigkill", "storage-file", "durable-order"],
  ],
  [
    "fsync of the file removed",
    "packages/storage-file/src/index.ts",
    [["      await file.sync();\n", ""]],
    ["durable-order"],
  ],
  [
    "fsync of the directory removed",
    "packages/storage-file/src/index.ts",
    [["  await syncDirectory(directory);\n", ""]],
    ["durable-order"],
  ],
  [
    "raw methods as labels",
    "packages/core/src/routes.ts",
    [['return STANDARD_METHODS.has(method) ? method : "other";', "return method;"]],
    ["packages/core", "adapter-node"],
  ],
  [
    "/metrics not counted",
    "packages/core/src/service.ts",
    [
      [
        "(response) => finish(request.method, route, started, response),",
        '(response) => (route?.path === "/metrics" ? response : finish(request.method, route, started, response)),',
      ],
    ],
    ["adapter-node"],
  ],
  [
    "405 without Allow",
    "packages/core/src/service.ts",
    [["message, { allow: route.method })", "message)"]],
    ["packages/core", "adapter-node"],
  ],
  [
    "any token of the right length accepted",
    "packages/core/src/auth.ts",
    [
      [
        "difference |= (expected[i] as number) ^ (given.charCodeAt(i % Math.max(given.length, 1)) || 0);",
        "difference |= 0;",
      ],
    ],
    ["adapter-node"],
  ],
  [
    "body limit off by one",
    "packages/core/src/service.ts",
    [["Number(declared) > MAX_BODY_BYTES", "Number(declared) >= MAX_BODY_BYTES"]],
    ["adapter-node"],
  ],
  [
    "body limit moved",
    "packages/core/src/service.ts",
    [["export const MAX_BODY_BYTES = 64 * 1024;", "export const MAX_BODY_BYTES = 64 * 1000;"]],
    ["adapter-node"],
  ],
  [
    "a corrupt restore zeroes the counter",
    "packages/storage-file/src/index.ts",
    [
      [
        "counter = parseCheckpoint(await readCheckpointBytes(path));",
        "counter = 0n;\n        counter = parseCheckpoint(await readCheckpointBytes(path));",
      ],
    ],
    ["storage-file"],
  ],
  [
    "checkpoint queue removed",
    "packages/storage-file/src/index.ts",
    [["const run = queue.then(task);", "const run = task();"]],
    ["storage-file"],
  ],
  [
    "SIGTERM exits at once",
    "packages/server/src/serving/shutdown.ts",
    [["finishing in-flight requests`);", "finishing in-flight requests`);\n    process.exit(0);"]],
    ["test/commands/both-commands"],
  ],
  [
    "shutdown cut-off removed",
    "packages/server/src/serving/shutdown.ts",
    [["setTimeout(() => host.cutConnections?.(), SHUTDOWN_GRACE_MS)", "setTimeout(() => {}, SHUTDOWN_GRACE_MS)"]],
    ["test/commands/both-commands"],
  ],
  [
    "RESTORE_ON_START ignored",
    "packages/server/src/compose.ts",
    [["if (!config.restoreOnStart) return;", "if (config.restoreOnStart !== undefined) return;"]],
    ["test/commands/both-commands"],
  ],
  [
    "password redaction needs a user name",
    "packages/server/src/config.ts",
    [["url.replace(/\\/\\/([^:@/]*):[^@/]*@/", "url.replace(/\\/\\/([^:@/]+):[^@/]*@/"]],
    ["test/commands/both-commands"],
  ],
  [
    "Redis increment as GET then SET",
    "packages/storage-redis/src/index.ts",
    [
      [
        'counterOf(await call("The counter could not be incremented", () => scripts.cellIncrement(keys.counter))),',
        'counterOf(await call("The counter could not be incremented", async () => { const [, value] = await scripts.cellRead(keys.counter); const next = String(BigInt(value ?? "0") + 1n); await client.set(keys.counter, next); return ["ok", next] as Outcome; })),',
      ],
    ],
    ["storages/redis-storage"],
  ],
  [
    "cell_counter reports the value at the last checkpoint",
    "packages/core/src/service.ts",
    [["readCounter: () => storage.current()", "readCounter: () => 0n"]],
    ["adapter-node"],
  ],
  [
    "a latency bucket of the original removed",
    "packages/metrics-prometheus/src/index.ts",
    [["0.0025, 0.005, 0.01", "0.0025, 0.01"]],
    ["metrics-prometheus", "adapter-node"],
  ],
  [
    "HEAD answered with a body",
    "packages/core/src/service.ts",
    [['return method === "HEAD" ? { ...answer, body: "" } : answer;', "return answer;"]],
    ["packages/core"],
  ],
  [
    "Lambda bodies not base64-decoded",
    "packages/adapter-lambda/src/index.ts",
    [['event.isBase64Encoded ? "base64" : "utf8"', '"utf8"']],
    ["adapter-lambda"],
  ],
  [
    "pipelined requests processed out of order",
    "packages/adapter-node/src/index.ts",
    [
      [
        "inOrder(request.socket, () => service.handle(incomingMessageToRequest(request)))",
        "service.handle(incomingMessageToRequest(request))",
      ],
    ],
    ["test/commands/both-commands"],
  ],
  [
    "Redis timeout reported as not applied",
    "packages/storage-redis/src/index.ts",
    [['"STORAGE_TIMEOUT",', '"STORAGE_UNAVAILABLE",']],
    ["storages/redis-storage"],
  ],
];

const only = process.argv.slice(2);
const chosen = MUTANTS.filter(([name]) => only.length === 0 || only.some((word) => name.includes(word)));
const scratch = mkdtempSync(join(tmpdir(), "cell-counter-mutants-"));
console.log(`copying the repository to ${scratch}`);
cpSync(root, scratch, { recursive: true, verbatimSymlinks: true, filter: (path) => !path.includes("/.git/") });
const pnpm = ["npx", ["-y", "pnpm@10.34.8"]];
const results = [];
try {
  for (const [name, file, replacements, filters] of chosen) {
    const path = join(scratch, file);
    const original = readFileSync(path, "utf8");
    let mutated = original;
    for (const [from, to] of replacements) {
      if (!mutated.includes(from))
        throw new Error(`${name}: "${from.slice(0, 60)}" is not in ${file}; update the mutant`);
      mutated = mutated.replace(from, to);
    }
    writeFileSync(path, mutated);
    const started = Date.now();
    try {
      const build = spawnSync(pnpm[0], [...pnpm[1], "build"], { cwd: scratch, stdio: "ignore" });
      if (build.status !== 0) throw new Error(`${name}: the mutant does not build; make it compile`);
      const run = spawnSync(process.execPath, ["scripts/run-tests.mjs", ...filters], {
        cwd: scratch,
        encoding: "utf8",
      });
      const failing = [...(run.stdout ?? "").matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((match) => match[1]);
      const killed = run.status !== 0;
      results.push([name, killed]);
      console.log(`${killed ? "killed  " : "SURVIVED"} ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      for (const test of failing.slice(0, 4)) console.log(`           by: ${test}`);
    } finally {
      writeFileSync(path, original);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const survived = results.filter(([, killed]) => !killed);
console.log(`\n${results.length - survived.length} killed, ${survived.length} survived`);
process.exitCode = survived.length ? 1 : 0;
