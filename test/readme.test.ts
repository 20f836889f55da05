import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LAMBDA_DEFAULTS, SETTINGS, type Setting } from "@cell-counter/server";
import { REDIS_STORAGE_DEFAULTS } from "@cell-counter/storage-redis";

const root = new URL("..", import.meta.url).pathname;
const readme = await readFile(join(root, "README.md"), "utf8");
const cleanups: string[] = [];
after(() => Promise.all(cleanups.map((path) => rm(path, { recursive: true, force: true }))));

function section(heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("README", () => {
  it("the embedding example runs and prints what its comments say", async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(section("Embedding the core in another app"))?.[1];
    assert.ok(code);
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1]);
    assert.equal(expected.length, 3);
    // Inside the repository, so that the workspace's packages resolve; run from an empty directory.
    await mkdir(join(root, ".tmp"), { recursive: true });
    const file = join(root, ".tmp", `readme-example-${process.pid}.ts`);
    const cwd = await mkdtemp(join(tmpdir(), "cell-counter-readme-"));
    cleanups.push(file, cwd);
    await writeFile(file, code);
    const output = execFileSync(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--conditions=@cell-counter/source", file],
      {
        cwd,
        encoding: "utf8",
      },
    );
    assert.deepEqual(output.trim().split("\n"), expected);
    assert.equal(JSON.parse(await readFile(join(cwd, "data", "checkpoint.json"), "utf8")).counter, 1);
  });

  it("the configuration table lists the settings' table, in its order, with its defaults", () => {
    const rows = [...section("Configuration").matchAll(/^\| `([A-Z_]+)` \| (`[^`]*`|—) \|/gm)].map(
      ([, variable, value]) => [variable, value],
    );
    const expected = (SETTINGS as readonly Setting[])
      .filter((row) => !row.lambdaOnly)
      .map((row) => {
        const value = row.redisDefault ? String(REDIS_STORAGE_DEFAULTS[row.redisDefault]) : row.default;
        return [row.variable, value === undefined ? "—" : `\`${value}\``];
      });
    assert.deepEqual(rows, expected);
    const lambda = section("AWS Lambda");
    assert.match(lambda, new RegExp(`\`STORAGE\` defaults to \`${LAMBDA_DEFAULTS.STORAGE}\``));
    assert.match(lambda, new RegExp(`both default \`${LAMBDA_DEFAULTS.POWERTOOLS_METRICS_NAMESPACE}\``));
    assert.equal(LAMBDA_DEFAULTS.POWERTOOLS_SERVICE_NAME, LAMBDA_DEFAULTS.POWERTOOLS_METRICS_NAMESPACE);
  });

  it("the quick start gives the two commands, and .ci/run runs the same test command", async () => {
    const quickStart = section("Quick start");
    const commands = [...quickStart.matchAll(/```sh\n(.*)\n```/g)].map((match) => match[1] as string);
    assert.equal(commands.length, 2);
    assert.match(commands[0] as string, / start$/);
    assert.match(commands[1] as string, / test$/);
    const ci = await readFile(join(root, ".ci/run"), "utf8");
    assert.ok(ci.split("\n").includes(commands[1] as string), ".ci/run runs the README's test command");
  });
});
