import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_CHECKPOINT_BYTES, parseCheckpoint, serializeCheckpoint } from "./checkpoint-format.js";
import { isCounterError } from "./errors.js";

/** Each variant and what it reads as: a value, or `corrupt`. */
const VARIANTS: [string, string, number | "corrupt"][] = [
  ["the original service's file", '{"counter": 35}', 35],
  ["this service's file", '{"counter":7,"savedAt":"2026-01-01T00:00:00.000Z"}\n', 7],
  ["zero", '{"counter":0}', 0],
  ["extra fields", '{"version":2,"counter":12,"note":"x"}', 12],
  ["a float with no fraction", '{"counter": 35.0}', 35],
  ["an exponent", '{"counter": 3.5e1}', 35],
  ["surrounding white space", '\n  {"counter": 4}  \n', 4],
  ["a byte-order mark", '\uFEFF{"counter": 5}', 5],
  ["the largest safe integer", `{"counter": ${Number.MAX_SAFE_INTEGER}}`, Number.MAX_SAFE_INTEGER],
  ["empty", "", "corrupt"],
  ["white space only", "   \n", "corrupt"],
  ["truncated", '{"counter": 3', "corrupt"],
  ["not JSON", "counter=3", "corrupt"],
  ["a JSON array", "[35]", "corrupt"],
  ["a JSON number", "35", "corrupt"],
  ["a JSON string", '"35"', "corrupt"],
  ["JSON null", "null", "corrupt"],
  ["no counter field", '{"count": 35}', "corrupt"],
  ["a null counter", '{"counter": null}', "corrupt"],
  ["a negative counter", '{"counter": -1}', "corrupt"],
  ["a fractional counter", '{"counter": 1.5}', "corrupt"],
  ["above 2^53", '{"counter": 9007199254740993}', "corrupt"],
  ["a huge exponent", '{"counter": 1e400}', "corrupt"],
  ["a string number", '{"counter": "35"}', "corrupt"],
  ["a boolean", '{"counter": true}', "corrupt"],
  ["trailing garbage", '{"counter": 35}xyz', "corrupt"],
  ["two objects", '{"counter": 1}{"counter": 2}', "corrupt"],
  ["binary", "\u0000\u0001\u00ff\u00fe\u0002", "corrupt"],
  ["a huge file", `{"counter": 1, "pad": "${"x".repeat(MAX_CHECKPOINT_BYTES)}"}`, "corrupt"],
];

describe("checkpoint format", () => {
  for (const [name, text, expected] of VARIANTS) {
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
