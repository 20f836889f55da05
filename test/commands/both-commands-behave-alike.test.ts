// One suite, run over both built commands: what an operator sees of `cell-counter` and
// `cell-counter-h3` is the same, but for the adapter's name.
import { join } from "node:path";
import { root } from "../support.js";
import { runStartEntryConformance } from "./start-entry-suite.js";

for (const [adapter, bin] of [
  ["node", "cell-counter.js"],
  ["h3", "cell-counter-h3.js"],
] as const) {
  runStartEntryConformance(adapter, join(root, "packages/server/dist/bin", bin));
}
