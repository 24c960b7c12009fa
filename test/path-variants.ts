/**
 * Other spellings of one URL path, for the scope-bypass and fuzz tests: each character %-encoded
 * (upper and lower hex, and double-encoded), full encoding, case changes, dot segments (plain and
 * encoded), doubled and trailing slashes, backslashes, `;params`, query strings and fragments.
 * A router may treat some as the same route and others as no route at all; an authorisation
 * check must agree with the router on every one, which is what the tests assert.
 */

/** `%XX` escapes of one character's UTF-8 bytes (upper-case hex). */
export function pctEncode(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Every variant of `path` (which starts with `/`, has no query), the path itself first, no duplicates. */
export function pathVariants(path: string): string[] {
  const out = new Set<string>([path]);
  const segs = path.split('/').slice(1);
  const join = (parts: string[]): string => `/${parts.join('/')}`;
  // each single character (not the leading slash, which a request target needs) %-encoded three ways
  for (let i = 1; i < path.length; i++) {
    const e = pctEncode(path[i]!);
    const at = (x: string): string => path.slice(0, i) + x + path.slice(i + 1);
    out.add(at(e));
    out.add(at(e.toLowerCase()));
    out.add(at(`%25${e.slice(1)}`));
  }
  // whole path encoded: segments only, slashes too, and double-encoded
  out.add(join(segs.map((s) => [...s].map(pctEncode).join(''))));
  out.add(`/${[...path.slice(1)].map(pctEncode).join('')}`);
  out.add(join(segs.map((s) => [...s].map((c) => `%25${pctEncode(c).slice(1)}`).join(''))));
  // case: all upper, each segment capitalised or upper-cased, an encoded letter of the other case
  out.add(path.toUpperCase());
  segs.forEach((s, i) => {
    const up = [...segs];
    up[i] = s.toUpperCase();
    out.add(join(up));
    up[i] = s.charAt(0).toUpperCase() + s.slice(1);
    out.add(join(up));
    if (/^[a-z]/.test(s)) {
      up[i] = pctEncode(s.charAt(0).toUpperCase()) + s.slice(1);
      out.add(join(up));
      up[i] = pctEncode(s.charAt(0)) + s.slice(1).toUpperCase();
      out.add(join(up));
    }
  });
  // dot segments before each segment and at the end, plain and encoded
  const dots = ['x/..', '.', '%2e', '%2E', 'x/%2e%2e', 'x/%2E%2E', 'x/.%2e', 'x/%2e.', '..', '%2e%2e'];
  for (let i = 0; i <= segs.length; i++) {
    for (const d of dots) out.add(join([...segs.slice(0, i), ...d.split('/'), ...segs.slice(i)]));
  }
  out.add(`${path}/x%2F..`);
  out.add(`${path}%2F..%2F${segs[segs.length - 1] ?? ''}`);
  // doubled slashes at each slash, trailing slashes, backslashes
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== '/') continue;
    out.add(`${path.slice(0, i)}//${path.slice(i + 1)}`);
    if (i > 0) {
      out.add(`${path.slice(0, i)}\\${path.slice(i + 1)}`);
      out.add(`${path.slice(0, i)}%5C${path.slice(i + 1)}`);
      out.add(`${path.slice(0, i)}%2F${path.slice(i + 1)}`);
    }
  }
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(`${path}\\`);
  // path parameters on each segment, query strings, fragments, NUL and look-alike letters
  segs.forEach((s, i) => {
    const p = [...segs];
    p[i] = `${s};x=1`;
    out.add(join(p));
    p[i] = `${s}%3Bx=1`;
    out.add(join(p));
  });
  for (const tail of ['?', '?x=1', '?scope=admin&x=%2e%2e', '#x', '?#', '%3Fx=1', '%23x', '%00', '%09', '%20', '.', '%EF%BD%94']) out.add(path + tail);
  out.add(`${path}/.?x=1`);
  return [...out];
}
