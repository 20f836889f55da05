import { callInProcess, runHttpConformance } from "@cell-counter/testkit";

// A third host in one line: the core's own web-standard handler, as Hono, Bun, Deno or a worker calls it.
runHttpConformance("fetch", async (service) => callInProcess(service.fetch));
