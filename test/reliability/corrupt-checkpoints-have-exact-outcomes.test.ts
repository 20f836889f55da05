import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CHECKPOINT_VARIANTS, killCommands, type Running, startCommand } from "@cell-counter/conformance";
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

describe(`checkpoint files, over HTTP on the bundled server (${CHECKPOINT_VARIANTS.length} variants)`, () => {
  for (const [name, text, outcome] of CHECKPOINT_VARIANTS) {
    const expected =
      outcome === "corrupt" ? "500 CHECKPOINT_CORRUPT, counter and file unchanged" : `restores ${outcome}`;
    it(`${name}: ${expected}`, async () => {
      await writeFile(path, text);
      const counter = JSON.parse(await (await fetch(`${server.url}/`)).text()).counter as number;
      const response = await fetch(`${server.url}/restore`, { method: "POST" });
      const body = JSON.parse(await response.text());
      if (outcome === "corrupt") {
        assert.equal(response.status, 500);
        assert.equal(body.code, "CHECKPOINT_CORRUPT");
        assert.equal(JSON.parse(await (await fetch(`${server.url}/`)).text()).counter, counter + 1);
      } else {
        assert.equal(response.status, 200);
        assert.deepEqual(body, { counter: outcome, status: "restored" });
      }
      assert.equal(await readFile(path, "utf8"), text, "the file is left as it was");
    });
  }
});
