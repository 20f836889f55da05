#!/usr/bin/env node
import { createNodeListener } from "@cell-counter/adapter-node";
import { start } from "../start.js";

await start({ adapter: "node", toListener: createNodeListener });
