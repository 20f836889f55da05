import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isCounterError } from "@cell-counter/core";
import { createFileStorage } from "./index.js";

const directories: string[] = [];
after(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "cell-counter-file-"));
  directories.push(directory);
  return directory;
}

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

describe("file storage", () => {
  it("restores a checkpoint file written by the original service", async () => {
    const path = join(await scratch(), "checkpoint.json");
    await writeFile(path, '{"counter": 35}');
    const storage = createFileStorage({ path });
    assert.equal(await storage.restore(), 35n);
    assert.equal(await storage.increment(), 36n);
  });

  it("writes {counter, savedAt} and creates the directory", async () => {
    const path = join(await scratch(), "a", "b", "checkpoint.json");
    const storage = createFileStorage({ path, now: () => new Date("2026-11-24T00:00:00Z") });
    storage.increment();
    await storage.checkpoint();
    assert.equal(await readFile(path, "utf8"), '{"counter":1,"savedAt":"2026-11-24T00:00:00.000Z"}\n');
  });

  it("leaves no temporary file behind, and removes the ones a crash left", async () => {
    const directory = await scratch();
    const path = join(directory, "checkpoint.json");
    await writeFile(`${path}.4242-deadbeef0000.tmp`, '{"counter": 9');
    await writeFile(join(directory, "unrelated.tmp"), "kept");
    const storage = createFileStorage({ path });
    await Promise.all(Array.from({ length: 20 }, () => storage.checkpoint()));
    assert.deepEqual((await readdir(directory)).sort(), ["checkpoint.json", "unrelated.tmp"]);
  });

  it("replaces the checkpoint by rename: the old file is never modified in place", async () => {
    const path = join(await scratch(), "checkpoint.json");
    const storage = createFileStorage({ path });
    await storage.checkpoint();
    const before = await stat(path);
    storage.increment();
    await storage.checkpoint();
    const afterwards = await stat(path);
    assert.notEqual(afterwards.ino, before.ino, "a new inode replaced the old one");
    assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 1);
  });

  it("answers CHECKPOINT_CORRUPT to a bad file and leaves both the file and the counter alone", async () => {
    const path = join(await scratch(), "checkpoint.json");
    await writeFile(path, '{"counter": "35"}');
    const storage = createFileStorage({ path, initial: 3n });
    await assert.rejects(storage.restore(), hasCode("CHECKPOINT_CORRUPT"));
    assert.equal(await storage.current(), 3n);
    assert.equal(await readFile(path, "utf8"), '{"counter": "35"}');
  });

  it("answers CHECKPOINT_CORRUPT to a file over 64 KiB without reading it", async () => {
    const path = join(await scratch(), "checkpoint.json");
    await writeFile(path, Buffer.alloc(10 * 1024 * 1024, 0x20));
    await assert.rejects(createFileStorage({ path }).restore(), hasCode("CHECKPOINT_CORRUPT"));
  });

  it("answers CHECKPOINT_NOT_FOUND when the file was deleted after a checkpoint", async () => {
    const path = join(await scratch(), "checkpoint.json");
    const storage = createFileStorage({ path });
    await storage.checkpoint();
    await rm(path);
    await assert.rejects(storage.restore(), hasCode("CHECKPOINT_NOT_FOUND"));
  });

  it("answers STORAGE_UNAVAILABLE when the path runs through a regular file, naming no path", async () => {
    const directory = await scratch();
    await writeFile(join(directory, "file"), "x");
    const storage = createFileStorage({ path: join(directory, "file", "checkpoint.json") });
    for (const operation of [storage.checkpoint, storage.restore, storage.ready]) {
      await assert.rejects(operation(), (error) => {
        assert.ok(hasCode("STORAGE_UNAVAILABLE")(error));
        assert.doesNotMatch((error as Error).message, new RegExp(directory));
        return true;
      });
    }
  });

  it("a directory at the checkpoint path: checkpoint STORAGE_UNAVAILABLE, restore CHECKPOINT_CORRUPT, each naming the kind", async () => {
    const directory = await scratch();
    const path = join(directory, "checkpoint.json");
    await mkdir(path);
    const storage = createFileStorage({ path });
    await assert.rejects(storage.checkpoint(), /its path is a directory, not a regular file/);
    await assert.rejects(storage.checkpoint(), hasCode("STORAGE_UNAVAILABLE"));
    await assert.rejects(storage.restore(), hasCode("CHECKPOINT_CORRUPT"));
    await assert.rejects(storage.restore(), /it is a directory, not a regular file/);
    await rm(path, { recursive: true });
    assert.equal(await storage.checkpoint(), 0n, "works again once the path is free");
  });
});

