import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createService } from "@cell-counter/core";
import { createMemoryStorage } from "@cell-counter/core/memory-storage";
import { runHttpConformance, serveOverHttp } from "@cell-counter/testkit";
import { H3, toNodeHandler } from "h3";
import { createH3App } from "./index.js";

runHttpConformance("h3", (service) => serveOverHttp(toNodeHandler(createH3App(service))));

describe("h3 app mounted into another h3 app", () => {
  it("serves the API below the mount path, and leaves the host app's routes alone", async () => {
    const service = createService({ storage: createMemoryStorage() });
    const app = new H3().get("/hello", () => "another route").mount("/counter", createH3App(service));
    const text = async (path: string, init?: RequestInit) => {
      const response = await app.request(path, init);
      return `${response.status} ${await response.text()}`;
    };
    assert.equal(await text("/counter"), '200 {"counter":1}');
    assert.equal(await text("/counter/?q=1"), '200 {"counter":2}');
    assert.equal(
      await text("/counter/checkpoint", { method: "POST" }),
      '200 {"counter":2,"status":"checkpoint saved"}',
    );
    assert.equal(await text("/counter/restore", { method: "POST" }), '200 {"counter":2,"status":"restored"}');
    assert.match(await text("/counter/nope"), /^404 .*"code":"NOT_FOUND"/);
    assert.match(await text("/counter/checkpoint"), /^405 .*"code":"METHOD_NOT_ALLOWED"/);
    assert.equal(await text("/hello"), "200 another route");
    assert.equal((await app.request("/counterpart")).status, 404, "only below the mount path");
  });
});
