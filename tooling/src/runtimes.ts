import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

// The runtimes' own executables, installed from npm by the workspace — not the package managers'
// shims, which run them as a child: a signal must reach the runtime itself.
export const BUN = [join(root, "node_modules/bun/bin/bun.exe")];
export const DENO = [join(root, "node_modules/deno/deno"), "run", "--allow-all", "--node-modules-dir=manual"];
