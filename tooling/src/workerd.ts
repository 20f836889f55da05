import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

/** A worker module bundled as Cloudflare would: one ES module, every dependency inside. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["@cell-counter/source", "workerd", "worker"],
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0]?.text ?? "";
}

/**
 * workerd (from npm, through miniflare) running `script` as two workers, `a` and `b`: two isolates,
 * whose `COUNTER` binding is one Durable Object namespace, the class of worker `a`.
 */
export async function startWorkerd(script: string) {
  const miniflare = new Miniflare({
    log: new Log(LogLevel.WARN),
    workers: [
      {
        name: "a",
        modules: true,
        script,
        compatibilityDate: "2026-07-30",
        durableObjects: { COUNTER: "CounterObject" },
      },
      {
        name: "b",
        modules: true,
        script,
        compatibilityDate: "2026-07-30",
        durableObjects: { COUNTER: { className: "CounterObject", scriptName: "a" } },
      },
    ],
  });
  await miniflare.ready;
  return {
    /** Fetches from worker `a` or `b`. */
    fetch: async (worker: "a" | "b", url: string, init?: RequestInit): Promise<Response> =>
      (await miniflare.getWorker(worker)).fetch(url, init as never) as unknown as Response,
    stop: () => miniflare.dispose(),
  };
}
