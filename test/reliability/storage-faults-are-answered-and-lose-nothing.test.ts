import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseExposition, sampleValue } from "@cell-counter/testkit";
import { killCommands, type Running, startCommand } from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

const run = promisify(execFile);
const NOBODY = 65534;
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  killCommands();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "cell-counter-faults-"));
  await chmod(directory, 0o755);
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

async function call(server: Running, path: string, method = "GET") {
  const response = await fetch(`${server.url}${path}`, { method });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

async function failures(server: Running, operation: "checkpoint" | "restore", code: string) {
  const samples = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
  return sampleValue(samples, `${operation}_failures_total`, { code });
}

/** The answer to a fault, and what must hold afterwards. */
async function expectFault(
  server: Running,
  operation: "checkpoint" | "restore",
  code: string,
  status: number,
  path: string,
  previous: string | undefined,
) {
  const before = await failures(server, operation, code);
  const counter = (await call(server, "/")).body.counter as number;
  const answer = await call(server, `/${operation}`, "POST");
  assert.equal(answer.status, status);
  assert.equal(answer.body.code, code);
  assert.equal(await failures(server, operation, code), before + 1, "the failure is counted");
  assert.equal((await call(server, "/")).body.counter, counter + 1, "the counter is unchanged and still served");
  if (previous !== undefined) assert.equal(await readFile(path, "utf8"), previous, "previous checkpoint intact");
}

describe("storage faults (real file systems; each answered, counted, nothing lost)", () => {
  it("directory made unwritable (server running as an unprivileged user): 503, then works again", async () => {
    const root = await scratch();
    const directory = join(root, "data");
    await mkdir(directory);
    await chown(directory, NOBODY, NOBODY);
    const path = join(directory, "checkpoint.json");
    // The bundle is copied where that user can read it, wherever the checkout lives (a mode-700 folder, say).
    const bundle = join(root, "cell-counter.mjs");
    await copyFile(BUNDLE, bundle);
    await chmod(bundle, 0o644);
    const server = await startCommand([bundle], { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path }, root, {
      uid: NOBODY,
      gid: NOBODY,
    });
    await call(server, "/");
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200);
    const previous = await readFile(path, "utf8");
    await chmod(directory, 0o555);
    await expectFault(server, "checkpoint", "STORAGE_UNAVAILABLE", 503, path, previous);
    assert.match((await call(server, "/checkpoint", "POST")).body.error, /permission denied/);
    assert.equal((await call(server, "/readyz")).status, 503);
    assert.equal((await call(server, "/restore", "POST")).body.counter, 1, "the saved checkpoint still restores");
    await chmod(directory, 0o755);
    assert.equal((await call(server, "/readyz")).status, 200);
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200);
  });

  it("disk full (a 64 KiB tmpfs, filled): 503, previous checkpoint intact, works once space is freed", async () => {
    const root = await scratch();
    const mountPoint = join(root, "tiny");
    await mkdir(mountPoint);
    await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]);
    cleanups.push(() => run("umount", ["-l", mountPoint]));
    const path = join(mountPoint, "checkpoint.json");
    const server = await startCommand([BUNDLE], { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path }, root);
    await call(server, "/");
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200);
    const previous = await readFile(path, "utf8");
    const filler = join(mountPoint, "filler");
    await writeFile(filler, Buffer.alloc(256 * 1024)).catch((error: { code?: string }) => {
      assert.equal(error.code, "ENOSPC", "the file system is full");
    });
    await expectFault(server, "checkpoint", "STORAGE_UNAVAILABLE", 503, path, previous);
    assert.match((await call(server, "/checkpoint", "POST")).body.error, /disk is full/);
    await rm(filler);
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200, "space freed: checkpoints work again");
  });

  it("checkpoint path through a regular file: 503 on checkpoint and restore", async () => {
    const root = await scratch();
    await writeFile(join(root, "file"), "not a directory");
    const path = join(root, "file", "checkpoint.json");
    const server = await startCommand([BUNDLE], { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path }, root);
    await expectFault(server, "checkpoint", "STORAGE_UNAVAILABLE", 503, path, undefined);
    await expectFault(server, "restore", "STORAGE_UNAVAILABLE", 503, path, undefined);
  });

  it("checkpoint file deleted between checkpoint and restore: 404 CHECKPOINT_NOT_FOUND, counter kept", async () => {
    const root = await scratch();
    const path = join(root, "data", "checkpoint.json");
    const server = await startCommand([BUNDLE], { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path }, root);
    await call(server, "/");
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200);
    await rm(path);
    await expectFault(server, "restore", "CHECKPOINT_NOT_FOUND", 404, path, undefined);
    assert.equal((await call(server, "/checkpoint", "POST")).status, 200, "a new checkpoint is written");
  });
});
