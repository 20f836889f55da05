import type { Registry } from "prom-client";
import gc from "prom-client/lib/metrics/gc.js";
import heapSizeAndUsed from "prom-client/lib/metrics/heapSizeAndUsed.js";
import heapSpacesSizeAndUsed from "prom-client/lib/metrics/heapSpacesSizeAndUsed.js";
import osMemoryHeap from "prom-client/lib/metrics/osMemoryHeap.js";
import processCpuTotal from "prom-client/lib/metrics/processCpuTotal.js";
import processHandles from "prom-client/lib/metrics/processHandles.js";
import processMaxFileDescriptors from "prom-client/lib/metrics/processMaxFileDescriptors.js";
import processOpenFileDescriptors from "prom-client/lib/metrics/processOpenFileDescriptors.js";
import processRequests from "prom-client/lib/metrics/processRequests.js";
import processResources from "prom-client/lib/metrics/processResources.js";
import processStartTime from "prom-client/lib/metrics/processStartTime.js";
import version from "prom-client/lib/metrics/version.js";
import { registerEventLoopMetrics } from "./event-loop.js";

/**
 * prom-client's default collectors, by the names `collectDefaultMetrics.metricsList` gives them,
 * but `eventLoopLag` (replaced by event-loop.ts) and `gc` (on request only).
 */
const PROM_CLIENT_COLLECTORS = {
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
};

/**
 * Node's process metrics, each with the `environment` label: the families of prom-client's
 * `collectDefaultMetrics`, with the event loop delay from a continuous monitor, and the GC
 * durations (`nodejs_gc_duration_seconds`) only when asked for. Node makes a performance entry
 * for every collection once anyone observes them, and under load these entries outlive young
 * collections (about 3 KB each time): the old generation, and RSS, grow until the next full
 * collection. Throws on a runtime without Node's process APIs (workerd), having registered some.
 */
export function registerProcessMetrics(registry: Registry, environment: string, gcDurations: boolean): void {
  if (typeof process?.cpuUsage !== "function") throw new Error("process.cpuUsage is not available here");
  const config = { labels: { environment } };
  for (const [name, register] of Object.entries(PROM_CLIENT_COLLECTORS)) {
    // As prom-client does: this one only where node has the API it reads.
    if (name === "processResources" && typeof process.getActiveResourcesInfo !== "function") continue;
    register(registry, config);
  }
  registerEventLoopMetrics(registry, environment);
  if (gcDurations) gc(registry, config);
}
