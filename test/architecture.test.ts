import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { SETTINGS } from "@cell-counter/server";

const root = new URL("..", import.meta.url).pathname;

async function sources(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      files.push(join(entry.parentPath, entry.name));
    }
  }
  return files;
}

async function imports(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return [
    ...text.matchAll(/^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/gm),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1] as string);
}

/** What each package's sources may import besides their own files and node's modules: arrows point down only. */
const ALLOWED: Record<string, RegExp> = {
  core: /^$/,
  "adapter-node": /^@cell-counter\/core$/,
  "adapter-h3": /^(@cell-counter\/core|h3|srvx)$/,
  "adapter-lambda": /^(@cell-counter\/core|aws-lambda)$/,
  "storage-file": /^@cell-counter\/core$/,
  "storage-redis": /^(@cell-counter\/core|ioredis)$/,
  "storage-dynamodb": /^(@cell-counter\/core|@aws-sdk\/client-dynamodb)$/,
  "storage-durable-object": /^@cell-counter\/core$/,
  "metrics-prometheus": /^(@cell-counter\/core|prom-client(\/lib\/metrics\/[a-zA-Z]+\.js)?)$/,
  "metrics-powertools": /^(@cell-counter\/core|@aws-lambda-powertools\/metrics)$/,
  testkit: /^@cell-counter\/(core|core\/memory-storage|metrics-prometheus|storage-file)$/,
  server: /^(@cell-counter\/(?!testkit)[a-z0-9-]+(\/[a-z-]+)?|h3|pino)$/,
};

describe("architecture", () => {
  it("every package is placed, and imports only what sits below it (adapters: the core's public entry and their host)", async () => {
    const packages = (await readdir(join(root, "packages"))).sort();
    assert.deepEqual(packages, Object.keys(ALLOWED).sort(), "every package has its place here");
    for (const name of packages) {
      for (const file of await sources(join(root, "packages", name, "src"))) {
        for (const specifier of await imports(file)) {
          if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("node:")) continue;
          assert.match(specifier, ALLOWED[name] as RegExp, `${relative(root, file)} imports ${specifier}`);
        }
      }
    }
  });

  it("the unit tier (packages/*/src/*.test.ts) starts no program: nothing from the helpers that start Redis, dynalite, workerd, podman or the commands", async () => {
    const STARTERS =
      /\b(startRedisServer|startSentinelSetup|startRedisCluster|createTestNetwork|startDynamoDb|startWorkerd|bundleWorker|startEngine|startCommand|runCommand|startLoad)\b/;
    for (const name of await readdir(join(root, "packages"))) {
      for (const entry of await readdir(join(root, "packages", name, "src"), { recursive: true })) {
        if (!entry.endsWith(".test.ts")) continue;
        const text = await readFile(join(root, "packages", name, "src", entry), "utf8");
        assert.doesNotMatch(text, STARTERS, `packages/${name}/src/${entry}: such a test belongs in test/`);
      }
    }
  });

  it("the core's public entry exports only what another package, an example or the docs use: the rest is internal", async () => {
    const entry = await readFile(join(root, "packages/core/src/index.ts"), "utf8");
    const names = [...entry.matchAll(/(?:\{|,)\s*(?:type\s+)?([A-Za-z_]+)(?=\s*[,}])/g)].map(
      (match) => match[1] as string,
    );
    assert.ok(names.length > 20, names.join(", "));
    const users: string[] = [];
    for (const directory of ["packages", "examples", "tooling", "bench", "test"]) {
      for (const entry of await readdir(join(root, directory), { recursive: true, withFileTypes: true })) {
        const path = join(entry.parentPath, entry.name);
        if (
          !entry.isFile() ||
          !/\.(ts|mjs)$/.test(entry.name) ||
          /node_modules|\/dist\/|packages\/core\/src/.test(path)
        ) {
          continue;
        }
        users.push(await readFile(path, "utf8"));
      }
    }
    users.push(
      await readFile(join(root, "README.md"), "utf8"),
      await readFile(join(root, "packages/core/README.md"), "utf8"),
    );
    for (const name of names) {
      assert.ok(
        users.some((text) => new RegExp(`\\b${name}\\b`).test(text)),
        `${name} is exported by the core and used nowhere outside it`,
      );
    }
  });

  it("the core imports nothing but its own files, not even node's modules", async () => {
    for (const file of await sources(join(root, "packages/core/src"))) {
      for (const specifier of await imports(file)) {
        assert.ok(specifier.startsWith("./") || specifier.startsWith("../"), `${relative(root, file)}: ${specifier}`);
      }
    }
  });

  it("each default value and each variable's validation stands in exactly one source file", async () => {
    const files = (
      await Promise.all(
        (await readdir(join(root, "packages"))).map((name) => sources(join(root, "packages", name, "src"))),
      )
    ).flat();
    const texts = await Promise.all(
      files.map(async (file) => [relative(root, file), await readFile(file, "utf8")] as const),
    );
    const { DEFAULTS, LAMBDA_DEFAULTS } = await import("@cell-counter/server");
    const { REDIS_STORAGE_DEFAULTS } = await import("@cell-counter/storage-redis");
    const literals = [
      ...Object.values({ ...DEFAULTS, ...LAMBDA_DEFAULTS }).map((value) => JSON.stringify(value)),
      JSON.stringify(REDIS_STORAGE_DEFAULTS.keyPrefix),
    ];
    for (const literal of new Set(literals)) {
      // The literal as a value of its own, not inside a longer string (`realm="cell-counter"`).
      const pattern = new RegExp(`(?<![\\w=])${literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
      const holders = texts.filter(([, text]) => pattern.test(text)).map(([file]) => file);
      // Also names, not only defaults: of storages and log levels among accepted values, of the command.
      if (['"file"', '"redis"', '"info"', '"cell-counter"'].includes(literal)) continue;
      assert.equal(holders.length, 1, `${literal} in ${holders.join(", ")}`);
    }
    for (const { variable: name } of SETTINGS) {
      const readers = texts
        .filter(([, text]) =>
          new RegExp(`\\b(?:value|given)\\(["']${name}["']\\)|env\\.${name}\\b|env\\[["']${name}["']\\]`).test(text),
        )
        .map(([file]) => file);
      assert.deepEqual(readers, ["packages/server/src/config.ts"], name);
    }
  });

  it("the version reported by the build-info metric is the core package's", async () => {
    const { VERSION } = await import("@cell-counter/core");
    const pkg = JSON.parse(await readFile(join(root, "packages/core/package.json"), "utf8"));
    assert.equal(VERSION, pkg.version);
  });
});
