import { runStartEntryConformance } from "@cell-counter/conformance";

runStartEntryConformance("node", new URL("../dist/bin/start.js", import.meta.url).pathname);
