import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { root } from "../support.js";

const run = promisify(execFile);
let scratch = "";
after(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

interface Call {
  name: string;
  args: string;
  result: string;
}

/** The system calls of `strace -f -o`, resumed calls joined to their start. */
function parse(log: string): Call[] {
  const pending = new Map<string, string>();
  const calls: Call[] = [];
  for (const line of log.split("\n")) {
    const match = /^(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, pid, rest] = match as unknown as [string, string, string];
    let text = rest;
    if (text.endsWith("<unfinished ...>")) {
      pending.set(pid, text.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(text);
    if (resumed) {
      text = `${pending.get(pid) ?? ""}${resumed[1]}`;
      pending.delete(pid);
    }
    const call = /^(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(text);
    if (call) calls.push({ name: call[1] as string, args: call[2] as string, result: call[3] as string });
  }
  return calls;
}

describe("durable checkpoint writes, seen from the system calls of a real process (strace)", () => {
  it("temporary file written and fsynced, renamed over the checkpoint, then the directory fsynced, in that order", async () => {
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-strace-"));
    const path = join(scratch, "data", "checkpoint.json");
    const script = `
      const { createFileStorage } = await import(${JSON.stringify(join(root, "packages/storage-file/dist/index.js"))});
      const storage = createFileStorage({ path: ${JSON.stringify(path)} });
      storage.increment();
      await storage.checkpoint();`;
    const log = join(scratch, "strace.log");
    await run("strace", [
      "-f",
      "-qq",
      "-o",
      log,
      "-e",
      "trace=openat,write,pwrite64,fsync,fdatasync,rename,renameat,renameat2,close",
      process.execPath,
      "--input-type=module",
      "-e",
      script,
    ]);
    const calls = parse(await readFile(log, "utf8"));
    const temporary = calls.findIndex(
      (call) => call.name === "openat" && /checkpoint\.json\.[^"]*\.tmp"/.test(call.args) && /O_CREAT/.test(call.args),
    );
    assert.ok(temporary >= 0, "a temporary file is created beside the checkpoint");
    const fileFd = calls[temporary]?.result as string;
    const after = (from: number, test: (call: Call) => boolean, what: string) => {
      const index = calls.findIndex((call, i) => i > from && test(call));
      assert.ok(
        index > from,
        `${what}, after step ${from}: ${calls
          .slice(from)
          .map((c) => `${c.name}(${c.args.slice(0, 60)})`)
          .join("; ")}`,
      );
      return index;
    };
    const written = after(
      temporary,
      (call) =>
        /^p?write/.test(call.name) && call.args.startsWith(`${fileFd},`) && call.args.includes('{\\"counter\\":1'),
      "the temporary file is written",
    );
    const fileSynced = after(
      written,
      (call) => /^f(data)?sync$/.test(call.name) && call.args === fileFd,
      "then fsynced",
    );
    const closed = after(fileSynced, (call) => call.name === "close" && call.args === fileFd, "then closed");
    const renamed = after(
      closed,
      (call) => /^rename/.test(call.name) && call.args.includes(`${path}"`),
      "then renamed over the checkpoint",
    );
    const directoryOpened = after(
      renamed,
      (call) => call.name === "openat" && call.args.includes(`"${join(scratch, "data")}"`),
      "then the directory opened",
    );
    const directoryFd = calls[directoryOpened]?.result as string;
    after(directoryOpened, (call) => /^f(data)?sync$/.test(call.name) && call.args === directoryFd, "and fsynced");
    assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 1);
  });
});
