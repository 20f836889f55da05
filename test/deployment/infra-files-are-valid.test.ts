import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { parseExposition } from "@cell-counter/testkit";
import { DATASOURCE, dashboardJson } from "../../infra/grafana/dashboard.js";
import { alertRules, dashboardQueries, parsePromQL, resolveVariables, root, run } from "../support.js";

const compose = join(root, "infra/compose/docker-compose.yml");

/** Names of every sample the app exports, with the histogram's series. */
async function exportedNames(): Promise<Set<string>> {
  const service = createService({
    storage: createMemoryStorage(),
    metrics: createPrometheusMetrics({ environment: "dev", adapter: "node", version: "0" }),
  });
  await service.handle({ method: "GET", url: "/", headers: {} });
  await new Promise((resolve) => setTimeout(resolve, 50)); // event-loop metrics appear after a tick
  const body = (await service.handle({ method: "GET", url: "/metrics", headers: {} })).body;
  return new Set(parseExposition(body).map((sample) => sample.name));
}

describe("deployment files", () => {
  it("docker-compose accepts the compose file", async () => {
    const { stdout } = await run("docker-compose", ["-f", compose, "config"]);
    assert.match(stdout, /app:/);
  });

  it("compose pins every image, mounts the checkpoint directory, and takes Grafana's password from the environment", () => {
    const text = readFileSync(compose, "utf8");
    const images = [...text.matchAll(/^\s+image: (\S+)$/gm)].map((match) => match[1] as string);
    for (const image of images.filter((name) => name !== "cell-counter:local")) {
      assert.match(image, /:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/, `${image} is pinned to a version`);
    }
    assert.match(text, /- app-data:\/data$/m, "a volume on the directory /data, not on the file");
    assert.match(text, /GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:-admin\}/);
    assert.match(text, /condition: service_healthy/);
  });

  it("promtool accepts the Prometheus configuration and rules, and their unit tests pass", async () => {
    await run("promtool", ["check", "config", join(root, "infra/prometheus/prometheus.yml")]);
    await run("promtool", ["check", "rules", join(root, "infra/prometheus/alerts.yml")]);
    const { stdout } = await run("promtool", ["test", "rules", join(root, "infra/prometheus/tests/alerts.test.yml")]);
    assert.match(stdout, /SUCCESS/);
  });

  it("the committed dashboard is the one infra/grafana/dashboard.ts generates (pnpm dashboard)", () => {
    assert.equal(readFileSync(join(root, "infra/grafana/dashboards/cell-counter.json"), "utf8"), dashboardJson());
  });

  it("the dashboard is a provisionable model: fixed uids, current panel types, no import placeholders", () => {
    const text = readFileSync(join(root, "infra/grafana/dashboards/cell-counter.json"), "utf8");
    const model = JSON.parse(text);
    assert.equal(model.id, null);
    assert.equal(model.uid, "cell-counter");
    assert.equal(model.title, "cell-counter");
    assert.ok(!text.includes("__inputs") && !text.includes("${DS_"));
    const datasource = readFileSync(join(root, "infra/grafana/provisioning/datasources/prometheus.yml"), "utf8");
    assert.match(datasource, new RegExp(`uid: ${DATASOURCE.uid}$`, "m"));
    for (const panel of model.panels) {
      assert.ok(["row", "stat", "gauge", "timeseries", "table"].includes(panel.type), `${panel.title}: ${panel.type}`);
      if (panel.type === "row") continue;
      assert.deepEqual(panel.datasource, DATASOURCE, panel.title);
      for (const target of panel.targets) assert.deepEqual(target.datasource, DATASOURCE, panel.title);
    }
    assert.equal(model.templating.list[0].name, "environment");
    const titles = model.panels.map((panel: { title: string }) => panel.title);
    for (const title of [
      "Current value",
      "Checkpoints",
      "Restores",
      "Value at last checkpoint",
      "Value at last restore",
      "Requests per second by endpoint",
      "Errors per second by endpoint",
      "Latency p50 / p95 / p99",
    ]) {
      assert.ok(titles.includes(title), title);
    }
  });

  it("every PromQL expression of the dashboard and the alerts parses and uses only metrics the app exports", async () => {
    const exported = await exportedNames();
    exported.add("up");
    const expressions = [
      ...dashboardQueries().map(({ panel, expr }) => ({ where: panel, expr })),
      ...alertRules().map(({ alert, expr }) => ({ where: alert, expr })),
    ];
    assert.ok(expressions.length >= 25, `${expressions.length} expressions`);
    for (const { where, expr } of expressions) {
      const { errors, metrics } = parsePromQL(resolveVariables(expr));
      assert.deepEqual(errors, [], `${where}: ${expr}`);
      assert.ok(metrics.length > 0, `${where}: selects a metric`);
      for (const metric of metrics) assert.ok(exported.has(metric), `${where}: ${metric} is exported`);
    }
  });
});
