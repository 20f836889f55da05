const encoder = new TextEncoder();

/**
 * Whether an `Authorization` header carries `Bearer <token>`: the scheme in any case (RFC 9110
 * §11.1), the token compared byte for byte with the UTF-8 bytes of `token`. The header is a byte
 * string, as HTTP carries it (one character per byte, as node, undici and every fetch host give
 * headers). The comparison takes the same time whatever the header holds.
 */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const expected = encoder.encode(token);
  const match = /^bearer +/i.exec(header ?? "");
  const given = match ? (header as string).slice(match[0].length) : "";
  let difference = match ? expected.length ^ given.length : 1;
  for (let i = 0; i < expected.length; i++) {
    difference |= (expected[i] as number) ^ (given.charCodeAt(i % Math.max(given.length, 1)) || 0);
  }
  return difference === 0;
}

/** A text as a byte string of its UTF-8 bytes: what a header value is on the wire. */
export function toByteString(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range itself
  if (/^[\u0000-\u007f]*$/.test(text)) return text;
  return String.fromCharCode(...encoder.encode(text));
}
