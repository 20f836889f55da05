export { type Invocation, readCommandLine } from "./cli.js";
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
export { createLog, type Fields, LOG_FORMATS, LOG_LEVELS, type Log, type LogOptions } from "./log.js";
export { closeOnSignals, createTimedServer, listen, SERVER_TIMEOUTS, SHUTDOWN_GRACE_MS } from "./serve.js";
export { announce, prepareEntry, type StartOptions, start, stopOnSignals } from "./start.js";
