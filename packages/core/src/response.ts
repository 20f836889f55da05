import { type ErrorCode, STATUS_BY_CODE } from "./errors.js";

/** What the core answers; every adapter writes it out unchanged. */
export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_CONTENT_TYPE = "application/json";

export function jsonResponse(status: number, body: string): CoreResponse {
  return { status, headers: { "content-type": JSON_CONTENT_TYPE }, body };
}

/** `{"status":…,"error":…,"code":…}`, the body of every error. */
export function errorResponse(
  code: ErrorCode,
  what: string,
  message: string,
  headers?: Record<string, string>,
): CoreResponse {
  const body = JSON.stringify({ status: what, error: message, code });
  return {
    status: STATUS_BY_CODE[code],
    headers: { "content-type": JSON_CONTENT_TYPE, ...headers },
    body,
  };
}
