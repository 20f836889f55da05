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
export { createTimedServer, listen, nodeHost } from "./serve.js";
export { endAfterAnswer, LINGER } from "./serving/lingering-close.js";
export { SHUTDOWN_GRACE_MS, type StoppableHost, shutdownOnSignals } from "./serving/shutdown.js";
export { SERVER_TIMEOUTS, type ServerTimeouts } from "./serving/timeouts.js";
export { SETTINGS, type Setting } from "./settings.js";
export { announce, prepareEntry, type StartOptions, start } from "./start.js";
