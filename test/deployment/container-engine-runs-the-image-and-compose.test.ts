import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildImage, buildStandIns, type Engine, pumpHealthchecks, startEngine } from "@cell-counter/tooling";
import { parse, stringify } from "yaml";
import { freePort, root, run, waitFor } from "../support.js";

// The Dockerfile and the compose file run by a real engine, as an operator runs them: podman 4.3
// (Debian's), its Docker-compatible socket driven by docker-compose 1.29. No registry is reachable:
// the images the files name are stood in for (tooling/containers). Each `it` is a phase; the runner
// prints its duration. Bounded: about 3 minutes on a fresh machine, 6 at most.

const IMAGE = "cell-counter:local";
const COMPOSE_FILE = join(root, "infra/compose/docker-compose.yml");
const PROJECT = `cellcounter${process.pid}`;
const CONTAINER = `${PROJECT}-single`;
const VOLUME = `${PROJECT}-data`;
const composeFile = parse(readFileSync(COMPOSE_FILE, "utf8")) as {
  services: Record<string, { image?: string }>;
};

let engine: Engine | undefined;
let pump: { stop(): Promise<void> } | undefined;
let scratch = "";
const ports = { APP_PORT: "", PROMETHEUS_PORT: "" };
/** What the Kubernetes phase started: its network, and the files `podman kube down` takes back. */
let kube: { network: string; files: string[] } | undefined;
const KUBE_REDIS_PASSWORD = "kube-test-password";

interface KubeDeployment {
  metadata: { name: string };
  spec: {
    replicas: number;
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: [
          {
            name: string;
            image: string;
            ports: object[];
            env: { name: string; value?: string }[];
          },
        ];
      };
    };
  };
}

/** A pod with a Redis master, its replica and a sentinel, named as the Deployment expects them; the password the Secret holds. */
function redisPod(deployment: KubeDeployment): string {
  const env = Object.fromEntries(
    deployment.spec.template.spec.containers[0].env.map(({ name, value }) => [name, value]),
  );
  const server = (port: number, extra: string[]) => [
    "redis-server",
    "--port",
    String(port),
    "--requirepass",
    KUBE_REDIS_PASSWORD,
    "--masterauth",
    KUBE_REDIS_PASSWORD,
    "--save",
    "",
    "--replica-announce-ip",
    "redis",
    ...extra,
  ];
  const sentinel = [
    "port 26379",
    `requirepass ${KUBE_REDIS_PASSWORD}`,
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    `sentinel monitor ${env.REDIS_SENTINEL_MASTER} redis 6379 1`,
    `sentinel auth-pass ${env.REDIS_SENTINEL_MASTER} ${KUBE_REDIS_PASSWORD}`,
  ];
  const image = composeFile.services.redis?.image as string;
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "redis" },
    spec: {
      containers: [
        { name: "master", image, args: server(6379, []) },
        { name: "replica", image, args: server(6380, ["--replicaof", "redis", "6379"]) },
        {
          name: "sentinel",
          image,
          command: ["sh", "-c"],
          args: [
            `printf '%s\\n' ${sentinel.map((line) => `'${line}'`).join(" ")} > /tmp/sentinel.conf && exec redis-server /tmp/sentinel.conf --sentinel`,
          ],
        },
      ],
    },
  });
}

