import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/**
 * Packs every package of `packages/` into `destination` with pnpm (which writes `workspace:`
 * ranges as versions and applies `publishConfig`), as a release would; returns each tarball by
 * package folder name.
 */
export function packWorkspace(destination: string): Map<string, string> {
  // Under `pnpm test`, pnpm is the running package manager; elsewhere, the one on PATH.
  const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["pnpm"];
  const tarballs = new Map<string, string>();
  for (const name of readdirSync(join(root, "packages"))) {
    const output = execFileSync(pnpm[0] as string, [...pnpm.slice(1), "pack", "--pack-destination", destination], {
      cwd: join(root, "packages", name),
      encoding: "utf8",
    });
    tarballs.set(name, output.trim().split("\n").at(-1) as string);
  }
  return tarballs;
}

/** The tarball of each `@cell-counter/*` package a manifest depends on. */
export function tarballsFor(dependencies: Record<string, string>, tarballs: Map<string, string>): string[] {
  return Object.keys(dependencies)
    .filter((name) => name.startsWith("@cell-counter/"))
    .map((name) => tarballs.get(name.slice("@cell-counter/".length)) as string);
}
