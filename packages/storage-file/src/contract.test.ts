import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { runStorageContract } from "@cell-counter/conformance";
import { createFileStorage } from "./index.js";

const directories: string[] = [];
after(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

runStorageContract("file", async () => {
  const directory = await mkdtemp(join(tmpdir(), "cell-counter-file-"));
  directories.push(directory);
  return createFileStorage({ path: join(directory, "nested", "checkpoint.json") });
});
