import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { parse } from "yaml";
import { GENERATED } from "../../infra/kubernetes/generate.js";
import { imageSpec, root } from "../support.js";

const DIRECTORY = join(root, "infra/kubernetes");
const kustomization = parse(readFileSync(join(DIRECTORY, "kustomization.yaml"), "utf8")) as {
  resources: string[];
  images: { name: string; newTag?: string; digest?: string }[];
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is read as the API sees it, then checked field by field
  spec?: any;
  data?: Record<string, string>;
}

const manifests = kustomization.resources.map((file) => ({
  file,
  manifest: parse(readFileSync(join(DIRECTORY, file), "utf8")) as Manifest,
}));
const one = (kind: string): Manifest => {
  const found = manifests.filter(({ manifest }) => manifest.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return (found[0] as { manifest: Manifest }).manifest;
};

/** The model of each kind, from the API's (or the Prometheus Operator's) schemas: `validate()` throws on a mistake. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  Service,
  PodDisruptionBudget,
  HorizontalPodAutoscaler,
  NetworkPolicy,
  ServiceMonitor,
  PrometheusRule,
  ConfigMap,
};

function validate(manifest: Manifest): void {
  const Model = MODELS[manifest.kind];
  assert.ok(Model, `a schema for ${manifest.kind}`);
  new Model(structuredClone(manifest) as never).validate();
}

describe("infra/kubernetes: what an operator applies, checked against the API's schemas and an operator's review", () => {
  it("every object of the kustomization is valid against the Kubernetes API's or the Prometheus Operator's schema", () => {
    assert.deepEqual(
      manifests.map(({ manifest }) => manifest.kind).sort(),
      Object.keys(MODELS).sort(),
      "one file per kind of the review",
    );
    for (const { file, manifest } of manifests) {
      assert.doesNotThrow(() => validate(manifest), file);
    }
  });

  it("the schemas catch a planted mistake: a port given as text, a probe without its handler's shape, an unknown field's type", () => {
    const deployment = structuredClone(one("Deployment"));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    assert.throws(() => validate(deployment), /containerPort/);
    const probe = structuredClone(one("Deployment"));
    probe.spec.template.spec.containers[0].readinessProbe.httpGet.port = { name: "http" };
    assert.throws(() => validate(probe), /port/);
    const monitor = structuredClone(one("ServiceMonitor"));
    monitor.spec.endpoints = { port: "http" };
    assert.throws(() => validate(monitor), /endpoints/);
  });

  it("the Deployment passes the review: probes, non-root, read-only root, no escalation, no capability, grace period, resources, spread, pinned image, secrets from Secrets", () => {
    const deployment = one("Deployment");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    assert.equal(deployment.spec.replicas, 3);
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "http" });
    // The command's own check of /healthz (`--healthcheck`), on the image's bundle.
    assert.deepEqual(container.livenessProbe.exec.command, ["node", imageSpec().cmd.at(-1), "--healthcheck"]);
    assert.ok(pod.securityContext.runAsNonRoot && container.securityContext.runAsNonRoot);
    assert.notEqual(pod.securityContext.runAsUser, 0);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    // The service's own grace period is 8 s, after the preStop pause: the kill comes later.
    const pause = Number(
      /setTimeout\(\(\) => \{\}, (\d+)\)/.exec(container.lifecycle.preStop.exec.command.join(" "))?.[1],
    );
    assert.ok(pod.terminationGracePeriodSeconds >= 10, "grace period ≥ 10 s");
    assert.ok(
      pod.terminationGracePeriodSeconds * 1000 > pause + 8_000 + 1_500,
      "room for the pause and the service's grace",
    );
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    assert.ok(container.resources.limits.memory);
    assert.deepEqual(
      pod.topologySpreadConstraints.map((constraint: { topologyKey: string }) => constraint.topologyKey),
      ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
    );
    // Writable only where named: the checkpoint directory and /tmp, each an emptyDir.
    assert.deepEqual(
      container.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath),
      ["/data", "/tmp"],
    );
    // Pinned: a version (or a digest) for the image, in the manifest and in the kustomization.
    assert.match(container.image, /^cell-counter:\d+\.\d+\.\d+$/);
    const [image] = kustomization.images;
    assert.ok(image?.digest || (image?.newTag && image.newTag !== "latest"), "the kustomization pins the image");
    // No secret inline: whatever names a token or a password comes from a Secret.
    const env = container.env as { name: string; value?: string; valueFrom?: { secretKeyRef?: object } }[];
    for (const variable of env.filter(({ name }) => /TOKEN|PASSWORD/.test(name))) {
      assert.ok(variable.valueFrom?.secretKeyRef && variable.value === undefined, variable.name);
    }
    assert.ok(!env.some(({ value }) => /:[^$@/]+@/.test(value ?? "")), "no password written into an address");
    const variables = Object.fromEntries(env.map(({ name, value }) => [name, value]));
    assert.equal(variables.STORAGE, "redis");
    assert.equal(variables.REDIS_MIN_REPLICAS, "1");
    assert.match(variables.REDIS_SENTINELS ?? "", /^[^,:@]+:26379(,[^,:@]+:26379){2}$/);
    assert.ok(env.some(({ name, valueFrom }) => name === "REDIS_PASSWORD" && valueFrom?.secretKeyRef));
  });

  it("a PodDisruptionBudget and a HorizontalPodAutoscaler for the Deployment; a Service, a NetworkPolicy and a ServiceMonitor on /metrics for its pods", () => {
    const selector = one("Deployment").spec.selector.matchLabels;
    assert.deepEqual(one("PodDisruptionBudget").spec.selector.matchLabels, selector);
    const autoscaler = one("HorizontalPodAutoscaler").spec;
    assert.deepEqual(autoscaler.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "cell-counter" });
    assert.ok(autoscaler.minReplicas >= 3 && autoscaler.maxReplicas > autoscaler.minReplicas);
    assert.deepEqual(one("Service").spec.selector, selector);
    assert.deepEqual(one("NetworkPolicy").spec.podSelector.matchLabels, selector);
    const monitor = one("ServiceMonitor").spec;
    assert.deepEqual(monitor.selector.matchLabels, one("Service").metadata.labels);
    assert.deepEqual(monitor.endpoints, [{ port: "http", path: "/metrics", interval: "15s" }]);
  });

  it("the PrometheusRule holds exactly the rules of infra/prometheus/alerts.yml, and the dashboard ConfigMap the dashboard; both made by `pnpm kubernetes`", () => {
    const alerts = parse(readFileSync(join(root, "infra/prometheus/alerts.yml"), "utf8"));
    assert.deepEqual(one("PrometheusRule").spec, alerts);
    const dashboard = one("ConfigMap");
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, "1");
    assert.equal(
      dashboard.data?.["cell-counter.json"],
      readFileSync(join(root, "infra/grafana/dashboards/cell-counter.json"), "utf8"),
    );
    for (const [file, make] of Object.entries(GENERATED)) {
      assert.equal(readFileSync(join(DIRECTORY, file), "utf8"), make(), `${file} is current (pnpm kubernetes)`);
    }
  });
});
