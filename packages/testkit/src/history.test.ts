import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHistory, type Operation } from "./history.js";

/** An operation on process `a` from `start` to `end`; a 2xx unless `status` says otherwise. */
function op(kind: Operation["kind"], start: number, end: number, rest: Partial<Operation> = {}): Operation {
  return { kind, process: "a", start, end, status: 200, ...rest };
}
const inc = (start: number, end: number, value: number, rest: Partial<Operation> = {}) =>
  op("increment", start, end, { value: BigInt(value), ...rest });

const rules = (history: Operation[], final: number, crashes = []) =>
  checkHistory(history, { final: BigInt(final), crashes }).map((problem) => problem.rule);

describe("the history checker", () => {
  it("passes a clean history: overlapping increments in any order, failures with their codes, a checkpoint and a restore", () => {
    const history = [
      inc(0, 10, 2),
      inc(1, 9, 1, { process: "b" }),
      inc(11, 12, 3),
      op("increment", 12, 20, { status: 504, code: "STORAGE_TIMEOUT" }),
      op("increment", 13, 14, { status: 503, code: "STORAGE_UNAVAILABLE" }),
      op("checkpoint", 21, 22, { value: 4n }),
      inc(23, 24, 5),
      op("restore", 25, 26, { value: 4n }),
      inc(27, 28, 5, { process: "b" }),
    ];
    assert.deepEqual(rules(history, 5), []);
  });

  it("catches a value answered twice", () => {
    assert.deepEqual(rules([inc(0, 1, 1), inc(2, 3, 2), inc(4, 5, 2, { process: "b" })], 2), ["duplicate", "order"]);
    assert.deepEqual(rules([inc(0, 10, 1), inc(1, 9, 1, { process: "b" })], 1), ["duplicate"]);
  });

  it("catches an acknowledged increment lost: a value above the final counter", () => {
    assert.deepEqual(rules([inc(0, 1, 1), inc(2, 3, 2), inc(4, 5, 3)], 2), ["lost"]);
  });

  it("catches increments applied that were refused, or applied twice: a final counter above what was sent", () => {
    const refused = op("increment", 2, 3, { status: 503, code: "STORAGE_UNAVAILABLE" });
    assert.deepEqual(rules([inc(0, 1, 1), refused], 2), ["extra"]);
    const unknown = op("increment", 2, 3, { status: 504, code: "STORAGE_TIMEOUT" });
    assert.deepEqual(rules([inc(0, 1, 1), unknown], 2), []);
  });

  it("catches a real-time inversion: an increment that ended before another began has the larger value", () => {
    assert.deepEqual(rules([inc(0, 1, 2), inc(2, 3, 1)], 2), ["order"]);
  });

  it("catches a failure no storage fault explains: a 500, a 503 without its code, a dropped connection outside a crash", () => {
    const history = [
      op("increment", 0, 1, { status: 500, code: "INTERNAL" }),
      op("increment", 2, 3, { status: 503, code: "STORAGE_TIMEOUT" }),
      op("increment", 4, 5, { status: 0, code: "ECONNRESET" }),
    ];
    assert.deepEqual(rules(history, 0), ["failure", "failure", "failure"]);
  });

  it("accepts dropped connections while their process was down, and only then", () => {
    const history = [
      op("increment", 4, 5, { status: 0, code: "ECONNRESET" }),
      op("increment", 6, 7, { status: 0, code: "ECONNREFUSED" }),
      op("increment", 20, 21, { status: 0, code: "ECONNRESET", process: "b" }),
    ];
    const crashes = [{ process: "a", from: 5, to: 10 }];
    assert.deepEqual(
      checkHistory(history, { final: 0n, crashes }).map((problem) => problem.message),
      ["increment on b [20, 21] 0 ECONNRESET is not an answer a storage fault allows"],
    );
  });

  it("catches a checkpoint that missed an acknowledged increment, or saved one not yet begun", () => {
    assert.deepEqual(rules([inc(0, 1, 1), inc(2, 3, 2), op("checkpoint", 4, 5, { value: 1n })], 2), ["checkpoint"]);
    assert.deepEqual(rules([op("checkpoint", 0, 1, { value: 1n }), inc(2, 3, 1)], 1), ["checkpoint"]);
  });

  it("catches a restore of a value no checkpoint saved; a checkpoint of unknown outcome may explain it", () => {
    assert.deepEqual(rules([op("checkpoint", 0, 1, { value: 3n }), op("restore", 2, 3, { value: 2n })], 2), [
      "restore",
    ]);
    const unknown = op("checkpoint", 0, 1, { status: 504, code: "STORAGE_TIMEOUT" });
    assert.deepEqual(rules([unknown, op("restore", 2, 3, { value: 2n })], 2), []);
  });

  it("a restore of unknown outcome excuses the values around it, not those far from it", () => {
    const restore = op("restore", 10, 11, { status: 504, code: "STORAGE_TIMEOUT" });
    const checkpoint = op("checkpoint", 0, 1, { value: 0n });
    assert.deepEqual(rules([checkpoint, inc(2, 3, 1), restore, inc(12, 13, 1)], 1), []);
    assert.deepEqual(rules([checkpoint, inc(2, 3, 1), inc(4, 5, 1), restore], 1), ["duplicate", "order"]);
  });
});
