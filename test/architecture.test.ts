import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

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
  return [...text.matchAll(/^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/gm)].map(
    (match) => match[1] as string,
  );
}

describe("architecture", () => {
  it("the core imports nothing but its own files", async () => {
    for (const file of await sources(join(root, "packages/core/src"))) {
      for (const specifier of await imports(file)) {
        assert.ok(specifier.startsWith("./") || specifier.startsWith("../"), `${relative(root, file)}: ${specifier}`);
      }
    }
  });

  it("adapters import only the core's public entry, never its files or subpaths", async () => {
    for (const adapter of ["adapter-node", "adapter-h3"]) {
      for (const file of await sources(join(root, "packages", adapter, "src"))) {
        for (const specifier of await imports(file)) {
          assert.ok(
            !specifier.includes("/core/") && !/^@cell-counter\/core\//.test(specifier),
            `${file}: ${specifier}`,
          );
        }
      }
    }
  });

  it("the version reported by the build-info metric is the core package's", async () => {
    const { VERSION } = await import("@cell-counter/core");
    const pkg = JSON.parse(await readFile(join(root, "packages/core/package.json"), "utf8"));
    assert.equal(VERSION, pkg.version);
  });
});
