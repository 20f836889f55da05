import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
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
    assert.equal(await storage.restore(), 35);
    assert.equal(await storage.increment(), 36);
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
    const storage = createFileStorage({ path, initial: 3 });
    await assert.rejects(storage.restore(), hasCode("CHECKPOINT_CORRUPT"));
    assert.equal(await storage.current(), 3);
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

  it("answers STORAGE_UNAVAILABLE when the checkpoint path is a directory; the next checkpoint elsewhere works", async () => {
    const directory = await scratch();
    const path = join(directory, "checkpoint.json");
    await mkdir(path);
    const storage = createFileStorage({ path });
    await assert.rejects(storage.checkpoint(), hasCode("STORAGE_UNAVAILABLE"));
    await assert.rejects(storage.restore(), hasCode("STORAGE_UNAVAILABLE"));
    await rm(path, { recursive: true });
    assert.equal(await storage.checkpoint(), 0, "works again once the path is free");
  });
});

describe("file storage group commit", () => {
  it("checkpoints asked for before a write starts share it; it saves the value of the moment it starts", async () => {
    const path = join(await scratch(), "checkpoint.json");
    const storage = createFileStorage({ path });
    storage.increment();
    const shared = Array.from({ length: 10 }, () => storage.checkpoint());
    assert.equal(new Set(shared).size, 1, "one write for the ten");
    storage.increment();
    assert.deepEqual(await Promise.all(shared), Array(10).fill(2), "the write starts after all ten were asked");
    const later = storage.checkpoint();
    assert.notEqual(later, shared[0], "a checkpoint asked after the write has its own");
    storage.increment();
    assert.equal(await later, 3);
    assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 3);
  });
});
