import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createH3App } from "@cell-counter/adapter-h3";
import { createLambdaHandler } from "@cell-counter/adapter-lambda";
import { createNodeListener } from "@cell-counter/adapter-node";
import { callInProcess, serveOverHttp, transcript } from "@cell-counter/testkit";
import { invokeAsFetch, LAMBDA_SOURCES } from "@cell-counter/tooling";
import { toNodeHandler } from "h3";

describe("adapters answer identically", () => {
  it("node, h3, Lambda behind each of its HTTP sources and the core's fetch handler give the same status, headers and body to the same requests", async () => {
    const node = await transcript((service) => serveOverHttp(createNodeListener(service)));
    const h3 = await transcript((service) => serveOverHttp(toNodeHandler(createH3App(service))));
    const h3InProcess = await transcript(async (service) => callInProcess(createH3App(service).fetch));
    const fetchHandler = await transcript(async (service) => callInProcess(service.fetch));
    assert.ok(node.length >= 25);
    assert.deepEqual(h3, node);
    assert.deepEqual(h3InProcess, node);
    assert.deepEqual(fetchHandler, node);
    for (const source of LAMBDA_SOURCES) {
      const lambda = await transcript(async (service) =>
        invokeAsFetch(createLambdaHandler(service, { allowLocalStorage: true }), source),
      );
      assert.deepEqual(lambda, node, `Lambda behind ${source}`);
    }
  });
});
