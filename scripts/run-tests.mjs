// Runs the test files (*.test.ts) of the workspace with node:test through tsx, the workspace's
// packages resolved to their sources. `--unit`: the unit tier, the tests beside the code in
// packages/ (no build, no program beyond node); `--e2e`: the rest, in test/ (the built programs with
// real Redis, Prometheus, podman, Bun, Deno, workerd…). Other arguments filter the files by substring.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", ".git"]);
const TIERS = { "--unit": "packages/", "--e2e": "test/" };

function* testFiles(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* testFiles(path);
    else if (entry.name.endsWith(".test.ts")) yield relative(root, path);
  }
}

const args = process.argv.slice(2);
const tiers = args.filter((arg) => arg in TIERS).map((arg) => TIERS[arg]);
const filters = args.filter((arg) => !(arg in TIERS));
const files = [...testFiles(root)]
  .filter((file) => tiers.length === 0 || tiers.some((tier) => file.startsWith(tier)))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error("no test file matches");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--conditions=@cell-counter/source", "--test", "--test-concurrency=2", ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
