import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHECKPOINT_VARIANTS } from "@cell-counter/testkit";
import { parseCheckpoint, serializeCheckpoint } from "./checkpoint-codec.js";
import { isCounterError } from "./errors.js";

describe("checkpoint format", () => {
  for (const [name, text, expected] of CHECKPOINT_VARIANTS) {
    it(`${name}: ${expected === "corrupt" ? "CHECKPOINT_CORRUPT" : `restores ${expected}`}`, () => {
      if (expected === "corrupt") {
        assert.throws(
          () => parseCheckpoint(text),
          (error) => isCounterError(error) && error.code === "CHECKPOINT_CORRUPT" && /^The saved/.test(error.message),
        );
      } else {
        assert.equal(parseCheckpoint(text), expected);
      }
    });
  }

  it("reads every digit: JSON.parse would round past 2^53", () => {
    assert.equal(parseCheckpoint('{"counter": 9007199254740993}'), 9007199254740993n);
    assert.equal(parseCheckpoint('{"counter": 9223372036854775807}'), 9223372036854775807n);
    assert.equal(parseCheckpoint('{"counter": 9.223372036854775807e18}'), 9223372036854775807n);
    assert.equal(parseCheckpoint(new TextEncoder().encode('{"counter": 12}')), 12n);
  });

  it("refuses bytes that are not UTF-8", () => {
    assert.throws(
      () => parseCheckpoint(new Uint8Array([0x7b, 0xff, 0x7d])),
      (error) => isCounterError(error) && error.code === "CHECKPOINT_CORRUPT",
    );
  });

  it("writes what it reads, with the save time", () => {
    const text = serializeCheckpoint(42n, new Date("2026-11-24T10:00:00Z"));
    assert.equal(text, '{"counter":42,"savedAt":"2026-11-24T10:00:00.000Z"}\n');
    assert.equal(parseCheckpoint(text), 42n);
  });
});
