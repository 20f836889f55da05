import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { runStorageContract } from "@cell-counter/testkit";
import { createFileStorage } from "./index.js";

const directories: string[] = [];
after(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

runStorageContract("file", async (seed) => {
  const directory = await mkdtemp(join(tmpdir(), "cell-counter-file-"));
  directories.push(directory);
  const path = join(directory, "nested", "checkpoint.json");
  if (seed?.checkpoint !== undefined) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, seed.checkpoint);
  }
  return createFileStorage({ path });
});
