/** Request headers as either host gives them: web `Headers`, or node's plain object. */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export type RequestBody = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** The head of a request: what is known before its body is read. */
export interface RequestHead {
  method: string;
  /** Request target: `/path?query` or an absolute URL. */
  url: string;
  /** Header values are byte strings, one character per byte, as HTTP carries them. */
  headers: HeaderSource;
}

/** What an adapter hands the core: the parts of a request that the API looks at. */
export interface CoreRequest extends RequestHead {
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

/** Whether the headers announce a body: a `transfer-encoding`, or a `content-length` other than 0. */
export function hasBody(headers: HeaderSource): boolean {
  if (readHeader(headers, "transfer-encoding") !== undefined) return true;
  const length = readHeader(headers, "content-length");
  return length !== undefined && length !== "0";
}

/**
 * Whether a body is longer than `limit` bytes. Nothing is kept. Once the limit is passed, the rest
 * is read and dropped in the background: the answer goes out at once, and the connection stays
 * usable (closing it with unread bytes would make the client's system reset it, often before the
 * client has read the answer). The server's request timeout bounds how long that reading lasts.
 */
export async function bodyExceeds(body: RequestBody, limit: number): Promise<boolean> {
  const next = chunksOf(body);
  let size = 0;
  for (;;) {
    const { done, value } = await next();
    if (done) return false;
    size += value.byteLength;
    if (size > limit) {
      drain(next).catch(() => {});
      return true;
    }
  }
}

type NextChunk = () => Promise<IteratorResult<Uint8Array>>;

function chunksOf(body: RequestBody): NextChunk {
  if ("getReader" in body) {
    const reader = body.getReader();
    return () => reader.read() as Promise<IteratorResult<Uint8Array>>;
  }
  const iterator = body[Symbol.asyncIterator]();
  return () => iterator.next();
}

async function drain(next: NextChunk): Promise<void> {
  while (!(await next()).done) {}
}
