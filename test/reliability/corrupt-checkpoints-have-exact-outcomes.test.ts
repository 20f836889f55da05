import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CHECKPOINT_VARIANTS } from "@cell-counter/testkit";
import { killCommands, type Running, startCommand } from "@cell-counter/tooling";
import { BUNDLE } from "../support.js";

let server: Running;
let scratch = "";
let path = "";
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cell-counter-corrupt-"));
  path = join(scratch, "checkpoint.json");
  server = await startCommand([BUNDLE], { HOST: "127.0.0.1", PORT: "0", CHECKPOINT_PATH: path }, scratch);
});
after(async () => {
  killCommands();
  await rm(scratch, { recursive: true, force: true });
});

/** `GET /`, its counter read with every digit. */
async function increment(): Promise<bigint> {
  const text = await (await fetch(`${server.url}/`)).text();
  return BigInt(/^\{"counter":(\d+)\}$/.exec(text)?.[1] ?? Number.NaN);
}

describe(`checkpoint files, over HTTP on the bundled server (${CHECKPOINT_VARIANTS.length} variants)`, () => {
  for (const [name, text, outcome] of CHECKPOINT_VARIANTS) {
    const expected =
      outcome === "corrupt" ? "500 CHECKPOINT_CORRUPT, counter and file unchanged" : `restores ${outcome}`;
    it(`${name}: ${expected}`, async () => {
      await writeFile(path, '{"counter": 1}');
      assert.equal((await fetch(`${server.url}/restore`, { method: "POST" })).status, 200, "a known start");
      await writeFile(path, text);
      const counter = await increment();
      const response = await fetch(`${server.url}/restore`, { method: "POST" });
      const body = await response.text();
      if (outcome === "corrupt") {
        assert.equal(response.status, 500);
        assert.equal(JSON.parse(body).code, "CHECKPOINT_CORRUPT");
        assert.equal(await increment(), counter + 1n);
      } else {
        assert.equal(response.status, 200);
        assert.equal(body, `{"counter":${outcome},"status":"restored"}`, "every digit");
      }
      assert.equal(await readFile(path, "utf8"), text, "the file is left as it was");
    });
  }
});