describe("file storage and special files", () => {
  it("a FIFO: restore answers CHECKPOINT_CORRUPT at once instead of waiting for a writer; checkpoint refuses it", async () => {
    const path = join(await scratch(), "checkpoint.json");
    execFileSync("mkfifo", [path]);
    const storage = createFileStorage({ path, initial: 4n });
    const started = Date.now();
    await assert.rejects(
      storage.restore(),
      (error) => hasCode("CHECKPOINT_CORRUPT")(error) && /a FIFO/.test(String(error)),
    );
    assert.ok(Date.now() - started < 1_000, "answered at once");
    await assert.rejects(
      storage.checkpoint(),
      (error) => hasCode("STORAGE_UNAVAILABLE")(error) && /a FIFO/.test(String(error)),
    );
    assert.equal(await storage.current(), 4n);
    assert.equal(await storage.increment(), 5n, "the next request is served");
  });

  it("a link to /dev/zero (0 bytes by stat): CHECKPOINT_CORRUPT, and at most 64 KiB read", async () => {
    const path = join(await scratch(), "checkpoint.json");
    await symlink("/dev/zero", path);
    const before = process.memoryUsage().rss;
    await assert.rejects(
      createFileStorage({ path }).restore(),
      (error) => hasCode("CHECKPOINT_CORRUPT")(error) && /a device/.test(String(error)),
    );
    assert.ok(process.memoryUsage().rss - before < 32 * 1024 * 1024);
  });

  it("a link to a regular file is read through", async () => {
    const directory = await scratch();
    await writeFile(join(directory, "real.json"), '{"counter": 8}');
    await symlink(join(directory, "real.json"), join(directory, "checkpoint.json"));
    assert.equal(await createFileStorage({ path: join(directory, "checkpoint.json") }).restore(), 8n);
  });
});

describe("file storage group commit", () => {
  it("concurrent checkpoints between increments: the file holds the value of the checkpoint answered last", async () => {
    const path = join(await scratch(), "checkpoint.json");
    const storage = createFileStorage({ path });
    const answered: bigint[] = [];
    const checkpoints: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      storage.increment();
      if (i % 3 === 0) checkpoints.push(storage.checkpoint().then((value) => void answered.push(value)));
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(checkpoints);
    assert.equal(answered.length, checkpoints.length);
    assert.equal(BigInt(JSON.parse(await readFile(path, "utf8")).counter), answered.at(-1));
    assert.deepEqual(
      [...answered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      answered,
      "answered in order",
    );
  });

  it("checkpoints asked for before a write starts share it; it saves the value of the moment it starts", async () => {
    const path = join(await scratch(), "checkpoint.json");
    const storage = createFileStorage({ path });
    storage.increment();
    const shared = Array.from({ length: 10 }, () => storage.checkpoint());
    assert.equal(new Set(shared).size, 1, "one write for the ten");
    storage.increment();
    assert.deepEqual(await Promise.all(shared), Array(10).fill(2n), "the write starts after all ten were asked");
    const later = storage.checkpoint();
    assert.notEqual(later, shared[0], "a checkpoint asked after the write has its own");
    storage.increment();
    assert.equal(await later, 3n);
    assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 3);
  });
});
