#!/usr/bin/env node
import { createNodeListener } from "@cell-counter/adapter-node";
import { start } from "../start.js";

await start({ command: "cell-counter", adapter: "node", toListener: createNodeListener });
