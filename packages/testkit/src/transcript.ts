import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createService } from "@cell-counter/core";
import { createPrometheusMetrics } from "@cell-counter/metrics-prometheus";
import { createFileStorage } from "@cell-counter/storage-file";
import { parseExposition } from "./exposition.js";
import type { Mount } from "./http-conformance.js";

const TOKEN = "transcript-token";
const auth = { authorization: `Bearer ${TOKEN}` };

/** A request sequence that passes through every row of the API and error tables. */
const SEQUENCE: [string, RequestInit?][] = [
  ["/"],
  ["/?source=curl"],
  ["/restore", { method: "POST", headers: auth }],
  ["/checkpoint", { method: "POST" }],
  ["/checkpoint", { method: "POST", headers: { authorization: "Bearer nope" } }],
  ["/checkpoint", { method: "POST", headers: auth }],
  ["/"],
  ["/restore", { method: "POST", headers: auth }],
  ["/checkpoint"],
  ["/", { method: "POST" }],
  ["/", { method: "HEAD" }],
  ["/", { method: "OPTIONS" }],
  ["/metrics", { method: "DELETE" }],
  ["/", { method: "PROPFIND" }],
  ["/nope"],
  ["/checkpoint/"],
  ["/%63heckpoint", { method: "POST", headers: auth }],
  ["/%ZZ"],
  ["/a/../restore", { method: "POST", headers: auth }],
  ["/./"],
  ["/%2e/"],
  ["/x/../checkpoint", { method: "POST", headers: auth }],
  ["/checkpoint", { method: "POST", headers: auth, body: "x".repeat(70_000) }],
  ["/healthz"],
  ["/readyz"],
  ["CORRUPT"],
  ["/restore", { method: "POST", headers: auth }],
  ["/"],
  ["/metrics"],
];

const SHOWN_HEADERS = ["content-type", "content-length", "allow", "www-authenticate"];
const METRICS_COMPARED = /^(cell_counter|http_requests_total|http_errors_total|checkpoint_.*|restore_.*)$/;

/** The token, the environment and the checkpoint that a transcript's service must use. */
export const TRANSCRIPT_SETUP = {
  apiToken: TOKEN,
  environment: "test",
  corruptCheckpoint: '{"counter": "7"}',
} as const;

/** Where a transcript is recorded: a service behind some host, and a way to corrupt its saved checkpoint. */
export interface TranscriptTarget {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Saves `TRANSCRIPT_SETUP.corruptCheckpoint` where the service reads its checkpoint. */
  corruptCheckpoint(): Promise<void>;
}

/**
 * Runs the sequence on a fresh service mounted by `mount` and writes down every answer: status,
 * the headers a client acts on, and the body (for `/metrics`, the samples that depend only on the
 * requests). Two adapters that behave identically give identical transcripts.
 */
export async function transcript(mount: Mount): Promise<string[]> {
  const directory = await mkdtemp(join(tmpdir(), "cell-counter-transcript-"));
  const path = join(directory, "checkpoint.json");
  const service = createService({
    storage: createFileStorage({ path }),
    metrics: createPrometheusMetrics({ environment: "test", adapter: "any", version: "0", processMetrics: false }),
    apiToken: TOKEN,
  });
  const harness = await mount(service);
  try {
    return await recordTranscript({
      fetch: harness.fetch,
      corruptCheckpoint: () => writeFile(path, TRANSCRIPT_SETUP.corruptCheckpoint),
    });
  } finally {
    await harness.close();
    await service.close();
    await rm(directory, { recursive: true, force: true });
  }
}

/** The transcript of a service running anywhere: another process, another runtime. */
export async function recordTranscript(target: TranscriptTarget): Promise<string[]> {
  const lines: string[] = [];
  for (const [path, init] of SEQUENCE) {
    if (path === "CORRUPT") {
      await target.corruptCheckpoint();
      continue;
    }
    const response = await target.fetch(path, init);
    const scrape = path === "/metrics" && response.status === 200;
    const headers = SHOWN_HEADERS.filter((name) => !(scrape && name === "content-length")) // latencies vary
      .map((name) => `${name}: ${response.headers.get(name)}`)
      .join("; ");
    let body = await response.text();
    if (scrape) {
      body = parseExposition(body)
        .filter(
          (sample) => METRICS_COMPARED.test(sample.name) && sample.name !== "checkpoint_last_success_timestamp_seconds",
        )
        .map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`)
        .join("\n");
    }
    lines.push(`${init?.method ?? "GET"} ${path} → ${response.status}; ${headers}\n${body}`);
  }
  return lines;
}
