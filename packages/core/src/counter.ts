import { CounterError } from "./errors.js";

/** The largest counter value: 2^63−1, Redis's own limit for an integer. */
export const MAX_COUNTER = 9223372036854775807n;

const MAX_DIGITS = String(MAX_COUNTER);

/** The value of canonical decimal digits (`0`, or no leading zero) from 0 to 2^63−1; `undefined` otherwise. */
export function parseCounter(digits: string): bigint | undefined {
  if (!/^(?:0|[1-9][0-9]{0,18})$/.test(digits)) return undefined;
  if (digits.length === MAX_DIGITS.length && digits > MAX_DIGITS) return undefined;
  return BigInt(digits);
}

/** One more than `value`, or `COUNTER_OVERFLOW` at the limit. */
export function nextCounter(value: bigint): bigint {
  if (value >= MAX_COUNTER) throw counterOverflow();
  return value + 1n;
}

export function counterOverflow(): CounterError {
  return new CounterError("COUNTER_OVERFLOW", `The counter is at its limit, ${MAX_COUNTER}; it was not incremented.`);
}
