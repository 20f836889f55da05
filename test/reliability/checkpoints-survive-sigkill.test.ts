import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseCheckpoint } from "@cell-counter/core";
import { killCommands, startCommand } from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

const ROUNDS = 200;
const WORKERS = 16;

let scratch = "";
after(async () => {
  killCommands();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function savedValue(path: string): Promise<bigint | undefined> {
  try {
    return parseCheckpoint(await readFile(path, "utf8"));
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

const temporaryFiles = async (directory: string) =>
  (await readdir(directory).catch(() => [] as string[])).filter((name) => name.endsWith(".tmp"));

describe(`crash durability (bounded: ${ROUNDS} rounds of a request storm and SIGKILL at a random moment)`, () => {
  it("after every kill the checkpoint parses and holds a value the server confirmed or was about to confirm", async () => {
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-crash-"));
    const directory = join(scratch, "data");
    const path = join(directory, "checkpoint.json");
    const env = { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path, RESTORE_ON_START: "true" };
    let torn = 0;
    let staleLeftByKills = 0;
    let confirmedTotal = 0;
    let incrementsTotal = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      staleLeftByKills += (await temporaryFiles(directory)).length;
      const start = Number((await savedValue(path)) ?? 0n);
      const server = await startCommand([BUNDLE], env, scratch);
      assert.deepEqual(await temporaryFiles(directory), [], `round ${round}: stale temporary files removed at start`);

      let increments = 0;
      let lowest = start;
      let killed = false;
      const worker = async (index: number) => {
        for (let i = 0; !killed; i++) {
          try {
            if ((i + index) % 4 === 0) {
              const response = await fetch(`${server.url}/checkpoint`, { method: "POST" });
              const { counter } = (await response.json()) as { counter: number };
              assert.equal(response.status, 200);
              lowest = Math.max(lowest, Number(counter));
              confirmedTotal++;
            } else {
              increments++;
              await fetch(`${server.url}/`).then((response) => response.arrayBuffer());
            }
          } catch (error) {
            if (!killed) throw error;
          }
        }
      };
      const storm = Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      server.child.kill("SIGKILL");
      killed = true;
      assert.equal((await server.exit).signal, "SIGKILL");
      await storm;
      incrementsTotal += increments;

      let saved: bigint | undefined;
      try {
        saved = await savedValue(path);
      } catch {
        torn++;
        continue;
      }
      const value = Number(saved ?? 0n);
      assert.ok(
        value >= lowest && value <= start + increments,
        `round ${round}: checkpoint ${value} outside [${lowest}, ${start + increments}]`,
      );
    }
    console.log(
      `crash durability: ${ROUNDS} rounds, ${incrementsTotal} increments, ${confirmedTotal} confirmed checkpoints, ` +
        `${torn} torn files, ${staleLeftByKills} temporary files left by kills (all removed at the next start)`,
    );
    assert.equal(torn, 0, "torn checkpoint files");
  });
});
