const encoder = new TextEncoder();

/**
 * Whether an `Authorization` header carries `Bearer <token>`. The comparison takes the same time
 * whatever the header holds, so that timing does not reveal how much of the token was right.
 */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const expected = encoder.encode(`Bearer ${token}`);
  const given = encoder.encode(header ?? "");
  let difference = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) {
    difference |= (expected[i] as number) ^ (given[i % Math.max(given.length, 1)] ?? 0);
  }
  return difference === 0;
}
