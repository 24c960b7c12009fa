/**
 * VectorIndex: exact top-k search over int8 codes with asymmetric distances (the float query
 * against decoded codes), add/remove by id, and a validated binary file format:
 *   "LEPVIDX1" | u32 header length | header JSON (dims, count, codec, crc32) | codes | ids (int32 LE)
 * Any mismatch on load is LEPTON_ERR_CORRUPT_FILE; saves are atomic.
 */
import { readFileSync } from 'node:fs';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { crc32 } from '../data/png.js';
import { bruteKNeighbors, type BlockSource, type SearchOptions } from '../ml/distance.js';
import { codeScanner, maxCodeWeight } from '../tensor/wasm/codes-api.js';
import { boundedScan, exactScan, type CodeSet } from './code-scan.js';
import { dequantize, type Quantizer } from './quantizer.js';

const MAGIC = 'LEPVIDX1';

export interface SearchHit {
  id: number;
  /** Euclidean distance between the query embedding and the decoded code. */
  distance: number;
}

export class VectorIndex {
  private codes: Int8Array;
  private ids: Int32Array;
  private norms: Float32Array;
  /** Σ_j |code_j| per entry: the integer scan's error bound scales with it (code-scan.ts). */
  private l1: Float32Array;
  /** Bumped whenever the stored codes change, so the wasm scanner knows to copy them again. */
  private version = 0;
  private maxNorm = 0;
  private maxNormVersion = -1;
  private count = 0;
  private removed = new Set<number>();
  private nextId = 0;

  /** `meta` is stored in the file header as is (the CLI keeps the codec there). */
  constructor(
    readonly quantizer: Quantizer,
    public meta: Record<string, unknown> = {},
  ) {
    this.codes = new Int8Array(1024 * quantizer.dims);
    this.ids = new Int32Array(1024);
    this.norms = new Float32Array(1024);
    this.l1 = new Float32Array(1024);
  }

  get dims(): number {
    return this.quantizer.dims;
  }

  /** Live entries. */
  get size(): number {
    return this.count - this.removed.size;
  }

  private grow(need: number): void {
    if (need <= this.ids.length) return;
    const cap = Math.max(need, this.ids.length * 2);
    const c = new Int8Array(cap * this.dims);
    c.set(this.codes.subarray(0, this.count * this.dims));
    const i = new Int32Array(cap);
    i.set(this.ids.subarray(0, this.count));
    const n = new Float32Array(cap);
    n.set(this.norms.subarray(0, this.count));
    const l = new Float32Array(cap);
    l.set(this.l1.subarray(0, this.count));
    this.codes = c;
    this.ids = i;
    this.norms = n;
    this.l1 = l;
  }

