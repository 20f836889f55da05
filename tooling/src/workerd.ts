import { builtinModules } from "node:module";
import { build, type Plugin } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

const BUILTIN = new RegExp(`^(node:)?(${builtinModules.filter((name) => !name.startsWith("_")).join("|")})$`);

/**
 * Node's modules as Workers' `nodejs_compat` provides them: imported from `node:…`, left to the
 * runtime; a CommonJS `require` of one (prom-client's) gets that import's exports.
 */
const nodeBuiltins: Plugin = {
  name: "node-builtins",
  setup(builder) {
    builder.onResolve({ filter: BUILTIN }, ({ path, kind }) => {
      const name = path.replace(/^node:/, "");
      return kind === "require-call"
        ? { path: name, namespace: "node-builtin" }
        : { path: `node:${name}`, external: true };
    });
    builder.onLoad({ filter: /.*/, namespace: "node-builtin" }, ({ path }) => ({
      contents: `export * from "node:${path}"; export { default } from "node:${path}";`,
      resolveDir: "/",
    }));
  },
};

/** A worker module bundled as Cloudflare would: one ES module, every dependency inside. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2022",
    conditions: ["@cell-counter/source", "workerd", "worker"],
    plugins: [nodeBuiltins],
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0]?.text ?? "";
}

export interface WorkerdOptions {
  /** The environment's text variables. */
  bindings?: Record<string, string>;
  /** Such as `nodejs_compat`, as in a wrangler file's `compatibility_flags`. */
  compatibilityFlags?: string[];
}

/**
 * workerd (from npm, through miniflare) running `script` as two workers, `a` and `b`: two isolates,
 * whose `COUNTER` binding is one Durable Object namespace, the class of worker `a`.
 */
export async function startWorkerd(script: string, { bindings = {}, compatibilityFlags = [] }: WorkerdOptions = {}) {
  const worker = { modules: true, script, compatibilityDate: "2026-07-30", compatibilityFlags, bindings };
  const miniflare = new Miniflare({
    log: new Log(LogLevel.WARN),
    cf: false, // no request to Cloudflare for the `cf` object's placeholder
    workers: [
      { name: "a", ...worker, durableObjects: { COUNTER: "CounterObject" } },
      { name: "b", ...worker, durableObjects: { COUNTER: { className: "CounterObject", scriptName: "a" } } },
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
