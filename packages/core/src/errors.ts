import type { Operation } from "./operation.js";

/** What the contract says of an error code. */
interface ErrorInfo {
  /** The status it is answered with. */
  readonly status: number;
  /** The storage's state rather than the client's mistake: a host logs it (once a minute). */
  readonly operator?: true;
  /** The operations whose failure metric counts it, declared at zero from the start. */
  readonly operations?: readonly Operation[];
}

const BOTH: readonly Operation[] = ["checkpoint", "restore"];

/** Every error code of the HTTP contract, once: its status, whether an operator sees it, what counts it. */
export const ERRORS = {
  BAD_REQUEST: { status: 400 },
  UNAUTHORIZED: { status: 401, operations: BOTH },
  NOT_FOUND: { status: 404 },
  CHECKPOINT_NOT_FOUND: { status: 404, operations: ["restore"] },
  METHOD_NOT_ALLOWED: { status: 405 },
  REQUEST_TIMEOUT: { status: 408 },
  COUNTER_OVERFLOW: { status: 409, operator: true },
  PAYLOAD_TOO_LARGE: { status: 413 },
  HEADERS_TOO_LARGE: { status: 431 },
  CHECKPOINT_CORRUPT: { status: 500, operator: true, operations: ["restore"] },
  COUNTER_CORRUPT: { status: 500, operator: true, operations: ["checkpoint"] },
  INTERNAL: { status: 500, operations: BOTH },
  STORAGE_UNAVAILABLE: { status: 503, operator: true, operations: BOTH },
  STORAGE_TIMEOUT: { status: 504, operator: true, operations: BOTH },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

const codes = Object.keys(ERRORS) as ErrorCode[];
const info = (code: ErrorCode): ErrorInfo => ERRORS[code];

/** Each code's status. */
export const STATUS_BY_CODE = Object.fromEntries(codes.map((code) => [code, info(code).status])) as {
  readonly [code in ErrorCode]: (typeof ERRORS)[code]["status"];
};

/** The codes a host logs: the storage's state, not the client's mistakes. */
export const OPERATOR_CODES: ReadonlySet<ErrorCode> = new Set(codes.filter((code) => info(code).operator));

/** The codes each operation's failure metric counts. */
export const FAILURE_CODES: Readonly<Record<Operation, readonly ErrorCode[]>> = {
  checkpoint: codes.filter((code) => info(code).operations?.includes("checkpoint")),
  restore: codes.filter((code) => info(code).operations?.includes("restore")),
};

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
