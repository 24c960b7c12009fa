/**
 * A small, fast 32-bit string hash for the affinity ring. Hand-written: FNV-1a over UTF-16 code
 * units plus murmur3's fmix32 finaliser, which spreads near-identical keys (user-1, user-2) well.
 */

/** Hash a string to an unsigned 32-bit integer. Deterministic across processes and versions. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
