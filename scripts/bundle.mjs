// Bundles the node adapter's command, with every dependency, into one file: dist/cell-counter.mjs.
// This file is what the Docker image runs.
import { build } from "esbuild";

const outfile = new URL("../dist/cell-counter.mjs", import.meta.url).pathname;

await build({
  entryPoints: [new URL("../packages/adapter-node/src/bin/start.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["@cell-counter/source"],
  // prom-client is CommonJS and requires node's modules: give the ESM bundle a `require`.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  legalComments: "none",
  logLevel: "warning",
});
