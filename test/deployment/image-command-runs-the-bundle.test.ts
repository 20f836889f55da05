import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { killCommands, runCommand, startCommand } from "@cell-counter/tooling";
import { parse } from "yaml";
import { BUNDLE, freePort, imageSpec, root } from "../support.js";

let scratch = "";
after(async () => {
  killCommands();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the image's command, run here: the bundle, its CMD and its environment", () => {
  it("serves from one self-contained file, passes both healthchecks, keeps its checkpoint across a restart, stops on SIGTERM", async () => {
    const { env, cmd, healthcheck } = imageSpec();
    assert.deepEqual(cmd, ["node", "--max-semi-space-size=4", "/app/cell-counter.mjs"]);
    const nodeFlags = cmd.slice(1, -1);
    const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;
    for (const name of ["start", "start:h3"]) {
      assert.match(
        scripts[name],
        new RegExp(`^node ${nodeFlags.join(" ")} scripts/start\\.mjs `),
        `pnpm ${name} runs node as the image does`,
      );
    }
    assert.equal(env.CHECKPOINT_PATH, "/data/checkpoint.json");
    assert.equal(env.PORT, "8080");
    assert.match(readFileSync(join(root, "Dockerfile"), "utf8"), /^USER node$/m);

    // The image's /app and /data, here in a directory with no node_modules anywhere above it.
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-image-"));
    const app = join(scratch, "app");
    await mkdir(app);
    await copyFile(BUNDLE, join(app, "cell-counter.mjs"));
    const port = String(await freePort());
    const imageEnv = { ...env, PORT: port, CHECKPOINT_PATH: join(scratch, "data", "checkpoint.json") };
    const args = [...nodeFlags, join(app, "cell-counter.mjs")];

    const first = await startCommand(args, imageEnv, app);
    assert.match(
      JSON.parse(first.output[0] as string).msg,
      new RegExp(
        `^cell-counter listening on http://0\\.0\\.0\\.0:${port} \\(adapter node, storage file, environment dev\\)$`,
      ),
    );
    assert.equal(healthcheck[0], "node");
    assert.deepEqual(await runCommand(healthcheck.slice(1), { PORT: port }, app).exit, { code: 0, signal: null });
    const composeCheck = parse(await readFile(join(root, "infra/compose/docker-compose.yml"), "utf8")).services.app
      .healthcheck.test as string[];
    const readiness = composeCheck.slice(2).map((arg) => arg.replace("8080", port));
    assert.deepEqual(await runCommand(readiness, {}, app).exit, { code: 0, signal: null });

    for (let i = 0; i < 3; i++) await fetch(`${first.url}/`);
    assert.equal(
      await (await fetch(`${first.url}/checkpoint`, { method: "POST" })).text(),
      '{"counter":3,"status":"checkpoint saved"}',
    );
    first.child.kill("SIGTERM");
    assert.deepEqual(await first.exit, { code: 0, signal: null });

    const second = await startCommand(args, { ...imageEnv, RESTORE_ON_START: "true" }, app);
    assert.equal(await (await fetch(`${second.url}/`)).text(), '{"counter":4}');
    second.child.kill("SIGTERM");
    assert.deepEqual(await second.exit, { code: 0, signal: null });
  });
});
