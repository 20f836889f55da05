import { runStartEntryConformance } from "@cell-counter/conformance";

runStartEntryConformance("h3", new URL("../dist/bin/start.js", import.meta.url).pathname);
