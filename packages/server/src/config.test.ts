import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, readConfig } from "./config.js";

describe("configuration", () => {
  it("has the documented defaults", () => {
    assert.deepEqual(readConfig({}), {
      port: 8080,
      host: "0.0.0.0",
      environment: "dev",
      checkpointPath: "./data/checkpoint.json",
      storage: "file",
      restoreOnStart: false,
      apiToken: undefined,
      redis: undefined,
      dynamodb: undefined,
      log: { level: "info", format: undefined },
      powertools: undefined,
    });
  });

  it("reads every variable", () => {
    assert.deepEqual(
      readConfig({
        PORT: "9000",
        HOST: "127.0.0.1",
        ENVIRONMENT: "prod",
        CHECKPOINT_PATH: "/data/checkpoint.json",
        STORAGE: "memory",
        RESTORE_ON_START: "true",
        API_TOKEN: "t0ken",
      }),
      {
        port: 9000,
        host: "127.0.0.1",
        environment: "prod",
        checkpointPath: "/data/checkpoint.json",
        storage: "memory",
        restoreOnStart: true,
        apiToken: "t0ken",
        redis: undefined,
        dynamodb: undefined,
        log: { level: "info", format: undefined },
        powertools: undefined,
      },
    );
  });

  it("reads the Redis variables with STORAGE=redis", () => {
    assert.deepEqual(readConfig({ STORAGE: "redis", REDIS_URL: "redis://:pw@cache:6379/2" }).redis, {
      topology: { url: "redis://:pw@cache:6379/2" },
      keyPrefix: undefined,
      timeoutMs: undefined,
      minReplicas: undefined,
    });
    assert.deepEqual(
      readConfig({
        STORAGE: "redis",
        REDIS_URL: "rediss://cache",
        REDIS_KEY_PREFIX: "prod:",
        REDIS_TIMEOUT_MS: "250",
        REDIS_MIN_REPLICAS: "1",
      }).redis,
      { topology: { url: "rediss://cache" }, keyPrefix: "prod:", timeoutMs: 250, minReplicas: 1 },
    );
  });

  it("reads sentinels and cluster nodes, with credentials and TLS as in a URL", () => {
    assert.deepEqual(
      readConfig({ STORAGE: "redis", REDIS_SENTINELS: "s1:26379,10.0.0.2:26380", REDIS_SENTINEL_MASTER: "cell" }).redis
        ?.topology,
      {
        sentinels: [
          { host: "s1", port: 26379 },
          { host: "10.0.0.2", port: 26380 },
        ],
        master: "cell",
      },
    );
    assert.deepEqual(
      readConfig({ STORAGE: "redis", REDIS_CLUSTER_NODES: "rediss://app:p%40ss@[::1]:7000,node-2:7001" }).redis
        ?.topology,
      {
        clusterNodes: [
          { host: "::1", port: 7000 },
          { host: "node-2", port: 7001 },
        ],
        username: "app",
        password: "p@ss",
        tls: true,
      },
    );
  });

  it("takes REDIS_PASSWORD for an address that carries no password", () => {
    const password = { STORAGE: "redis", REDIS_PASSWORD: "from-a-secret" };
    assert.deepEqual(readConfig({ ...password, REDIS_URL: "redis://cache" }).redis?.topology, {
      url: "redis://cache",
      password: "from-a-secret",
    });
    assert.deepEqual(
      readConfig({ ...password, REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_MASTER: "m" }).redis?.topology,
      { sentinels: [{ host: "s1", port: 26379 }], master: "m", password: "from-a-secret" },
    );
    assert.deepEqual(readConfig({ ...password, REDIS_CLUSTER_NODES: "redis://:in-the-list@n1:7000" }).redis?.topology, {
      clusterNodes: [{ host: "n1", port: 7000 }],
      password: "in-the-list",
    });
  });

  for (const [env, message] of [
    [
      { REDIS_SENTINELS: "s1:26379" },
      /^ConfigError: REDIS_SENTINEL_MASTER="" is not valid: REDIS_SENTINEL_MASTER accepts the name/,
    ],
    [
      { REDIS_SENTINELS: "s1", REDIS_SENTINEL_MASTER: "m" },
      /REDIS_SENTINELS="s1" is not valid: REDIS_SENTINELS accepts host:port,host:port/,
    ],
    [
      { REDIS_CLUSTER_NODES: "redis://:secret@n1:7000,n2:99999" },
      /REDIS_CLUSTER_NODES="redis:\/\/:\*\*\*@n1:7000,n2:99999" is not valid/,
    ],
    [
      { REDIS_URL: "redis://cache", REDIS_CLUSTER_NODES: "n1:7000" },
      /REDIS_URL and REDIS_CLUSTER_NODES are both set: STORAGE=redis takes exactly one of them/,
    ],
    [
      { REDIS_URL: "redis://cache", REDIS_MIN_REPLICAS: "one" },
      /REDIS_MIN_REPLICAS="one" is not valid: REDIS_MIN_REPLICAS accepts a number of replicas from 0 to 99/,
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} with one line, never showing a password`, () => {
      assert.throws(() => readConfig({ STORAGE: "redis", ...env }), message);
    });
  }

  it("treats an empty variable as unset", () => {
    assert.equal(readConfig({ PORT: "", API_TOKEN: "" }).port, 8080);
    assert.equal(readConfig({ API_TOKEN: "" }).apiToken, undefined);
  });

  for (const [value, expected] of [
    ["1", true],
    ["yes", true],
    ["TRUE", true],
    ["0", false],
    ["no", false],
    ["False", false],
  ] as const) {
    it(`reads RESTORE_ON_START=${value} as ${expected}`, () => {
      assert.equal(readConfig({ RESTORE_ON_START: value }).restoreOnStart, expected);
    });
  }

  it("needs REDIS_URL with STORAGE=redis, and a sane REDIS_TIMEOUT_MS", () => {
    assert.throws(
      () => readConfig({ STORAGE: "redis" }),
      /^ConfigError: REDIS_URL="" is not valid: REDIS_URL accepts a redis:\/\//,
    );
    assert.throws(() => readConfig({ STORAGE: "redis", REDIS_URL: "http://cache" }), /REDIS_URL accepts/);
    assert.throws(
      () => readConfig({ STORAGE: "redis", REDIS_URL: "redis://cache", REDIS_TIMEOUT_MS: "soon" }),
      /REDIS_TIMEOUT_MS accepts a number of milliseconds/,
    );
    for (const timeout of ["abc", "0", "-5", "9"]) {
      assert.throws(
        () => readConfig({ STORAGE: "redis", REDIS_URL: "redis://cache", REDIS_TIMEOUT_MS: timeout }),
        /REDIS_TIMEOUT_MS accepts/,
      );
    }
  });

  it("needs DYNAMODB_TABLE with STORAGE=dynamodb; the AWS SDK reads its own variables", () => {
    assert.deepEqual(readConfig({ STORAGE: "dynamodb", DYNAMODB_TABLE: "cells" }).dynamodb, { table: "cells" });
    assert.throws(
      () => readConfig({ STORAGE: "dynamodb" }),
      /^ConfigError: DYNAMODB_TABLE="" is not valid: DYNAMODB_TABLE accepts a table name/,
    );
    assert.equal(readConfig({ STORAGE: "dynamodb", DYNAMODB_TABLE: "cells" }, "lambda").storage, "dynamodb");
  });

  it("never repeats a password of REDIS_URL in its message", () => {
    assert.throws(
      () => readConfig({ STORAGE: "redis", REDIS_URL: "redis://:s3cret@cache bad" }),
      (error) => error instanceof ConfigError && !error.message.includes("s3cret"),
    );
  });

  it("in the Lambda function: Redis by default, no local storage, and the metrics' namespace and service", () => {
    const config = readConfig({ REDIS_URL: "redis://cache" }, "lambda");
    assert.equal(config.storage, "redis");
    assert.deepEqual(config.powertools, { namespace: "cell-counter", serviceName: "cell-counter" });
    for (const storage of ["file", "memory"]) {
      assert.throws(
        () => readConfig({ STORAGE: storage, REDIS_URL: "redis://cache" }, "lambda"),
        /STORAGE accepts "redis" or "dynamodb" in the Lambda function/,
      );
    }
    assert.throws(
      () => readConfig({ REDIS_URL: "redis://cache", ENVIRONMENT: "a\nb" }, "lambda"),
      /ENVIRONMENT accepts one line/,
    );
  });

  for (const [name, value, accepted] of [
    ["PORT", "abc", /PORT accepts an integer from 0 to 65535/],
    ["PORT", "65536", /PORT accepts/],
    ["PORT", "-1", /PORT accepts/],
    ["PORT", "80.5", /PORT accepts/],
    ["STORAGE", "tape", /STORAGE accepts "file" or "memory" or "redis" or "dynamodb"/],
    ["RESTORE_ON_START", "maybe", /RESTORE_ON_START accepts "true" or "false"/],
    ["HOST", "local host", /HOST accepts/],
    ["ENVIRONMENT", "a\nb", /ENVIRONMENT accepts one line/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL accepts trace, debug, info, warn, error, fatal, silent/],
    ["LOG_FORMAT", "xml", /LOG_FORMAT accepts "json" or "pretty"/],
  ] as const) {
    it(`refuses ${name}=${JSON.stringify(value)} with one line naming the variable`, () => {
      assert.throws(
        () => readConfig({ [name]: value }),
        (error) =>
          error instanceof ConfigError &&
          error.message.startsWith(`${name}=${JSON.stringify(value)} is not valid`) &&
          accepted.test(error.message) &&
          !error.message.includes("\n"),
      );
    });
  }
});
