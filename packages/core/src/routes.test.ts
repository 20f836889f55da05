import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAuthorized, toByteString } from "./auth.js";
import { findRoute, methodLabel, normalizePath, pathOf, ROUTES } from "./routes.js";

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
    ["http://x?/restore", "/"],
    ["http://x#/restore", "/"],
    ["https://x:1?/checkpoint#/y", "/"],
    ["*", "*"],
  ]) {
    it(`pathOf(${JSON.stringify(url)}) is ${path}`, () => assert.equal(pathOf(url as string), path));
  }

  for (const [path, normal] of [
    ["/", "/"],
    ["/checkpoint", "/checkpoint"],
    ["/./", "/"],
    ["/%2e/", "/"],
    ["/%2E/", "/"],
    ["/x/../checkpoint", "/checkpoint"],
    ["/checkpoint/..", "/"],
    ["/a/%2e%2e/restore", "/restore"],
    ["/..", "/"],
    ["/x\\..\\checkpoint", "/checkpoint"],
    ["//x/../checkpoint", "//checkpoint"],
    ["/%63heckpoint", "/%63heckpoint"],
    ["/metrics.json", "/metrics.json"],
  ]) {
    it(`normalizePath(${JSON.stringify(path)}) is ${normal}, as new URL() makes it`, () => {
      assert.equal(normalizePath(path as string), normal);
      assert.equal(new URL(`http://h${path}`).pathname, normal);
    });
  }

  it("label standard methods as themselves and any other as other", () => {
    assert.equal(methodLabel("GET"), "GET");
    assert.equal(methodLabel("PATCH"), "PATCH");
    assert.equal(methodLabel("get"), "other");
    assert.equal(methodLabel("PROPFIND"), "other");
  });
});

describe("bearer token", () => {
  it("accepts `Bearer <token>`, the scheme in any case, and nothing else", () => {
    for (const header of ["Bearer abc", "bearer abc", "BEARER abc", "Bearer  abc"]) {
      assert.ok(isAuthorized(header, "abc"), header);
    }
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Bearer ab",
      "Bearer abcd",
      "Bearerabc",
      "Bearer abc ",
      "abc",
      "Basic abc",
    ]) {
      assert.ok(!isAuthorized(header, "abc"), String(header));
    }
  });

  it("compares the token as UTF-8 bytes: a header is a byte string, as HTTP carries it", () => {
    const utf8OnTheWire = String.fromCharCode(...new TextEncoder().encode("Bearer é✓"));
    assert.ok(isAuthorized(utf8OnTheWire, "é✓"));
    assert.ok(!isAuthorized("Bearer é✓", "é✓"), "decoded text is not what the wire carries");
    assert.equal(toByteString("Bearer é✓"), utf8OnTheWire);
    assert.equal(toByteString("Bearer abc"), "Bearer abc");
  });
});
