import { type ErrorCode, STATUS_BY_CODE } from "./errors.js";

/** What the core answers; every adapter writes it out unchanged. Read-only: some are shared. */
export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_CONTENT_TYPE = "application/json";

/** An answer with its `content-type` and `content-length` (`length`: the body's size in bytes). */
export function textResponse(
  status: number,
  contentType: string,
  body: string,
  headers?: Record<string, string>,
  length = byteLength(body),
): CoreResponse {
  return {
    status,
    headers: { "content-type": contentType, "content-length": String(length), ...headers },
    body,
  };
}

/** A JSON answer of ASCII characters only (fixed words, digits): its size in bytes is its length. */
export function jsonResponse(status: number, body: string): CoreResponse {
  return textResponse(status, JSON_CONTENT_TYPE, body, undefined, body.length);
}

/** Length of a string in UTF-8, without encoding it. */
export function byteLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) length += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      length += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else length += 2;
  }
  return length;
}

/** `{"status":…,"error":…,"code":…}`, the body of every error. */
export function errorResponse(
  code: ErrorCode,
  what: string,
  message: string,
  headers?: Record<string, string>,
  status: number = STATUS_BY_CODE[code],
): CoreResponse {
  return textResponse(status, JSON_CONTENT_TYPE, JSON.stringify({ status: what, error: message, code }), headers);
}
