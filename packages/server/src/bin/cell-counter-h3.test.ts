import { runStartEntryConformance } from "@cell-counter/tooling";

runStartEntryConformance("h3", new URL("../../dist/bin/cell-counter-h3.js", import.meta.url).pathname);
