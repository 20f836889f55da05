// One-file bundles, every dependency inside: dist/cell-counter.mjs, the node adapter's command
// that the Docker image runs, and dist/lambda/index.mjs, the Lambda function (ready to zip).
import { statSync } from "node:fs";
import { build } from "esbuild";

const path = (relative) => new URL(relative, import.meta.url).pathname;

const common = {
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
};

await build({
  ...common,
  entryPoints: [path("../packages/server/src/bin/cell-counter.ts")],
  outfile: path("../dist/cell-counter.mjs"),
});
const lambda = path("../dist/lambda/index.mjs");
await build({
  ...common,
  entryPoints: [path("../packages/server/src/lambda.ts")],
  outfile: lambda,
  minify: true,
});
console.log(`Lambda bundle: dist/lambda/index.mjs, ${(statSync(lambda).size / 1024).toFixed(0)} KiB`);
