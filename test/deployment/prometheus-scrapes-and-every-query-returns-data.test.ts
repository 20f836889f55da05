import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { killCommands, startCommand } from "@cell-counter/tooling";
import {
  alertRules,
  BUNDLE,
  dashboardQueries,
  freePort,
  imageSpec,
  resolveVariables,
  root,
  waitFor,
} from "../support.js";

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

const ENVIRONMENT = "e2e";
let scratch = "";
const stops: (() => void)[] = [];
after(async () => {
  for (const stop of stops) stop();
  killCommands();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("end to end with a real Prometheus (bounded: about 30 s of scraping, 90 s at most)", () => {
  it("scrapes the bundled app with the repository's configuration; every dashboard query returns data that agrees with the API", async () => {
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-e2e-"));
    const appPort = await freePort();
    const app = await startCommand(
      [BUNDLE],
      {
        ...imageSpec().env,
        PORT: String(appPort),
        HOST: "127.0.0.1",
        ENVIRONMENT,
        CHECKPOINT_PATH: join(scratch, "data", "checkpoint.json"),
      },
      scratch,
    );

    // The repository's Prometheus configuration and rules; only the target is rewritten.
    const config = (await readFile(join(root, "infra/prometheus/prometheus.yml"), "utf8")).replace(
      '"app:8080"',
      `"127.0.0.1:${appPort}"`,
    );
    assert.match(config, new RegExp(`127\\.0\\.0\\.1:${appPort}`));
    await writeFile(join(scratch, "prometheus.yml"), config);
    await copyFile(join(root, "infra/prometheus/alerts.yml"), join(scratch, "alerts.yml"));
    const prometheusPort = await freePort();
    const prometheus = spawn(
      "prometheus",
      [
        `--config.file=${join(scratch, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(scratch, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { stdio: "ignore" },
    );
    stops.push(() => prometheus.kill("SIGKILL"));
    const api = `http://127.0.0.1:${prometheusPort}/api/v1`;
    const query = async (expr: string): Promise<Series[]> => {
      const response = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: Series[] } };
      assert.equal(body.status, "success", `${expr}: ${body.error}`);
      return body.data.result;
    };
    await waitFor(
      "Prometheus ready",
      async () => ((await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`)).ok ? true : undefined),
      30_000,
    );

    // Traffic: increments, a checkpoint, more increments, a restore, errors.
    const get = (path: string, init?: RequestInit) =>
      fetch(`${app.url}${path}`, init).then((response) => response.text());
    for (let i = 0; i < 20; i++) await get("/");
    assert.equal(await get("/checkpoint", { method: "POST" }), '{"counter":20,"status":"checkpoint saved"}');
    for (let i = 0; i < 5; i++) await get("/");
    assert.equal(await get("/restore", { method: "POST" }), '{"counter":20,"status":"restored"}');
    await get("/no-such-page");
    await get("/checkpoint");
    const last = JSON.parse(await get("/")).counter as number;
    assert.equal(last, 21);

    // Light traffic while Prometheus collects enough scrapes for rate() and histogram_quantile().
    let traffic = true;
    const background = (async () => {
      while (traffic) {
        await get("/healthz");
        await get("/nothing");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await waitFor(
        "four scrapes of the app",
        async () => {
          const [series] = await query(`count_over_time(cell_counter{environment="${ENVIRONMENT}"}[1m])`);
          return series && Number(series.value[1]) >= 4 ? true : undefined;
        },
        60_000,
      );
    } finally {
      traffic = false;
      await background;
    }

    const queries = dashboardQueries();
    const results = new Map<string, Series[]>();
    for (const { panel, expr } of queries) {
      const result = await query(resolveVariables(expr, ENVIRONMENT));
      assert.ok(result.length > 0, `"${panel}" returns no data: ${expr}`);
      results.set(panel, result);
    }
    const value = (panel: string) => Number(results.get(panel)?.[0]?.value[1]);
    assert.equal(value("Current value"), last);
    assert.equal(value("Checkpoints"), 1);
    assert.equal(value("Restores"), 1);
    assert.equal(value("Value at last checkpoint"), 20);
    assert.equal(value("Value at last restore"), 20);
    assert.ok(value("Since last checkpoint") >= 0 && value("Since last checkpoint") < 120);
    const build = results.get("Build")?.[0]?.metric;
    assert.equal(build?.adapter, "node");
    assert.equal(build?.storage, "file");
    console.log(
      `# dashboard queries returning data: ${results.size} panels, ${queries.length} of ${queries.length} queries`,
    );

    for (const { expr } of alertRules()) await query(expr);
    assert.deepEqual(await query(alertRules().find((rule) => rule.alert === "CellCounterDown")?.expr ?? ""), []);
    assert.deepEqual(
      (await query(`up{job="cell-counter"}`)).map((series) => series.value[1]),
      ["1"],
      "the app's target is up",
    );
    // Prometheus asks for OpenMetrics first, and the app serves it: metadata is then kept under the
    // counter's family name, without `_total` (the text format 0.0.4 would give `…_total`).
    const metadata = (await (await fetch(`${api}/metadata`)).json()) as { data: Record<string, unknown> };
    assert.ok("checkpoint_operations" in metadata.data, Object.keys(metadata.data).join(", "));
    assert.ok(!("checkpoint_operations_total" in metadata.data), "scraped as OpenMetrics");
    app.child.kill("SIGTERM");
    assert.deepEqual(await app.exit, { code: 0, signal: null });
  });
});