  /** Add codes [n, dims]; ids default to consecutive integers. Returns the ids. */
  add(codes: Int8Array, ids?: ArrayLike<number>): Int32Array {
    const d = this.dims;
    if (codes.length % d !== 0) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `codes must be [n, ${d}], got ${codes.length} bytes`);
    const n = codes.length / d;
    if (ids && ids.length !== n) throw invalidArgument(`${ids.length} ids for ${n} codes`);
    const assigned = Int32Array.from({ length: n }, (_, i) => (ids ? (ids[i] as number) : this.nextId + i));
    for (const id of assigned) if (!Number.isInteger(id) || id < 0) throw invalidArgument(`ids must be non-negative integers, got ${id}`);
    this.compact(); // so a re-added id does not resurrect its removed entries
    this.grow(this.count + n);
    this.codes.set(codes, this.count * d);
    this.ids.set(assigned, this.count);
    const dec = dequantize(this.quantizer, codes);
    for (let i = 0; i < n; i++) {
      let s = 0;
      let l = 0;
      for (let j = i * d; j < (i + 1) * d; j++) {
        s += (dec[j] as number) ** 2;
        l += Math.abs(codes[j] as number);
      }
      this.norms[this.count + i] = s;
      this.l1[this.count + i] = l;
      this.removed.delete(assigned[i] as number);
    }
    this.count += n;
    this.version++;
    for (const id of assigned) if (id >= this.nextId) this.nextId = id + 1;
    return assigned;
  }

  /** Remove every entry with this id. Returns whether anything was removed. */
  remove(id: number): boolean {
    let found = false;
    for (let i = 0; i < this.count; i++) if (this.ids[i] === id) found = true;
    if (found) this.removed.add(id);
    return found;
  }

  /** Drop removed entries from storage (search does this first when needed). */
  compact(): void {
    if (this.removed.size === 0) return;
    const d = this.dims;
    let w = 0;
    for (let r = 0; r < this.count; r++) {
      if (this.removed.has(this.ids[r] as number)) continue;
      if (w !== r) {
        this.codes.copyWithin(w * d, r * d, (r + 1) * d);
        this.ids[w] = this.ids[r] as number;
        this.norms[w] = this.norms[r] as number;
        this.l1[w] = this.l1[r] as number;
      }
      w++;
    }
    this.count = w;
    this.version++;
    this.removed.clear();
  }

  private source(): BlockSource {
    const d = this.dims;
    let scratch = new Float32Array(0);
    return {
      rows: this.count,
      cols: d,
      block: (s, e) => {
        if (scratch.length < (e - s) * d) scratch = new Float32Array((e - s) * d);
        return dequantize(this.quantizer, this.codes.subarray(s * d, e * d), scratch.subarray(0, (e - s) * d));
      },
      sqNorms: () => this.norms.subarray(0, this.count),
    };
  }

  /**
   * The k nearest entries for each query embedding (queries [nq, dims], float). Few queries scan
   * the int8 codes directly (integer SIMD dots plus an exact rerank when WebAssembly is there,
   * code-scan.ts; the same results as the float scan); batches decode code blocks and use the GEMM path.
   */
  search(queries: Float32Array, k: number, opts: SearchOptions = {}): SearchHit[][] {
    const d = this.dims;
    if (queries.length === 0 || queries.length % d !== 0) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `queries must be [n, ${d}]`);
    this.compact();
    if (this.count === 0) throw new LeptonError('LEPTON_ERR_NOT_READY', 'the index is empty');
    const kk = Math.min(k, this.count);
    if (!Number.isInteger(k) || k < 1) throw invalidArgument(`k must be a positive integer, got ${k}`);
    const nq = queries.length / d;
    const nb = nq < 8 ? this.scan(queries, nq, kk) : bruteKNeighbors({ data: queries, rows: nq, cols: d }, this.source(), kk, 'euclidean', opts);
    return Array.from({ length: nq }, (_, i) =>
      Array.from({ length: kk }, (_, r) => ({ id: this.ids[nb.indices[i * kk + r] as number] as number, distance: nb.distances[i * kk + r] as number })),
    );
  }

  /** The live codes and their per-code terms (compacted first), for code-scan.ts's scans. */
  codeSet(): CodeSet {
    this.compact();
    if (this.maxNormVersion !== this.version) {
      this.maxNorm = this.norms.subarray(0, this.count).reduce((m, v) => Math.max(m, v), 0);
      this.maxNormVersion = this.version;
    }
    return { codes: this.codes, count: this.count, dims: this.dims, norms: this.norms, l1: this.l1, quantizer: this.quantizer, maxNorm: this.maxNorm };
  }

  /** Direct scan of the codes for a few queries: the bounded integer scan, else the float one. */
  private scan(queries: Float32Array, nq: number, k: number): { indices: Int32Array; distances: Float32Array } {
    const set = this.codeSet();
    const wasm = codeScanner();
    if (wasm) {
      const res = boundedScan(set, queries, nq, k, (w) => wasm.dots(this.codes, this.count, this.dims, w, this, this.version), maxCodeWeight(this.dims));
      if (res) return res;
    }
    return exactScan(set, queries, nq, k);
  }

  /** Serialise to the binary format described at the top of this file. */
  toBytes(): Uint8Array {
    this.compact();
    const d = this.dims;
    const codes = new Uint8Array(this.codes.buffer, this.codes.byteOffset, this.count * d);
    const ids = new Uint8Array(Int32Array.from(this.ids.subarray(0, this.count)).buffer);
    const body = new Uint8Array(codes.length + ids.length);
    body.set(codes, 0);
    body.set(ids, codes.length);
    const header = Buffer.from(
      JSON.stringify({
        version: 1,
        dims: d,
        count: this.count,
        crc32: crc32(body),
        scale: Array.from(this.quantizer.scale),
        offset: Array.from(this.quantizer.offset),
        meta: this.meta,
      }),
    );
    const out = new Uint8Array(8 + 4 + header.length + body.length);
    out.set(Buffer.from(MAGIC, 'latin1'), 0);
    new DataView(out.buffer).setUint32(8, header.length, true);
    out.set(header, 12);
    out.set(body, 12 + header.length);
    return out;
  }

  static fromBytes(bytes: Uint8Array, source = 'index'): VectorIndex {
    const bad = (m: string): LeptonError => new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${source}: not a valid vector index (${m})`);
    if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) throw bad('bad magic bytes');
    const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
    if (12 + hlen > bytes.length) throw bad('truncated header');
    let h: { version?: unknown; dims?: unknown; count?: unknown; crc32?: unknown; scale?: unknown; offset?: unknown; meta?: unknown };
    try {
      h = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hlen)).toString('utf8'));
    } catch {
      throw bad('header is not JSON');
    }
    const { dims, count } = h;
    if (h.version !== 1) throw bad(`unsupported version ${String(h.version)}`);
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw bad('bad dims or count');
    const nums = (v: unknown): v is number[] => Array.isArray(v) && v.length === dims && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!nums(h.scale) || !nums(h.offset)) throw bad('bad quantiser');
    const body = bytes.subarray(12 + hlen);
    if (body.length !== count * dims + count * 4) throw bad(`body is ${body.length} bytes, expected ${count * dims + count * 4}`);
    if (crc32(body) !== h.crc32) throw bad('checksum mismatch');
    const idx = new VectorIndex({ dims, scale: Float32Array.from(h.scale), offset: Float32Array.from(h.offset) }, (h.meta ?? {}) as Record<string, unknown>);
    const codes = new Int8Array(count * dims);
    codes.set(new Int8Array(body.buffer, body.byteOffset, count * dims));
    const idBytes = new Uint8Array(body.subarray(count * dims)); // a copy: aligned for Int32Array
    idx.add(codes, new Int32Array(idBytes.buffer, idBytes.byteOffset, count));
    return idx;
  }

  save(path: string): void {
    writeFileAtomic(path, this.toBytes());
  }

  static load(path: string): VectorIndex {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new LeptonError(code === 'ENOENT' ? 'LEPTON_ERR_NOT_FOUND' : 'LEPTON_ERR_IO', `cannot read index ${path}: ${(err as Error).message}`, { cause: err });
    }
    return VectorIndex.fromBytes(bytes, path);
  }
}
