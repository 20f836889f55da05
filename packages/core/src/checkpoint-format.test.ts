import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHECKPOINT_VARIANTS } from "@cell-counter/conformance";
import { parseCheckpoint, serializeCheckpoint } from "./checkpoint-format.js";
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

  it("writes what it reads, with the save time", () => {
    const text = serializeCheckpoint(42, new Date("2026-11-24T10:00:00Z"));
    assert.equal(text, '{"counter":42,"savedAt":"2026-11-24T10:00:00.000Z"}\n');
    assert.equal(parseCheckpoint(text), 42);
  });
});
