import { runStorageContract } from "@cell-counter/conformance";
import { createMemoryStorage } from "./memory-storage.js";

runStorageContract("memory", () => createMemoryStorage());
