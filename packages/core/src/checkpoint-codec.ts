import { MAX_COUNTER } from "./counter.js";
import { CounterError } from "./errors.js";
import { byteLength } from "./response.js";

/** Largest checkpoint accepted, in bytes; a real one is a few dozen. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

const BYTE_ORDER_MARK = "\uFEFF";
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a checkpoint: a JSON object whose `counter` is an integer from 0 to 2^63−1, read with every
 * digit. Files of the original service (`{"counter": 35}`) and ones with extra fields are accepted;
 * a leading byte order mark is tolerated; `35.0` and `3.5e1` are 35. Anything else, and anything
 * over 64 KiB, throws `CHECKPOINT_CORRUPT`. Every storage reads its checkpoints with this.
 */
export function parseCheckpoint(input: string | Uint8Array): bigint {
  const size = typeof input === "string" ? byteLength(input) : input.byteLength;
  if (size > MAX_CHECKPOINT_BYTES) throw checkpointCorrupt(`it is larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  let text: string;
  try {
    text = typeof input === "string" ? input : utf8.decode(input);
  } catch {
    throw checkpointCorrupt("it is not UTF-8 text");
  }
  if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw checkpointCorrupt("it is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw checkpointCorrupt("it is not a JSON object");
  }
  if (!Object.hasOwn(parsed, "counter")) throw checkpointCorrupt('it has no "counter" field');
  if (typeof (parsed as { counter: unknown }).counter !== "number") throw checkpointCorrupt(NOT_IN_RANGE);
  // JSON.parse rounds past 2^53: the digits are read from the text itself.
  const value = integerOf(counterToken(text));
  if (value === undefined) throw checkpointCorrupt(NOT_IN_RANGE);
  return value;
}

/** The text before and after the digits of a checkpoint saved at `savedAt`. */
export function checkpointParts(savedAt: Date): [before: string, after: string] {
  return ['{"counter":', `,"savedAt":"${savedAt.toISOString()}"}\n`];
}

/** `{"counter":N,"savedAt":"…"}` and a newline: what every storage saves. */
export function serializeCheckpoint(value: bigint, savedAt: Date): string {
  const [before, after] = checkpointParts(savedAt);
  return `${before}${value}${after}`;
}

const NOT_IN_RANGE = `its "counter" is not an integer from 0 to ${MAX_COUNTER}`;

/** `CHECKPOINT_CORRUPT`, saying why: the one wording of every storage. */
export function checkpointCorrupt(reason: string): CounterError {
  return new CounterError("CHECKPOINT_CORRUPT", `The saved checkpoint cannot be read: ${reason}.`);
}

/** `CHECKPOINT_NOT_FOUND`: the one wording of every storage. */
export function checkpointNotFound(): CounterError {
  return new CounterError("CHECKPOINT_NOT_FOUND", "No checkpoint has been saved yet.");
}

const NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** The exact integer a JSON number token stands for, if it is one from 0 to 2^63−1. */
function integerOf(token: string): bigint | undefined {
  const match = NUMBER.exec(token);
  if (!match) return undefined;
  const [, sign, whole, fraction = "", exponentText = "0"] = match;
  let digits = `${whole}${fraction}`.replace(/^0+(?=.)/, "");
  let exponent = Number(exponentText) - fraction.length;
  while (exponent < 0 && digits.endsWith("0") && digits.length > 1) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  if (digits === "0") return 0n;
  if (exponent < 0 || sign === "-" || digits.length + exponent > 19) return undefined;
  const value = BigInt(digits) * 10n ** BigInt(exponent);
  return value <= MAX_COUNTER ? value : undefined;
}

/**
 * The raw token of the top-level `counter` member (the last one, as JSON.parse keeps), from text
 * that JSON.parse has accepted as an object.
 */
function counterToken(text: string): string {
  let token = "";
  let i = text.indexOf("{") + 1;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === "}") return token;
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd) + 1; // the colon
    i = skipSpace(text, i);
    const valueEnd = endOfValue(text, i);
    if (key === "counter") token = text.slice(i, valueEnd);
    i = skipSpace(text, valueEnd);
    if (text[i] === ",") i++;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  return i;
}

/** Index after the string that starts at `i` (a quote). */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; ; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === '"') return j + 1;
  }
}

/** Index after the JSON value that starts at `i`. */
function endOfValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return endOfString(text, i);
  if (first !== "{" && first !== "[") {
    let j = i;
    while (j < text.length && !",}] \t\n\r".includes(text[j] as string)) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; ; j++) {
    const c = text[j];
    if (c === '"') j = endOfString(text, j) - 1;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
}
