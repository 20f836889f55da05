export { CHECKPOINT_VARIANTS } from "./checkpoint-variants.js";
export { parseExposition, type Sample, sampleValue, seriesKeys } from "./exposition.js";
export { callInProcess, serveOverHttp } from "./harness.js";
export { type Harness, METRICS_CONTENT_TYPE, type Mount, runHttpConformance } from "./http-conformance.js";
export { invokeAsFetch, requestToEvent } from "./lambda.js";
export {
  type Answer,
  type Command,
  type CommandOptions,
  call,
  type Exit,
  freePort,
  killCommands,
  type Running,
  runCommand,
  startCommand,
} from "./process.js";
export { type RedisServer, startRedisServer } from "./redis-server.js";
export { runStartEntryConformance } from "./start-entry.js";
export { type MakeStorage, runStorageContract } from "./storage-contract.js";
export { transcript } from "./transcript.js";
