#!/usr/bin/env node
import { createH3App } from "@cell-counter/adapter-h3";
import { toNodeHandler } from "h3";
import { start } from "../start.js";

await start({
  command: "cell-counter-h3",
  adapter: "h3",
  toListener: (service) => toNodeHandler(createH3App(service)),
});
