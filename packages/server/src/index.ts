export { createServiceFromConfig, createStorage, prepare, where } from "./compose.js";
export {
  type Config,
  ConfigError,
  DEFAULTS,
  LAMBDA_DEFAULTS,
  readConfig,
  redactUrl,
  STORAGE_KINDS,
  type StorageKind,
  type Target,
} from "./config.js";
export { createConsoleLog, type Fields, type Log } from "./log.js";
export { closeOnSignals, createTimedServer, listen, SERVER_TIMEOUTS, SHUTDOWN_GRACE_MS } from "./serve.js";
export { type StartOptions, start } from "./start.js";
