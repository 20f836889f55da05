#!/usr/bin/env node
import { start } from "@cell-counter/node-server";
import { createNodeListener } from "../index.js";

await start({ adapter: "node", toListener: createNodeListener });
