export { CHECKPOINT_VARIANTS } from "./checkpoint-variants.js";
export { parseExposition, type Sample, sampleValue, seriesKeys } from "./exposition.js";
export { callInProcess, serveOverHttp } from "./harness.js";
export { type Crash, checkHistory, type HistoryFacts, type Operation, type Problem } from "./history.js";
export { type Harness, METRICS_CONTENT_TYPE, type Mount, runHttpConformance } from "./http-conformance.js";
export { type MakeStorage, runStorageContract, type StorageSeed } from "./storage-contract.js";
export { recordTranscript, TRANSCRIPT_SETUP, type TranscriptTarget, transcript } from "./transcript.js";
