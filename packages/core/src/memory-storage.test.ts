import { runStorageContract } from "@cell-counter/testkit";
import { createMemoryStorage } from "./memory-storage.js";

runStorageContract("memory", (seed) => createMemoryStorage({ checkpoint: seed?.checkpoint }));
