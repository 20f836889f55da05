import { mkdirSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { serializeCheckpoint } from "@cell-counter/core";
import { createFileStorage } from "@cell-counter/storage-file";

export interface CheckpointFigures {
  /** Write + fsync + rename + directory fsync of the same bytes, in a loop: what the disk allows. */
  diskLimit: number;
  sequential: number;
  concurrent: number;
  latencyP50: number;
  latencyP99: number;
}

interface LoadedServer {
  url: string;
  load(seconds: number): Promise<unknown>;
  stop(): Promise<void>;
}

async function perSecond(count: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return count / ((performance.now() - started) / 1000);
}

export async function benchCheckpoints(
  directory: string,
  quick: boolean,
  startServer: () => Promise<LoadedServer>,
): Promise<CheckpointFigures> {
  mkdirSync(directory, { recursive: true });
  const count = quick ? 30 : 500;
  const bytes = serializeCheckpoint(123_456n, new Date());
  const path = join(directory, "limit.json");

  const diskLimit = await perSecond(count, async () => {
    for (let i = 0; i < count; i++) {
      const temporary = `${path}.tmp`;
      const file = await open(temporary, "w");
      await file.writeFile(bytes);
      await file.sync();
      await file.close();
      await rename(temporary, path);
      const parent = await open(directory, "r");
      await parent.sync();
      await parent.close();
    }
  });

  const storage = createFileStorage({ path: join(directory, "checkpoint.json") });
  const sequential = await perSecond(count, async () => {
    for (let i = 0; i < count; i++) {
      storage.increment();
      await storage.checkpoint();
    }
  });
  const batches = quick ? 3 : 20;
  const concurrent = await perSecond(batches * 50, async () => {
    for (let i = 0; i < batches; i++) {
      storage.increment();
      await Promise.all(Array.from({ length: 50 }, () => storage.checkpoint()));
    }
  });

  const server = await startServer();
  const latencies: number[] = [];
  const loading = server.load(quick ? 1 : 5);
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < (quick ? 10 : 100); i++) {
    const started = performance.now();
    await (await fetch(`${server.url}/checkpoint`, { method: "POST" })).text();
    latencies.push(performance.now() - started);
  }
  await loading;
  await server.stop();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { diskLimit, sequential, concurrent, latencyP50: at(0.5), latencyP99: at(0.99) };
}
