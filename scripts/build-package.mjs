// Builds the package in the current directory: every source entry of its `exports` (and its
// `bin`) bundled by esbuild into dist/, dependencies left external; declarations by tsc.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const SOURCE_CONDITION = "@cell-counter/source";
const pkg = JSON.parse(readFileSync("package.json", "utf8"));

const entryPoints = new Set();
for (const target of Object.values(pkg.exports ?? {})) {
  if (typeof target === "object" && target[SOURCE_CONDITION]) entryPoints.add(target[SOURCE_CONDITION]);
}
for (const bin of Object.values(pkg.bin ?? {})) {
  entryPoints.add(bin.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts"));
}

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: [...entryPoints],
  outdir: "dist",
  outbase: "src",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: pkg.name === "@cell-counter/core" ? "neutral" : "node",
  target: "node20",
  packages: "external",
  conditions: [SOURCE_CONDITION],
  logLevel: "warning",
});

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const declarations = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
process.exitCode = declarations.status ?? 1;
