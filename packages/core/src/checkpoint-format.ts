import { CounterError } from "./errors.js";

/** Largest checkpoint text accepted; a real one is a few dozen bytes. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

const BYTE_ORDER_MARK = "\uFEFF";

/**
 * Reads a checkpoint: a JSON object whose `counter` is a non-negative safe integer. Files of the
 * original service (`{"counter": 35}`) and ones with extra fields are accepted; a leading byte
 * order mark is tolerated. Anything else throws `CHECKPOINT_CORRUPT`.
 */
export function parseCheckpoint(text: string): number {
  if (text.length > MAX_CHECKPOINT_BYTES) {
    throw corrupt(`it is larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  }
  const source = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    throw corrupt("it is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw corrupt("it is not a JSON object");
  }
  if (!Object.hasOwn(parsed, "counter")) {
    throw corrupt('it has no "counter" field');
  }
  const value = (parsed as { counter: unknown }).counter;
  if (!isCounterValue(value)) {
    throw corrupt('its "counter" is not a non-negative safe integer');
  }
  return value;
}

export function serializeCheckpoint(value: number, savedAt: Date): string {
  return `${JSON.stringify({ counter: value, savedAt: savedAt.toISOString() })}\n`;
}

export function isCounterValue(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function corrupt(reason: string): CounterError {
  return new CounterError("CHECKPOINT_CORRUPT", `The saved checkpoint cannot be read: ${reason}.`);
}
