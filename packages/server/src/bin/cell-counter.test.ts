import { runStartEntryConformance } from "@cell-counter/tooling";

runStartEntryConformance("node", new URL("../../dist/bin/cell-counter.js", import.meta.url).pathname);