after(async () => {
  await pump?.stop();
  if (engine && kube) {
    for (const file of kube.files.reverse()) await podman(["kube", "down", file], { check: false });
    await podman(["secret", "rm", "redis"], { check: false });
    await podman(["network", "rm", "-f", kube.network], { check: false });
  }
  if (engine) {
    await compose(["--profile", "replicas", "--profile", "ha", "down", "-v", "--remove-orphans", "-t", "2"], {
      check: false,
    });
    await engine.podman(["rm", "-f", "-t", "0", CONTAINER], { check: false });
    await engine.podman(["volume", "rm", "-f", VOLUME], { check: false });
    await engine.stop();
  }
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function podman(args: string[], options?: Parameters<Engine["podman"]>[1]) {
  return (engine as Engine).podman(args, options);
}

/** docker-compose on the repository's file, this run's project name and free host ports. */
function compose(args: string[], options: Parameters<Engine["compose"]>[1] = {}, files = [COMPOSE_FILE]) {
  return (engine as Engine).compose([...files.flatMap((file) => ["-f", file]), "-p", PROJECT, "--no-ansi", ...args], {
    ...options,
    env: { ...ports, ...options.env },
    timeoutMs: options.timeoutMs ?? 150_000,
  });
}

/** What curl prints for a request: the status on the last line, the body before it. */
async function curl(method: string, url: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run("curl", ["-sS", "-X", method, "-w", "\n%{http_code}", url]);
  const at = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

async function inspect(name: string, format: string, kind = "container"): Promise<string> {
  return (await podman([kind, "inspect", "--format", format, name])).stdout.trim();
}

async function publishedPort(container: string): Promise<string> {
  return (await podman(["port", container, "8080"])).stdout.trim().split(":").pop() as string;
}

/** The image in a container on the named volume, its port published on loopback: its URL once it answers. */
async function runSingle(options: string[] = []): Promise<string> {
  await podman(["run", "-d", "--name", CONTAINER, "-p", "127.0.0.1::8080", "-v", `${VOLUME}:/data`, ...options, IMAGE]);
  const url = `http://127.0.0.1:${await publishedPort(CONTAINER)}`;
  await waitFor(
    "the app to answer",
    async () => ((await curl("GET", `${url}/healthz`)).status === 200 ? true : undefined),
    20_000,
  );
  return url;
}

/** The URLs of a compose service's three replicas, each on the host port the engine chose, once each is ready. */
async function readyReplicas(profile: string, service: string, timeoutMs: number): Promise<string[]> {
  const urls: string[] = [];
  for (const index of [1, 2, 3]) {
    const { stdout } = await compose(["--profile", profile, "port", "--index", String(index), service, "8080"]);
    urls.push(`http://127.0.0.1:${stdout.trim().split(":").pop()}`);
  }
  for (const url of urls) {
    await waitFor(
      `a replica of ${service} to be ready`,
      async () => ((await curl("GET", `${url}/readyz`)).status === 200 ? true : undefined),
      timeoutMs,
    );
  }
  return urls;
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(expr: string): Promise<Series[]> {
  const url = `http://127.0.0.1:${ports.PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const body = (await (await fetch(url)).json()) as { data: { result: Series[] } };
  return body.data.result;
}

describe("a container engine runs the image and the compose file (podman + docker-compose)", () => {
  it("starts podman and builds stand-ins, with no container registry, for every image the Dockerfile and the compose file name but Grafana", async () => {
    engine = await startEngine();
    ports.APP_PORT = String(await freePort());
    ports.PROMETHEUS_PORT = String(await freePort());
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
    const aliases = new Set(stages.map((stage) => stage[2]));
    const named = new Set([
      ...stages.map((stage) => stage[1] as string).filter((name) => !aliases.has(name)),
      ...Object.values(composeFile.services)
        .map((service) => service.image)
        .filter((image): image is string => image !== undefined && image !== IMAGE),
    ]);
    const { missing } = await buildStandIns(engine, [...named]);
    assert.deepEqual(missing, [composeFile.services.grafana?.image]);
  });

  it("builds the Dockerfile unmodified, in Docker's format so its HEALTHCHECK is kept", async () => {
    await buildImage(engine as Engine, root, IMAGE);
    const config = JSON.parse(await inspect(IMAGE, "{{json .Config}}", "image")) as {
      User: string;
      StopSignal: string;
    };
    assert.equal(config.User, "node");
    assert.equal(config.StopSignal, "SIGTERM");
    const healthcheck = JSON.parse(await inspect(IMAGE, "{{json .HealthCheck}}", "image")) as { Test: string[] } | null;
    assert.match((healthcheck?.Test ?? []).join(" "), /\/healthz/);
  });

  let single = "";
  it("one container: curl through a published port, a non-root process, /data writable on a named volume, the image's healthcheck", async () => {
    await podman(["volume", "create", VOLUME]);
    single = await runSingle();
    assert.deepEqual(await curl("GET", `${single}/`), { status: 200, body: '{"counter":1}' });
    assert.deepEqual(await curl("GET", `${single}/`), { status: 200, body: '{"counter":2}' });
    assert.deepEqual(await curl("POST", `${single}/checkpoint`), {
      status: 200,
      body: '{"counter":2,"status":"checkpoint saved"}',
    });
    // The server's own process (pid 1) runs as the image's user; the checkpoint is its file.
    assert.equal(
      (await podman(["top", CONTAINER, "user", "args"])).stdout.trim().split("\n")[1]?.split(/\s+/)[0],
      "node",
    );
    assert.equal(
      (await podman(["exec", CONTAINER, "stat", "-c", "%U %n", "/data/checkpoint.json"])).stdout.trim(),
      "node /data/checkpoint.json",
    );
    const check = await podman(["healthcheck", "run", CONTAINER], { check: false });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(await inspect(CONTAINER, "{{.State.Health.Status}}"), "healthy");
  });

  it("`podman stop` with a request in flight: the request is answered, the process exits 0 within the grace period", async () => {
    const { port } = new URL(single);
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      answer += chunk;
    });
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write('POST /checkpoint HTTP/1.1\r\nHost: app\r\nContent-Length: 9\r\n\r\n{"a":');
      const started = Date.now();
      const stopping = podman(["stop", CONTAINER]); // the engine's default: 10 s, then SIGKILL
      await waitFor(
        "the stop signal to reach the server",
        async () => ((await podman(["logs", CONTAINER])).stdout.includes("SIGTERM received") ? true : undefined),
        8_000,
      );
      socket.write('"b"}');
      await stopping;
      const seconds = (Date.now() - started) / 1000;
      // Written before the process ended: the container is gone now.
      assert.match(
        answer,
        /^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close[\s\S]*\{"counter":2,"status":"checkpoint saved"\}$/i,
      );
      assert.equal(await inspect(CONTAINER, "{{.State.ExitCode}}"), "0");
      assert.ok(seconds < 10, `stopped after ${seconds} s`);
    } finally {
      // The container's end of the connection vanished with its network: nothing will close ours.
      socket.destroy();
    }
  });

  it("a new container on the same named volume with RESTORE_ON_START=true goes on from the checkpoint", async () => {
    await podman(["rm", CONTAINER]);
    single = await runSingle(["-e", "RESTORE_ON_START=true"]);
    assert.deepEqual(await curl("GET", `${single}/`), { status: 200, body: '{"counter":3}' });
    await podman(["rm", "-f", "-t", "2", CONTAINER]);
    await podman(["volume", "rm", VOLUME]);
  });

  it("compose: the app healthy first, then Prometheus; its target is up and its cell_counter is the app's", async () => {
    pump = pumpHealthchecks(engine as Engine, `label=com.docker.compose.project=${PROJECT}`);
    await compose(["up", "-d", "app", "prometheus"]);
    const app = `${PROJECT}_app_1`;
    const prometheus = `${PROJECT}_prometheus_1`;
    const healthy = JSON.parse(await inspect(app, "{{json .State.Health.Log}}")) as { ExitCode: number; End: string }[];
    const firstPass = healthy.find((entry) => entry.ExitCode === 0);
    assert.ok(firstPass, "the app passed a healthcheck");
    assert.ok(new Date(await inspect(prometheus, "{{.State.StartedAt}}")) > new Date(firstPass.End));

    const base = `http://127.0.0.1:${ports.APP_PORT}`;
    for (let i = 0; i < 5; i++) assert.equal((await curl("GET", `${base}/`)).status, 200);
    const { body } = await curl("POST", `${base}/checkpoint`);
    const counter = (JSON.parse(body) as { counter: number }).counter;
    await waitFor(
      "Prometheus's cell_counter to equal the app's",
      async () => {
        const [up] = await query('up{job="cell-counter"}');
        const [value] = await query("cell_counter");
        return up?.value[1] === "1" && value?.value[1] === String(counter) ? true : undefined;
      },
      60_000,
    );
    await waitFor(
      "Prometheus to be healthy",
      async () => ((await inspect(prometheus, "{{.State.Health.Status}}")) === "healthy" ? true : undefined),
      30_000,
    );
    await compose(["down", "-v", "-t", "5"]);
  });

  it("compose: an app that never gets ready keeps Prometheus from starting", async () => {
    scratch = await mkdtemp(join(tmpdir(), "cell-counter-compose-"));
    // The operator's way to change a service: an override file. Redis that no one serves: /readyz is 503.
    const override = join(scratch, "never-ready.yml");
    await writeFile(
      override,
      "services:\n  app:\n    environment:\n      STORAGE: redis\n      REDIS_URL: redis://127.0.0.1:9\n",
    );
    const result = await compose(["up", "-d", "app", "prometheus"], { check: false }, [COMPOSE_FILE, override]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unhealthy/);
    assert.equal(await inspect(`${PROJECT}_app_1`, "{{.State.Health.Status}}"), "unhealthy");
    const started = await podman(["ps", "-a", "--filter", `name=${PROJECT}_prometheus`, "--format", "{{.State}}"]);
    assert.doesNotMatch(started.stdout, /running/);
    await compose(["down", "-v", "-t", "5"], {}, [COMPOSE_FILE, override]);
  });

  it("compose --profile replicas: three replicas share one Redis exactly; Prometheus finds all three", async () => {
    await compose(["--profile", "replicas", "up", "-d", "app", "redis", "app-replicas", "prometheus"]);
    const replicas = await readyReplicas("replicas", "app-replicas", 30_000);
    // 3 × 100 increments at once, 20 at a time per replica: each value handed out once.
    const values: number[] = [];
    await Promise.all(
      replicas.flatMap((replica) =>
        Array.from({ length: 20 }, async () => {
          for (let i = 0; i < 5; i++) {
            const response = await fetch(`${replica}/`);
            assert.equal(response.status, 200);
            values.push(((await response.json()) as { counter: number }).counter);
          }
        }),
      ),
    );
    assert.deepEqual(
      values.sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    await waitFor(
      "Prometheus to scrape three replicas",
      async () => {
        const found = await query('up{job="cell-counter-replicas"} == 1');
        const counters = await query('cell_counter{job="cell-counter-replicas"}');
        return found.length === 3 && counters.every((series) => series.value[1] === "300") && counters.length === 3
          ? true
          : undefined;
      },
      60_000,
    );
  });

  it("compose --profile ha: the Redis master killed, the sentinels promote a replica, the app replicas answer again; no value twice", async () => {
    const profile = ["--profile", "ha"];
    await compose([
      ...profile,
      "up",
      "-d",
      "redis-master",
      "redis-replica-1",
      "redis-replica-2",
      "redis-sentinel",
      "app-ha",
    ]);
    const apps = await readyReplicas("ha", "app-ha", 60_000);
    // Both replicas copying the master: a write can be confirmed from the first increment on.
    await waitFor(
      "the master to have its two replicas online",
      async () => {
        const { stdout } = await podman(["exec", `${PROJECT}_redis-master_1`, "redis-cli", "INFO", "replication"]);
        return (stdout.match(/state=online/g) ?? []).length === 2 ? true : undefined;
      },
      60_000,
    );
    const values: number[] = [];
    const outcomes = new Map<string, number>();
    /** Increments over the three replicas until `goal` more have been answered 200; every other answer counted by its code. */
    const increment = async (goal: number) => {
      let answered = 0;
      const deadline = Date.now() + 60_000;
      await Promise.all(
        apps.flatMap((app) =>
          Array.from({ length: 5 }, async () => {
            while (answered < goal && Date.now() < deadline) {
              const response = await fetch(`${app}/`);
              const body = (await response.json()) as { counter?: number; code?: string };
              if (response.status === 200) {
                answered++;
                values.push(body.counter as number);
              } else {
                const outcome = `${response.status} ${body.code}`;
                outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
              }
            }
          }),
        ),
      );
      assert.ok(
        answered >= goal,
        `${answered} of ${goal} increments answered 200 within 60 s; meanwhile ${JSON.stringify([...outcomes])}`,
      );
    };
    await increment(150);
    const sentinel = `${PROJECT}_redis-sentinel_1`;
    const master = async () =>
      (
        await podman(["exec", sentinel, "redis-cli", "-p", "26379", "SENTINEL", "get-master-addr-by-name", "cell"])
      ).stdout
        .trim()
        .split("\n")[0] ?? "";
    assert.equal(await master(), "redis-master");
    const killed = Date.now();
    // Killed at once and left down: `podman kill` lets the restart policy bring it back within the
    // sentinels' two seconds of detection, which makes the test about the engine, not the failover.
    await podman(["stop", "--time", "0", `${PROJECT}_redis-master_1`]);
    await increment(150);
    console.log(
      `compose ha: the master killed; 150 answers 200 again after ${((Date.now() - killed) / 1000).toFixed(1)} s, meanwhile ${[...outcomes].map(([outcome, count]) => `${count} × ${outcome}`).join(", ") || "no other answer"}`,
    );
    assert.match(await master(), /^redis-replica-[12]$/);
    assert.equal(new Set(values).size, values.length, "no value answered twice");
    for (const outcome of outcomes.keys()) assert.match(outcome, /^(503 STORAGE_UNAVAILABLE|504 STORAGE_TIMEOUT)$/);
  });

  it("Kubernetes: the Deployment's pod run by podman kube play beside a Redis pod (master, replica, sentinel): healthy, the API answers through the published port, kube down stops it with exit 0 within its grace period", async () => {
    // What podman 4.3 runs of the manifests: one replica; the Redis pod stands in for Bitnami's chart
    // (its pod names become one pod's), the Secret "redis" for the chart's. The rest is validated
    // against the API's schemas (kubernetes-manifests-pass-an-operators-review.test.ts).
    const deployment = parse(readFileSync(join(root, "infra/kubernetes/deployment.yaml"), "utf8")) as KubeDeployment;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const version = (container.image.split(":")[1] as string) ?? "";
    const port = await freePort();
    deployment.spec.replicas = 1;
    container.ports = [{ name: "http", containerPort: 8080, hostPort: port, hostIP: "127.0.0.1" }];
    for (const variable of container.env) if (variable.name === "REDIS_SENTINELS") variable.value = "redis:26379";
    kube = { network: `${PROJECT}-kube`, files: [] };
    const files = { redis: join(scratch, "redis-pod.yaml"), app: join(scratch, "deployment.yaml") };
    await writeFile(files.redis, redisPod(deployment));
    await writeFile(files.app, stringify(deployment));
    await writeFile(
      join(scratch, "redis-secret.json"),
      JSON.stringify({ "redis-password": Buffer.from(KUBE_REDIS_PASSWORD).toString("base64") }),
    );
    await podman(["network", "create", kube.network]);
    await podman(["secret", "create", "redis", join(scratch, "redis-secret.json")]);
    await podman(["tag", IMAGE, `localhost/cell-counter:${version}`]);
    await podman(["kube", "play", "--network", kube.network, files.redis]);
    kube.files.push(files.redis);
    await waitFor(
      "the sentinel to know the master and its replica",
      async () => {
        const { stdout } = await podman(
          [
            "exec",
            "redis-sentinel",
            "redis-cli",
            "-p",
            "26379",
            "--no-auth-warning",
            "-a",
            KUBE_REDIS_PASSWORD,
            "SENTINEL",
            "replicas",
            "mymaster",
          ],
          { check: false },
        );
        return stdout.includes("redis:6380") ? true : undefined;
      },
      30_000,
    );
    await podman(["kube", "play", "--network", kube.network, files.app]);
    kube.files.push(files.app);
    const app = `${deployment.metadata.name}-pod-0-${container.name}`;
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      "the pod to be ready",
      async () => ((await curl("GET", `${url}/readyz`)).status === 200 ? true : undefined),
      60_000,
    );
    const check = await podman(["healthcheck", "run", app], { check: false });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(await inspect(app, "{{.State.Health.Status}}"), "healthy");
    assert.deepEqual(await curl("GET", `${url}/`), { status: 200, body: '{"counter":1}' });
    assert.deepEqual(await curl("GET", `${url}/`), { status: 200, body: '{"counter":2}' });
    assert.deepEqual(await curl("POST", `${url}/checkpoint`), {
      status: 200,
      body: '{"counter":2,"status":"checkpoint saved"}',
    });
    // The security context as the engine applied it: the image's user, nothing writable but the volumes.
    assert.equal((await podman(["exec", app, "id", "-u"])).stdout.trim(), "1000");
    assert.notEqual((await podman(["exec", app, "touch", "/app/x"], { check: false })).code, 0, "a read-only root");
    assert.equal(
      (await podman(["exec", app, "touch", "/tmp/x", "/data/x"], { check: false })).code,
      0,
      "writable volumes",
    );
    const started = Date.now();
    const down = await podman(["kube", "down", files.app], { check: false });
    const seconds = (Date.now() - started) / 1000;
    kube.files.pop();
    console.log(`podman kube down: exit ${down.code} after ${seconds.toFixed(1)} s`);
    assert.equal(down.code, 0, down.stderr);
    // Podman sends SIGTERM and kills after 10 s: stopped sooner, the service ended on the signal.
    assert.ok(seconds < Math.min(10, pod.terminationGracePeriodSeconds), `stopped after ${seconds} s`);
  });

  it("compose down -v leaves nothing of the project: no container, volume or network", async () => {
    await compose(["--profile", "replicas", "--profile", "ha", "down", "-v", "--remove-orphans", "-t", "5"]);
    await pump?.stop();
    pump = undefined;
    const label = `label=com.docker.compose.project=${PROJECT}`;
    assert.equal((await podman(["ps", "-a", "-q", "--filter", label])).stdout.trim(), "");
    assert.equal((await podman(["volume", "ls", "-q", "--filter", label])).stdout.trim(), "");
    assert.equal((await podman(["network", "ls", "-q", "--filter", label])).stdout.trim(), "");
    assert.doesNotMatch((await podman(["volume", "ls", "-q"])).stdout, new RegExp(PROJECT));
  });
});
