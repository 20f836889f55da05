#!/usr/bin/env node
import { start } from "@cell-counter/node-server";
import { toNodeHandler } from "h3";
import { createH3App } from "../index.js";

await start({ adapter: "h3", toListener: (service) => toNodeHandler(createH3App(service)) });
