export { buildImage, buildStandIns, type Engine, pumpHealthchecks, startEngine } from "./containers.js";
export { type DynamoDbServer, startDynamoDb } from "./dynalite.js";
export { imageSpec } from "./image.js";
export { invokeAsFetch, LAMBDA_SOURCES, type LambdaSource, requestToEvent } from "./lambda.js";
export { type Load, startLoad, type Target } from "./load.js";
export { packWorkspace, tarballsFor } from "./pack.js";
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
export {
  type ClusterSetup,
  createTestNetwork,
  type RedisProcess,
  redisCli,
  type SentinelSetup,
  startRedisCluster,
  startSentinelSetup,
  type TestNetwork,
} from "./redis-ha.js";
export { type RedisServer, startRedisServer } from "./redis-server.js";
export { BUN, DENO } from "./runtimes.js";
export { bundleWorker, startWorkerd } from "./workerd.js";
