import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAuthorized } from "./auth.js";
import { findRoute, methodLabel, pathOf, ROUTES } from "./routes.js";

describe("routes", () => {
  it("are the table of the contract", () => {
    assert.deepEqual(
      ROUTES.map((route) => `${route.method} ${route.path}`),
      ["GET /", "POST /checkpoint", "POST /restore", "GET /metrics", "GET /healthz", "GET /readyz"],
    );
    assert.deepEqual(
      ROUTES.filter((route) => route.protected).map((route) => route.path),
      ["/checkpoint", "/restore"],
    );
  });

  it("find a route by exact path only", () => {
    assert.equal(findRoute("/checkpoint")?.path, "/checkpoint");
    assert.equal(findRoute("/checkpoint/"), undefined);
    assert.equal(findRoute("/CHECKPOINT"), undefined);
    assert.equal(findRoute(""), undefined);
  });

  for (const [url, path] of [
    ["/", "/"],
    ["/?a=1", "/"],
    ["/restore#x", "/restore"],
    ["/metrics?x=/y", "/metrics"],
    ["http://host:8080/readyz?full", "/readyz"],
    ["http://host", "/"],
    ["*", "*"],
  ]) {
    it(`pathOf(${JSON.stringify(url)}) is ${path}`, () => assert.equal(pathOf(url as string), path));
  }

  it("label standard methods as themselves and any other as other", () => {
    assert.equal(methodLabel("GET"), "GET");
    assert.equal(methodLabel("PATCH"), "PATCH");
    assert.equal(methodLabel("get"), "other");
    assert.equal(methodLabel("PROPFIND"), "other");
  });
});

describe("bearer token", () => {
  it("accepts exactly `Bearer <token>`", () => {
    assert.ok(isAuthorized("Bearer abc", "abc"));
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Bearer ab",
      "Bearer abcd",
      "bearer abc",
      "abc",
      "Basic abc",
    ]) {
      assert.ok(!isAuthorized(header, "abc"), String(header));
    }
    assert.ok(isAuthorized("Bearer é✓", "é✓"));
  });
});
