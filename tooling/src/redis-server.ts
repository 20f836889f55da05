import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./process.js";

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as abrupt as a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/** A test's `redis-server` on `host:port`: nothing written to disk, only warnings logged. */
export function redisServerArgs(host: string, port: number): string[] {
  return ["--port", String(port), "--bind", host, "--save", "", "--appendonly", "no", "--loglevel", "warning"];
}

/** A real `redis-server` on a free loopback port, without persistence; `args` add to its settings (`--replicaof …`). */
export async function startRedisServer(args: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn("redis-server", [...redisServerArgs("127.0.0.1", port), ...args], { stdio: "ignore" });
      child.on("error", (error) => {
        throw new Error(`cannot run redis-server (scripts/install-test-tools.sh installs it): ${error.message}`);
      });
      const deadline = Date.now() + 10_000;
      while (!(await answersPing(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      await new Promise((resolve) => {
        running.once("exit", resolve);
        running.kill("SIGKILL");
      });
    },
  };
  await server.start();
  return server;
}

/** Whether a Redis server answers PING at this address now. */
export function answersPing(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.write("PING\r\n"));
    // A host cut off answers nothing, not even a refusal.
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.setEncoding("utf8");
    socket.on("data", (reply: string) => {
      socket.destroy();
      resolve(reply.startsWith("+PONG"));
    });
    socket.on("error", () => resolve(false));
  });
}
