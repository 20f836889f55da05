// The "cell-counter" Grafana dashboard, as code, with Grafana's foundation SDK. `pnpm dashboard` writes
// infra/grafana/dashboards/cell-counter.json; a test checks the committed file is current.
import { writeFileSync } from "node:fs";
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as statPanel from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";

export const DATASOURCE = { type: "prometheus", uid: "cell-counter-prometheus" } as const;
const ENV = 'environment=~"$environment"';

interface Target {
  expr: string;
  legend?: string;
}

interface PanelSpec {
  title: string;
  description: string;
  type: "stat" | "gauge" | "timeseries" | "table";
  targets: Target[];
  unit?: string;
  w: number;
  h: number;
}

const stat = (title: string, description: string, expr: string, unit = "none"): PanelSpec => ({
  title,
  description,
  type: "stat",
  targets: [{ expr, legend: "{{environment}}" }],
  unit,
  w: 4,
  h: 5,
});

const series = (title: string, description: string, targets: Target[], unit = "none", w = 12): PanelSpec => ({
  title,
  description,
  type: "timeseries",
  targets,
  unit,
  w,
  h: 8,
});

const rate = (metric: string, by: string, filter = "") =>
  `sum by (${by}) (rate(${metric}{${ENV}${filter}}[$__rate_interval]))`;

const quantile = (q: number, by = "") =>
  `histogram_quantile(${q}, sum by (${by ? `${by}, ` : ""}le) (rate(http_request_latency_seconds_bucket{${ENV}, endpoint!="/metrics"}[$__rate_interval])))`;

