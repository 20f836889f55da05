import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** The final stage of the Dockerfile: its ENV, its CMD, its HEALTHCHECK command. */
export function imageSpec(): { env: Record<string, string>; cmd: string[]; healthcheck: string[] } {
  const text = readFileSync(join(root, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
  const finalStage = text.slice(text.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const [, assignments] of finalStage.matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, value] of (assignments as string).matchAll(/(\w+)=(\S+)/g)) env[key as string] = value as string;
  }
  const json = (instruction: string) => {
    const match = new RegExp(`^${instruction} .*?(\\[.*\\])$`, "m").exec(finalStage);
    if (!match) throw new Error(`no ${instruction} in the final stage`);
    return JSON.parse(match[1] as string) as string[];
  };
  return { env, cmd: json("CMD"), healthcheck: json("HEALTHCHECK") };
}
