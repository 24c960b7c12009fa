/**
 * Redaction of secret values from free text and structured log/audit data. The logger already
 * redacts by field name; this catches values that end up inside messages or other fields.
 */

export const REDACTED = '[REDACTED]';
/** Field names whose values are dropped whatever they contain. */
const SENSITIVE_KEY = /(secret|token|password|passwd|authorization|cookie|api[-_]?key|master[-_]?key|private[-_]?key|credential)/i;

function forms(value: string): string[] {
  // the raw value plus the encodings it commonly leaks in (URL query, base64 headers)
  const out = new Set([value, encodeURIComponent(value), Buffer.from(value, 'utf8').toString('base64')]);
  return [...out];
}

/**
 * Replace every occurrence of each secret value (and its URL-encoded and base64 forms) in `text`
 * with `[REDACTED]`. Longer values go first so one secret containing another is fully hidden.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const values = [...new Set([...secrets].filter((s) => s.length > 0).flatMap(forms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/**
 * Deep copy of `value` with secret values redacted from every string and sensitive-looking keys
 * masked. Cycles and depth beyond 16 become `[…]` so a hostile object cannot hang the logger.
 */
export function redactValue(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets];
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redact(v, list);
    if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
    if (depth > 16 || seen.has(v)) return '[…]';
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SENSITIVE_KEY.test(k) ? REDACTED : walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}
