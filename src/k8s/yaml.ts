/**
 * A small YAML writer for the export (no YAML dependency): block style for maps and lists, and
 * every string double-quoted as JSON writes it. JSON's escapes are a subset of YAML's double-quoted
 * ones, so `"on"`, `"0755"` or `"true"` can never turn into a boolean or a number on the way in.
 */
function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(String(v));
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (k: string): string => (/^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(k) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(k) ? k : JSON.stringify(k));

function lines(v: unknown, indent: string, out: string[]): void {
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if ((isMap(x) && Object.keys(x).length > 0) || (Array.isArray(x) && x.length > 0)) {
        out.push(`${indent}${key(k)}:`);
        lines(x, Array.isArray(x) ? indent : `${indent}  `, out);
      } else {
        out.push(`${indent}${key(k)}: ${isMap(x) ? '{}' : Array.isArray(x) ? '[]' : scalar(x)}`);
      }
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) {
      if ((isMap(x) && Object.keys(x).length > 0) || (Array.isArray(x) && x.length > 0)) {
        const sub: string[] = [];
        lines(x, `${indent}  `, sub);
        // the first line of the item takes the dash
        out.push(`${indent}- ${sub[0]!.slice(indent.length + 2)}`, ...sub.slice(1));
      } else {
        out.push(`${indent}- ${isMap(x) ? '{}' : Array.isArray(x) ? '[]' : scalar(x)}`);
      }
    }
    return;
  }
  out.push(`${indent}${scalar(v)}`);
}

/** One YAML document per object, separated by `---`. */
export function toYaml(docs: readonly unknown[]): string {
  return docs
    .map((d) => {
      const out: string[] = [];
      lines(d, '', out);
      return out.join('\n');
    })
    .map((d) => `---\n${d}\n`)
    .join('');
}
