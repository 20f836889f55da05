import { monitorEventLoopDelay } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

const STATISTICS = ["min", "max", "mean", "stddev", "p50", "p90", "p99"] as const;

/**
 * `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`, as prom-client names them, from
 * a continuous delay monitor read at scrape time. prom-client's own collector also measures
 * `nodejs_eventloop_lag_seconds` by waiting for a turn of the event loop in every scrape, which
 * makes scrapes slow under load; it is left out.
 */
export function registerEventLoopMetrics(registry: Registry, environment: string): void {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  const seconds = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
  const read = {
    min: () => seconds(monitor.min),
    max: () => seconds(monitor.max),
    mean: () => seconds(monitor.mean),
    stddev: () => seconds(monitor.stddev),
    p50: () => seconds(monitor.percentile(50)),
    p90: () => seconds(monitor.percentile(90)),
    p99: () => seconds(monitor.percentile(99)),
  };
  for (const statistic of STATISTICS) {
    new Gauge({
      name: `nodejs_eventloop_lag_${statistic}_seconds`,
      help: `The ${statistic} of the recorded event loop delays.`,
      labelNames: ["environment"],
      registers: [registry],
      collect() {
        this.labels(environment).set(read[statistic]());
        // Read last (the gauges are collected in order): each scrape covers the time since the last.
        if (statistic === "p99") monitor.reset();
      },
    });
  }
}
