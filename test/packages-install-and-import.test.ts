import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { publint } from "publint";

const root = new URL("..", import.meta.url).pathname;
const PUBLISHED = [
  "core",
  "storage-file",
  "storage-redis",
  "metrics-prometheus",
  "node-server",
  "adapter-node",
  "adapter-h3",
  "adapter-lambda",
  "metrics-powertools",
];
let scratch: string | undefined;
after(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

describe("packages", () => {
  it("@cell-counter/core, packed and installed outside the workspace, imports from plain Node and pulls in nothing else", async () => {
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-pack-"));
    execFileSync("pnpm", ["pack", "--pack-destination", scratch], { cwd: join(root, "packages/core"), stdio: "pipe" });
    const tarball = (await readdir(scratch)).find((name) => name.endsWith(".tgz"));
    assert.ok(tarball, "pnpm pack wrote a tarball");
    const app = join(scratch, "app");
    await writeFile(join(scratch, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", join(scratch, tarball)], {
      cwd: scratch,
      stdio: "pipe",
    });
    assert.deepEqual(await readdir(join(scratch, "node_modules")), ["@cell-counter", ".package-lock.json"].sort());
    assert.deepEqual(await readdir(join(scratch, "node_modules/@cell-counter")), ["core"]);
    await writeFile(
      `${app}.mjs`,
      `const before = new Set(process.moduleLoadList);
const { createService, VERSION } = await import("@cell-counter/core");
const { createMemoryStorage } = await import("@cell-counter/core/memory-storage");
const service = createService({ storage: createMemoryStorage() });
const answer = await service.handle({ method: "GET", url: "/", headers: {} });
const loaded = process.moduleLoadList.filter((name) => !before.has(name) && /^NativeModule (http|https|net|fs|stream)$/.test(name));
console.log(JSON.stringify({ body: answer.body, VERSION, loaded }));
`,
    );
    const output = JSON.parse(execFileSync(process.execPath, [`${app}.mjs`], { cwd: scratch, encoding: "utf8" }));
    const version = JSON.parse(await readFile(join(root, "packages/core/package.json"), "utf8")).version;
    assert.deepEqual(output, { body: '{"counter":1}', VERSION: version, loaded: [] });
  });

  for (const name of PUBLISHED) {
    it(`@cell-counter/${name} passes publint, and its exports exist after the build`, async () => {
      const pkgDir = join(root, "packages", name);
      const { messages } = await publint({ pkgDir, level: "warning", strict: true });
      assert.deepEqual(messages, []);
      const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));
      for (const target of Object.values(pkg.exports as Record<string, Record<string, string> | string>)) {
        if (typeof target === "string") continue;
        for (const file of [target.types, target.default]) await readFile(join(pkgDir, file as string));
      }
    });
  }
});
