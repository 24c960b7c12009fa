// Read a photon archive (tar.gz) in the browser: gunzip with DecompressionStream, then walk the
// 512-byte tar headers. Enough for the files a photon holds (photon.json, the model, a handler).
export async function untar(gz: ArrayBuffer): Promise<Map<string, Uint8Array>> {
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const files = new Map<string, Uint8Array>();
  const text = (a: Uint8Array): string => new TextDecoder().decode(a).replace(/\0.*$/s, '');
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= bytes.length) {
    const h = bytes.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) break;
    const prefix = text(h.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/` : '') + text(h.subarray(0, 100));
    longName = undefined;
    const size = parseInt(text(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const body = bytes.subarray(pos + 512, pos + 512 + size);
    if (type === 'L') longName = text(body);
    else if (type === '0' || type === '\0') files.set(name.replace(/^\.\//, ''), body);
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
