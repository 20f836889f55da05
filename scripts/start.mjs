// `pnpm start` / `pnpm start:h3`: what production runs — the built command, in this process (which
// handles the signals itself) — built first when it is missing or older than a source file.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("..", import.meta.url).pathname;
const [, , command = "cell-counter"] = process.argv;
const bin = join(root, "packages/server/dist/bin", `${command}.js`);

function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

const built = (() => {
  try {
    return statSync(bin).mtimeMs;
  } catch {
    return 0;
  }
})();
const sources = Math.max(
  ...readdirSync(join(root, "packages")).map((name) => newestSource(join(root, "packages", name, "src"))),
);
if (built < sources) {
  console.error(`${command}: building first (${built ? "a source changed" : "no build yet"})…`);
  const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["pnpm"];
  const build = spawnSync(pnpm[0], [...pnpm.slice(1), "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
process.argv.splice(2, process.argv[3] === "--" ? 2 : 1); // the command's own flags follow
await import(pathToFileURL(bin).href);
