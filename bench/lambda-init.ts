// The Lambda function's cold init: a fresh process imports dist/lambda/index.mjs (as the Lambda
// runtime does at the first invocation of an execution environment) and answers one event.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** One cold start: the import of the bundle, then the first answer. */
export interface LambdaInitSample {
  importMs: number;
  firstAnswerMs: number;
}

const EVENT = {
  version: "2.0",
  rawPath: "/",
  rawQueryString: "",
  headers: {},
  requestContext: { http: { method: "GET", path: "/" }, stage: "$default" },
  isBase64Encoded: false,
};

/** `runs` cold starts, each in a fresh process. */
export function benchLambdaInit(root: string, env: Record<string, string>, runs: number): LambdaInitSample[] {
  const bundle = join(root, "dist/lambda/index.mjs");
  const script = `
    const started = performance.now();
    const { handler } = await import(${JSON.stringify(bundle)});
    const imported = performance.now();
    await handler(${JSON.stringify(EVENT)});
    process.stderr.write(JSON.stringify({ importMs: imported - started, firstAnswerMs: performance.now() - imported }));
    process.exit(0);`;
  return Array.from({ length: runs }, () => {
    const { stderr: output, status } = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    });
    if (status !== 0) throw new Error(`the Lambda bundle did not answer: ${output}`);
    return JSON.parse(output.slice(output.lastIndexOf("{"))) as LambdaInitSample;
  });
}
