import { type ChildProcess, spawn } from "node:child_process";
import { type Agent, request } from "node:http";
import { createServer } from "node:net";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Command {
  child: ChildProcess;
  /** Lines printed so far, standard output and error together. */
  output: string[];
  /** The lines of standard error alone. */
  errors: string[];
  exit: Promise<Exit>;
}

export interface Running extends Command {
  /** The URL of the listening line, on loopback. */
  url: string;
}

const children = new Set<ChildProcess>();

export interface CommandOptions {
  /** Run as this user and group (the tests run as root; some faults need another user). */
  uid?: number;
  gid?: number;
  /** How long `startCommand` waits for the listening line; default 10 s. */
  timeoutMs?: number;
  /** A command that runs node in its place, such as `taskset -c 0`: the child's pid is node's. */
  prefix?: string[];
  /** Another runtime in node's place: `["bun"]`, `["deno", "run", "-A"]`. */
  runtime?: string[];
}

/** Runs `node <args>` with exactly this environment (and PATH). */
export function runCommand(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  options: CommandOptions = {},
): Command {
  const [file, ...rest] = [...(options.prefix ?? []), ...(options.runtime ?? [process.execPath]), ...args] as [
    string,
    ...string[],
  ];
  const child = spawn(file, rest, {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.uid !== undefined && { uid: options.uid }),
    ...(options.gid !== undefined && { gid: options.gid }),
  });
  children.add(child);
  const output: string[] = [];
  const errors: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    let partial = ""; // a line split between two chunks
    stream.on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      const complete = lines.filter(Boolean);
      output.push(...complete);
      if (stream === child.stderr) errors.push(...complete);
    });
    stream.on("end", () => {
      if (!partial) return;
      output.push(partial);
      if (stream === child.stderr) errors.push(partial);
    });
  }
  const exit = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output, errors, exit };
}

/** Runs a cell-counter command and waits for its listening line. */
export async function startCommand(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  options: CommandOptions = {},
): Promise<Running> {
  const started = runCommand(args, env, cwd, options);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const line = started.output.find((text) => text.includes("listening on"));
    if (line) {
      const url = (/http:\/\/[^\s"]+/.exec(line) as RegExpExecArray)[0].replace("//0.0.0.0:", "//127.0.0.1:");
      return { ...started, url };
    }
    if (Date.now() > deadline || started.child.exitCode !== null) {
      started.child.kill("SIGKILL");
      throw new Error(`no listening line: ${started.output.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills every command still running; for `after` hooks. */
export function killCommands(): void {
  for (const child of children) child.kill("SIGKILL");
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface Answer {
  status: number;
  body: string;
  /** Time from sending to the end of the answer. */
  ms: number;
}

/** One request over the given agent's sockets (keep-alive ones, for loads). */
export function call(agent: Agent, base: string, method: string, path: string): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname, port, method, path }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on("error", reject);
    req.end();
  });
}
