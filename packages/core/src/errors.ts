/** Every error code of the HTTP contract, with the status it is answered with. */
export const STATUS_BY_CODE = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CHECKPOINT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  COUNTER_OVERFLOW: 409,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  CHECKPOINT_CORRUPT: 500,
  COUNTER_CORRUPT: 500,
  INTERNAL: 500,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

const ERROR_NAME = "CounterError";

/**
 * The one error type of cell-counter. Recognise it with `isCounterError`, not `instanceof`:
 * two copies of this package in one app must still understand each other's errors.
 */
export class CounterError extends Error {
  override readonly name = ERROR_NAME;
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export function isCounterError(value: unknown): value is CounterError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === ERROR_NAME &&
    typeof (value as { code?: unknown }).code === "string" &&
    Object.hasOwn(STATUS_BY_CODE, (value as { code: string }).code)
  );
}
