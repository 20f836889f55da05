// The two manifests made from the files they deploy, so that each fact has one source: the
// PrometheusRule holds the rules of infra/prometheus/alerts.yml, the ConfigMap the dashboard of
// infra/grafana/dashboards/cell-counter.json. `pnpm kubernetes` writes them; a test checks they are current.
import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";

const here = (path: string) => new URL(path, import.meta.url).pathname;
const LABELS = { "app.kubernetes.io/name": "cell-counter" };

/** A manifest as YAML, under a line that names its source. */
function manifest(source: string, resource: object): string {
  return `# Made by \`pnpm kubernetes\` from ${source}: edit that file, not this one.\n${stringify(resource, { lineWidth: 0 })}`;
}

/** The alerting rules for the Prometheus Operator: the groups of alerts.yml, as they are. */
export function prometheusRule(): string {
  return manifest("infra/prometheus/alerts.yml", {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "cell-counter", labels: LABELS },
    spec: parse(readFileSync(here("../prometheus/alerts.yml"), "utf8")),
  });
}

/** The dashboard as a ConfigMap that Grafana's sidecar loads (label `grafana_dashboard`). */
export function dashboardConfigMap(): string {
  return manifest("infra/grafana/dashboards/cell-counter.json", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cell-counter-dashboard", labels: { ...LABELS, grafana_dashboard: "1" } },
    data: { "cell-counter.json": readFileSync(here("../grafana/dashboards/cell-counter.json"), "utf8") },
  });
}

export const GENERATED = { "prometheusrule.yaml": prometheusRule, "grafana-dashboard.yaml": dashboardConfigMap };

if (process.argv[1] === new URL(import.meta.url).pathname) {
  for (const [file, make] of Object.entries(GENERATED)) {
    writeFileSync(here(file), make());
    console.log(`wrote infra/kubernetes/${file}`);
  }
}
