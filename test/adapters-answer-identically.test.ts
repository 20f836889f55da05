import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createH3App } from "@cell-counter/adapter-h3";
import { createNodeListener } from "@cell-counter/adapter-node";
import { callInProcess, serveOverHttp, transcript } from "@cell-counter/conformance";
import { toNodeHandler } from "h3";

describe("adapters answer identically", () => {
  it("node, h3 and the core's fetch handler give the same status, headers and body to the same requests", async () => {
    const node = await transcript((service) => serveOverHttp(createNodeListener(service)));
    const h3 = await transcript((service) => serveOverHttp(toNodeHandler(createH3App(service))));
    const h3InProcess = await transcript(async (service) => callInProcess(createH3App(service).fetch));
    const fetchHandler = await transcript(async (service) => callInProcess(service.fetch));
    assert.ok(node.length >= 25);
    assert.deepEqual(h3, node);
    assert.deepEqual(h3InProcess, node);
    assert.deepEqual(fetchHandler, node);
  });
});
