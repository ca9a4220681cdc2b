// A fingerprint of a directory entry as read: its DN and every attribute value, in any order of
// attributes. The store keeps it on each user record (user_record.attrs_fp); a full read
// sends the fingerprints of the entries it reads, and the database leaves out the records
// holding the same one with the same timestamp and state — those the mapping would map to
// the same values (a new mapping has every record looked at again). A full read of 100,000
// unchanged users then maps and hashes none of them.
//
// Two 32-bit FNV-1a lanes with different primes, computed over UTF-16 code units with no
// allocation; separators are numbers above 0xFFFF, which no code unit can equal, so
// ["ab"] and ["a","b"] differ. It is not cryptographic: it tells a record from the same
// entry changed, never one entry from another (the GUID does), and a timestamp change
// already marks an entry changed; the fingerprint catches the rest (a second change
// within the timestamp's one second) with 64 bits.

const SEP_ATTR = 0x10001;
const SEP_VALUE = 0x10002;
const SEP_NAME = 0x10003;

// One loop, no closures and no sorting: this runs for every entry of every full read. Each
// attribute (name and values) is hashed on its own and the attributes' hashes are added
// up, so their order does not matter.
export function entryFingerprint(dn: string, attrs: Record<string, string[]>): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < dn.length; i++) {
    const c = dn.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  let sumA = a;
  let sumB = b;
  for (const name in attrs) {
    a = 0x811c9dc5 ^ SEP_ATTR;
    b = 0x9747b28c ^ SEP_ATTR;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ SEP_NAME, 0x01000193);
    b = Math.imul(b ^ SEP_NAME, 0x5bd1e995);
    b ^= b >>> 15;
    const values = attrs[name]!;
    for (let v = 0; v < values.length; v++) {
      const s = values[v]!;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995);
        b ^= b >>> 15;
      }
      a = Math.imul(a ^ SEP_VALUE, 0x01000193);
      b = Math.imul(b ^ SEP_VALUE, 0x5bd1e995);
      b ^= b >>> 15;
    }
    sumA = (sumA + a) | 0;
    sumB = (sumB + b) | 0;
  }
  return `${(sumA >>> 0).toString(36)}.${(sumB >>> 0).toString(36)}`;
}

/** A string's 53-bit hash (the same two lanes), never 0: lib/sync/guid-set.ts keeps GUIDs as these. */
export function stringHash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + (b >>> 11) + 1;
}
