import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packWorkspace, tarballsFor } from "@cell-counter/tooling";
import { publint } from "publint";

const root = new URL("..", import.meta.url).pathname;

/** Every publishable package, and what `npm install` of its tarball puts in an empty folder. */
const PUBLISHED: Record<string, string[] | undefined> = {
  core: ["@cell-counter/core"],
  "adapter-node": ["@cell-counter/adapter-node", "@cell-counter/core"],
  // h3 and what h3 itself brings: its router and its server layer.
  "adapter-h3": ["@cell-counter/adapter-h3", "@cell-counter/core", "h3", "rou3", "srvx"],
  "adapter-lambda": ["@cell-counter/adapter-lambda", "@cell-counter/core"],
  "storage-file": ["@cell-counter/core", "@cell-counter/storage-file"],
  "storage-redis": undefined,
  "metrics-prometheus": undefined, // with prom-client, its peer
  "metrics-powertools": undefined,
  testkit: undefined,
  server: undefined,
};

let scratch: string;
let tarballs = new Map<string, string>();
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-pack-"));
  tarballs = packWorkspace(scratch);
});
after(() => rm(scratch, { recursive: true, force: true }));

/** Installs the tarball of `name` (and those of the workspace packages it needs) into an empty folder. */
async function install(name: string): Promise<{ folder: string; installed: string[] }> {
  const folder = join(scratch, `app-${name}`);
  await mkdir(folder);
  await writeFile(join(folder, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const manifest = JSON.parse(await readFile(join(root, "packages", name, "package.json"), "utf8"));
  const workspace = tarballsFor(manifest.dependencies ?? {}, tarballs);
  // A workspace package needed further down comes from its tarball too.
  const all = new Set([tarballs.get(name) as string, ...workspace]);
  for (const tarball of [...all]) {
    const nested = JSON.parse(execFileSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" }));
    for (const dependency of Object.keys(nested.dependencies ?? {})) {
      if (dependency.startsWith("@cell-counter/")) all.add(tarballs.get(dependency.slice(14)) as string);
    }
  }
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...all], {
    cwd: folder,
    stdio: "pipe",
  });
  const tree = JSON.parse(execFileSync("npm", ["ls", "--all", "--json"], { cwd: folder, encoding: "utf8" }));
  const installed = new Set<string>();
  type Node = { version?: string; dependencies?: Record<string, Node> };
  const walk = (dependencies: Record<string, Node> = {}) => {
    for (const [dependency, node] of Object.entries(dependencies)) {
      if (node.version === undefined) continue; // an optional peer, not installed
      installed.add(dependency);
      walk(node.dependencies);
    }
  };
  walk(tree.dependencies);
  return { folder, installed: [...installed].sort() };
}

describe("packages, packed and installed with npm into an empty folder", () => {
  for (const [name, expected] of Object.entries(PUBLISHED)) {
    it(`@cell-counter/${name}: ${expected ? `installs ${expected.join(", ")} and nothing else; ` : ""}imports and requires from plain Node; passes publint and attw (esm-only)`, async () => {
      const { folder, installed } = await install(name);
      if (expected) assert.deepEqual(installed, expected);
      const installedAt = join(folder, "node_modules/@cell-counter", name);
      const manifest = JSON.parse(await readFile(join(installedAt, "package.json"), "utf8"));
      const published = JSON.stringify(manifest);
      assert.doesNotMatch(published, /workspace:/, "no workspace: range is published");
      assert.doesNotMatch(published, /@cell-counter\/source|"scripts"/, "no development-only field is published");
      assert.equal(manifest.publishConfig?.access, "public");
      assert.match(manifest.engines.node, /^>=20\.19/);
      assert.match(await readFile(join(installedAt, "LICENSE"), "utf8"), /^MIT License/);
      assert.match(await readFile(join(installedAt, "CHANGELOG.md"), "utf8"), /^# @cell-counter\//);
      for (const subpath of Object.keys(manifest.exports).filter((key) => key !== "./package.json")) {
        const specifier = `@cell-counter/${name}${subpath.slice(1)}`;
        // The Bun and Deno entries start a server on their runtime: test/hosts runs them there.
        if (specifier === "@cell-counter/server/bun" || specifier === "@cell-counter/server/deno") continue;
        const env = { PATH: process.env.PATH, STORAGE: "redis", REDIS_URL: "redis://127.0.0.1:1" };
        const script = `await import(${JSON.stringify(specifier)}); process.exit(0);`;
        execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: folder, env, stdio: "pipe" });
        // require() of an ES module, as Node allows from 20.19; the Lambda function waits at its top level: import only.
        if (specifier !== "@cell-counter/server/lambda") {
          execFileSync(process.execPath, ["-e", `require(${JSON.stringify(specifier)})`], {
            cwd: folder,
            stdio: "pipe",
          });
        }
      }
      const { messages } = await publint({ pkgDir: join(root, "packages", name), level: "warning", strict: true });
      assert.deepEqual(messages, []);
      // ESM only, said and checked: the esm-only profile of "Are the types wrong?".
      const attw = join(root, "node_modules/.bin/attw");
      execFileSync(attw, [tarballs.get(name) as string, "--profile", "esm-only"], { stdio: "pipe" });
    });
  }

  it("@cell-counter/core answers from plain Node and loads no http, net, fs or stream module", async () => {
    const folder = join(scratch, "app-core");
    const output = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const before = new Set(process.moduleLoadList);
const { createService } = await import("@cell-counter/core");
const { createMemoryStorage } = await import("@cell-counter/core/memory-storage");
const answer = await createService({ storage: createMemoryStorage() }).handle({ method: "GET", url: "/", headers: {} });
const loaded = process.moduleLoadList.filter((name) => !before.has(name) && /^NativeModule (http|https|net|fs|stream)$/.test(name));
console.log(JSON.stringify({ body: answer.body, loaded }));`,
      ],
      { cwd: folder, encoding: "utf8" },
    );
    assert.deepEqual(JSON.parse(output), { body: '{"counter":1}', loaded: [] });
    assert.ok((await readdir(folder)).includes("node_modules"));
  });
});
