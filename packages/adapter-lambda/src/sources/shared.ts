import { STATUS_CODES } from "node:http";
import { type CoreRequest, type CoreResponse, toByteString } from "@cell-counter/core";

/** One HTTP front door of Lambda: how to recognise its events, read them, and answer in its shape. */
export interface EventSource<Event, Result> {
  readonly name: string;
  matches(event: unknown): event is Event;
  /** The request; `undefined` when the event has the source's shape but not what a request needs. */
  toRequest(event: Event): CoreRequest | undefined;
  toResult(response: CoreResponse, event: Event): Result;
}

type Values = Record<string, string | undefined> | null | undefined;
type MultiValues = Record<string, string[] | undefined> | null | undefined;

/**
 * Header names in lower case, values as the byte strings HTTP carries (Lambda hands over UTF-8
 * text); repeated headers joined with ", ".
 */
export function headersOf(single: Values, multi?: MultiValues): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(single ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = toByteString(value);
  }
  for (const [name, values] of Object.entries(multi ?? {})) {
    if (values?.length) headers[name.toLowerCase()] = toByteString(values.join(", "));
  }
  return headers;
}

/** `?a=1&b=2` from the parameters as the event carries them (already encoded, or not: the core ignores queries). */
export function queryOf(single: Values, multi?: MultiValues): string {
  const pairs: string[] = [];
  if (multi) {
    for (const [name, values] of Object.entries(multi))
      for (const value of values ?? []) pairs.push(`${name}=${value}`);
  } else {
    for (const [name, value] of Object.entries(single ?? {})) pairs.push(`${name}=${value ?? ""}`);
  }
  return pairs.length ? `?${pairs.join("&")}` : "";
}

/** The body, base64-decoded when the event says so; `null` when there is none. */
export function bodyOf(body: string | null | undefined, isBase64Encoded: boolean | undefined): CoreRequest["body"] {
  if (typeof body !== "string" || body === "") return null;
  const bytes = new Uint8Array(Buffer.from(body, isBase64Encoded ? "base64" : "utf8"));
  return (async function* () {
    yield bytes;
  })();
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `200 OK`: what an ALB needs beside the status code. */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ""}`.trim();
}

export function multiValued(headers: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
}
