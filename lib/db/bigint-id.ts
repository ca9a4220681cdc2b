// Row ids of the bigserial tables (records, audit entries) as they travel in URLs and
// page tokens: decimal text. Anything outside PostgreSQL's bigint would fail the query
// (22003), so it is refused where the text is read.
const MAX_BIGINT = 2n ** 63n - 1n;

/** The id the text names, or null when it is not a positive bigint in plain decimal. */
export function parseBigintId(text: string): bigint | null {
  if (!/^[1-9]\d{0,18}$/.test(text)) return null;
  const id = BigInt(text);
  return id <= MAX_BIGINT ? id : null;
}
