// After `changeset version`: the core's VERSION (reported by the build-info metric and --version)
// follows its package.json. A test fails while the two differ.
import { readFileSync, writeFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../packages/core/package.json", import.meta.url), "utf8"));
const file = new URL("../packages/core/src/version.ts", import.meta.url);
const text = readFileSync(file, "utf8").replace(/VERSION = "[^"]*"/, `VERSION = "${version}"`);
writeFileSync(file, text);
console.log(`packages/core/src/version.ts: ${version}`);
