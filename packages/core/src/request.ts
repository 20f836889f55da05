/** Request headers as either host gives them: web `Headers`, or node's plain object. */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export type RequestBody = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** What an adapter hands the core: the parts of a request that the API looks at. */
export interface CoreRequest {
  method: string;
  /** Request target: `/path?query` or an absolute URL. */
  url: string;
  headers: HeaderSource;
  /** Absent or `null` when the request has no body. */
  body?: RequestBody | null;
}

/** A header's value (lower-case name), or `undefined`. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Whether a body is longer than `limit` bytes. Nothing is kept. A node stream is read to its end
 * in the background once the limit is passed (stopping would destroy the socket before the
 * answer is written); a web stream is cancelled.
 */
export async function bodyExceeds(body: RequestBody, limit: number): Promise<boolean> {
  let size = 0;
  if ("getReader" in body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      size += value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => {});
        return true;
      }
    }
  }
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return false;
    size += value.byteLength;
    if (size > limit) {
      drain(iterator).catch(() => {});
      return true;
    }
  }
}

async function drain(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  while (!(await iterator.next()).done) {}
}