/** Rows of panels, top to bottom. */
export const ROWS: [string, PanelSpec[]][] = [
  [
    "Counter",
    [
      stat(
        "Current value",
        "cell_counter: the counter now (max across replicas, which share it).",
        `max by (environment) (cell_counter{${ENV}})`,
      ),
      stat(
        "Checkpoints",
        "checkpoint_operations_total: successful checkpoints.",
        `sum by (environment) (checkpoint_operations_total{${ENV}})`,
      ),
      stat(
        "Restores",
        "restore_operations_total: successful restores.",
        `sum by (environment) (restore_operations_total{${ENV}})`,
      ),
      {
        ...stat(
          "Value at last checkpoint",
          "checkpoint_counter_value: the counter when it was last saved.",
          `max by (environment) (checkpoint_counter_value{${ENV}})`,
        ),
        type: "gauge",
      },
      {
        ...stat(
          "Value at last restore",
          "restore_counter_value: the counter set by the last restore.",
          `max by (environment) (restore_counter_value{${ENV}})`,
        ),
        type: "gauge",
      },
      stat(
        "Since last checkpoint",
        "Time since the last successful checkpoint; empty before the first one.",
        `time() - max by (environment) (checkpoint_last_success_timestamp_seconds{${ENV}} > 0)`,
        "s",
      ),
      series(
        "Counter over time",
        "cell_counter, with the values at checkpoint and restore.",
        [
          { expr: `max by (environment) (cell_counter{${ENV}})`, legend: "counter {{environment}}" },
          { expr: `max by (environment) (checkpoint_counter_value{${ENV}})`, legend: "at checkpoint {{environment}}" },
          { expr: `max by (environment) (restore_counter_value{${ENV}})`, legend: "at restore {{environment}}" },
        ],
        "none",
        24,
      ),
    ],
  ],
  [
    "HTTP",
    [
      series(
        "Requests per second by endpoint",
        "http_requests_total, scrapes left out.",
        [{ expr: rate("http_requests_total", "endpoint", ', endpoint!="/metrics"'), legend: "{{endpoint}}" }],
        "reqps",
      ),
      series(
        "Requests per second by status",
        "http_requests_total by http_status.",
        [{ expr: rate("http_requests_total", "http_status"), legend: "{{http_status}}" }],
        "reqps",
      ),
      series(
        "Errors per second by endpoint",
        "http_errors_total: answers with a status of 400 or more.",
        [{ expr: rate("http_errors_total", "endpoint"), legend: "{{endpoint}}" }],
        "reqps",
      ),
      series(
        "Error ratio by endpoint",
        "Errors over requests, per endpoint.",
        [
          {
            expr: `${rate("http_errors_total", "endpoint")} / ${rate("http_requests_total", "endpoint")}`,
            legend: "{{endpoint}}",
          },
        ],
        "percentunit",
      ),
      series(
        "Latency p50 / p95 / p99",
        "http_request_latency_seconds over all endpoints but /metrics.",
        [
          { expr: quantile(0.5), legend: "p50" },
          { expr: quantile(0.95), legend: "p95" },
          { expr: quantile(0.99), legend: "p99" },
        ],
        "s",
      ),
      series(
        "p95 latency by endpoint",
        "95th percentile of http_request_latency_seconds, per endpoint.",
        [{ expr: quantile(0.95, "endpoint"), legend: "{{endpoint}}" }],
        "s",
      ),
      series(
        "Requests per second by instance",
        "Each replica's share of the traffic.",
        [{ expr: rate("http_requests_total", "instance", ', endpoint!="/metrics"'), legend: "{{instance}}" }],
        "reqps",
        24,
      ),
    ],
  ],
  [
    "Failures",
    [
      series("Checkpoint failures by code", "checkpoint_failures_total: failed checkpoints per interval.", [
        { expr: `sum by (code) (increase(checkpoint_failures_total{${ENV}}[$__rate_interval]))`, legend: "{{code}}" },
      ]),
      series("Restore failures by code", "restore_failures_total: failed restores per interval.", [
        { expr: `sum by (code) (increase(restore_failures_total{${ENV}}[$__rate_interval]))`, legend: "{{code}}" },
      ]),
    ],
  ],
  [
    "Process",
    [
      series(
        "CPU",
        "process_cpu_seconds_total: cores used, per instance.",
        [
          {
            expr: `sum by (instance) (rate(process_cpu_seconds_total{${ENV}}[$__rate_interval]))`,
            legend: "{{instance}}",
          },
        ],
        "percentunit",
        8,
      ),
      series(
        "Memory",
        "Resident set size and V8 heap in use, per instance.",
        [
          { expr: `max by (instance) (process_resident_memory_bytes{${ENV}})`, legend: "RSS {{instance}}" },
          { expr: `max by (instance) (nodejs_heap_size_used_bytes{${ENV}})`, legend: "heap {{instance}}" },
        ],
        "bytes",
        8,
      ),
      series(
        "Event loop lag p99",
        "nodejs_eventloop_lag_p99_seconds, per instance.",
        [{ expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${ENV}})`, legend: "{{instance}}" }],
        "s",
        8,
      ),
      {
        title: "Build",
        description: "cell_counter_build_info: version, adapter and storage of each instance.",
        type: "table",
        targets: [
          { expr: `max by (instance, version, adapter, storage, environment) (cell_counter_build_info{${ENV}})` },
        ],
        w: 24,
        h: 5,
      },
    ],
  ],
];

const PANEL_BUILDERS = {
  stat: () => new statPanel.PanelBuilder(),
  gauge: () => new gauge.PanelBuilder(),
  timeseries: () =>
    new timeseries.PanelBuilder().legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    ),
  table: () => new table.PanelBuilder(),
};

function panel(spec: PanelSpec, id: number) {
  const builder = PANEL_BUILDERS[spec.type]()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit ?? "none")
    .span(spec.w)
    .height(spec.h);
  spec.targets.forEach((target, index) => {
    const query = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + index))
      .expr(target.expr);
    if (target.legend) query.legendFormat(target.legend);
    if (spec.type === "table") query.format(prometheus.PromQueryFormat.Table).instant();
    builder.withTarget(query);
  });
  return builder;
}

/** The dashboard, built with Grafana's foundation SDK (typed against Grafana's schema), which lays the panels out. */
export function dashboard(): Dashboard {
  const builder = new DashboardBuilder("cell-counter")
    .uid("cell-counter")
    .id(null)
    .description("Counter, checkpoints and restores, HTTP traffic, failures and process health of cell-counter.")
    .tags(["cell-counter"])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .version(1)
    .refresh("10s")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .withVariable(
      new QueryVariableBuilder("environment")
        .label("Environment")
        .datasource(DATASOURCE)
        .query({ query: "label_values(cell_counter, environment)", refId: "environment" })
        .definition("label_values(cell_counter, environment)")
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .includeAll(true)
        .multi(true)
        .allValue(".*")
        .current({ text: "All", value: "$__all" })
        .sort(VariableSort.AlphabeticalAsc),
    );
  let id = 1;
  for (const [title, specs] of ROWS) {
    builder.withRow(new RowBuilder(title).id(id++));
    for (const spec of specs) builder.withPanel(panel(spec, id++));
  }
  return builder.build();
}

export const DASHBOARD_PATH = new URL("dashboards/cell-counter.json", import.meta.url).pathname;

export function dashboardJson(): string {
  return `${JSON.stringify(dashboard(), null, 2)}\n`;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  writeFileSync(DASHBOARD_PATH, dashboardJson());
  console.log(`wrote ${DASHBOARD_PATH}`);
}
