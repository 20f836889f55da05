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
      },
    );
  });

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

  for (const [name, value, accepted] of [
    ["PORT", "abc", /PORT accepts an integer from 0 to 65535/],
    ["PORT", "65536", /PORT accepts/],
    ["PORT", "-1", /PORT accepts/],
    ["PORT", "80.5", /PORT accepts/],
    ["STORAGE", "tape", /STORAGE accepts "file" or "memory"/],
    ["RESTORE_ON_START", "maybe", /RESTORE_ON_START accepts "true" or "false"/],
    ["HOST", "local host", /HOST accepts/],
    ["ENVIRONMENT", "a\nb", /ENVIRONMENT accepts one line/],
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
