import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";

export const root = new URL("..", import.meta.url).pathname;
export const BUNDLE = join(root, "dist/cell-counter.mjs");

export const run = promisify(execFile);

/** A PromQL expression as Grafana sends it, its variables replaced. */
export function resolveVariables(expr: string, environment = ".*"): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$environment", environment);
}

/** Parse errors of a PromQL expression, and the metric names it selects. */
export function parsePromQL(expr: string): { errors: number[]; metrics: string[] } {
  const errors: number[] = [];
  const metrics: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) errors.push(cursor.from);
    if (cursor.name === "Identifier" && cursor.node.parent?.name === "VectorSelector") {
      metrics.push(expr.slice(cursor.from, cursor.to));
    }
  } while (cursor.next());
  return { errors, metrics };
}

/** Every PromQL expression of the dashboard, with the panel it belongs to. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  const model = JSON.parse(readFileSync(join(root, "infra/grafana/dashboards/cell-counter.json"), "utf8"));
  return model.panels.flatMap((panel: { title: string; targets?: { expr: string }[] }) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
  );
}

/** Every alert of the rules file, with its expression. */
export function alertRules(): { alert: string; expr: string }[] {
  const rules = parse(readFileSync(join(root, "infra/prometheus/alerts.yml"), "utf8"));
  return rules.groups.flatMap((group: { rules: { alert: string; expr: string }[] }) =>
    group.rules.map(({ alert, expr }) => ({ alert, expr: expr.trim() })),
  );
}

export { freePort, imageSpec } from "@cell-counter/tooling";

/** Polls `check` until it returns a value other than `undefined`, at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
