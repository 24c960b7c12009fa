/**
 * FeatureCodec: image → compact code of at most `bytes` bytes (default 256). HOG describes shape,
 * a linear reduction keeps `dims` directions, and int8 quantisation stores one byte per direction.
 * The reduction is PCA (the directions of most variance; no labels needed) or LDA (`reduce: 'lda'`,
 * with labels: the directions that best separate the classes, at most classes − 1 of them, so
 * the code is far below the budget). The size is asserted when the codec is built, not trusted.
 */
import { Rng } from '../core/rng.js';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { PCA } from '../ml/pca.js';
import { LinearDiscriminantAnalysis } from '../ml/lda.js';
import { b64ToF32, f32ToB64 } from '../ml/serialize.js';
import { hog, hogShape, loadGray, type HogOptions } from './hog.js';
import { dequantize, fitQuantizer, quantize, type Quantizer } from './quantizer.js';

export const DEFAULT_CODE_BYTES = 256;

export interface CodecOptions {
  /** Image size the codec works at (inputs are resized to it). Default 28×28. */
  width?: number;
  height?: number;
  hog?: HogOptions;
  /** Byte budget per image. Default 256. */
  bytes?: number;
  /** Dimensions kept (one byte each). Default = bytes for PCA, classes − 1 for LDA (its maximum). */
  dims?: number;
  /** 'pca' (default) or 'lda' (needs `labels`). */
  reduce?: ReduceKind;
  /** Class of each of the n images, for LDA. */
  labels?: ArrayLike<number>;
  /** Images used to fit PCA and the quantiser. Default 10000. */
  fitSamples?: number;
  seed?: number;
  progress?: ProgressSink;
}

export type ReduceKind = 'pca' | 'lda';
export const REDUCE_KINDS: readonly ReduceKind[] = ['pca', 'lda'];

type Reducer = PCA | LinearDiscriminantAnalysis;

function reduceRows(r: Reducer, data: Float32Array, rows: number, cols: number): Float32Array {
  const m = { data, rows, cols };
  return r instanceof PCA ? r.transform(m).data : r.transform(m);
}

export class FeatureCodec {
  private constructor(
    readonly width: number,
    readonly height: number,
    readonly hogOptions: HogOptions,
    readonly budget: number,
    readonly reducer: Reducer,
    readonly quantizer: Quantizer,
  ) {
    if (this.codeBytes > budget) {
      throw new LeptonError('LEPTON_ERR_INTERNAL', `codec produces ${this.codeBytes}-byte codes, over the ${budget}-byte budget`);
    }
  }

  /** Bytes per encoded image (one per PCA dimension). */
  get codeBytes(): number {
    return this.quantizer.dims;
  }

  get dims(): number {
    return this.quantizer.dims;
  }

  /** Fit on grayscale images x [n, height·width] in [0, 1]. */
  static fit(x: Float32Array, n: number, o: CodecOptions = {}): FeatureCodec {
    const width = o.width ?? 28;
    const height = o.height ?? 28;
    const bytes = o.bytes ?? DEFAULT_CODE_BYTES;
    if (!Number.isInteger(bytes) || bytes < 1) throw invalidArgument(`bytes must be a positive integer, got ${bytes}`);
    const reduce = o.reduce ?? 'pca';
    if (!REDUCE_KINDS.includes(reduce)) throw invalidArgument(`reduce must be ${REDUCE_KINDS.join(' or ')}, got ${String(reduce)}`);
    if (reduce === 'lda' && o.labels?.length !== n) throw invalidArgument(`reduce 'lda' needs one label per image (${n})`);
    const classes = reduce === 'lda' ? new Set(Array.from(o.labels!)).size : 0;
    const dims = o.dims ?? (reduce === 'lda' ? Math.min(bytes, classes - 1) : bytes);
    if (!Number.isInteger(dims) || dims < 1 || dims > bytes) throw invalidArgument(`dims must be an integer in [1, ${bytes}] (one byte each), got ${dims}`);
    if (reduce === 'lda' && dims > classes - 1) throw invalidArgument(`LDA keeps at most classes − 1 = ${classes - 1} dimensions, asked for ${dims}`);
    if (x.length !== n * width * height) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `images: ${x.length} values, expected ${n}×${height}×${width}`);
    const hogOptions = o.hog ?? {};
    const L = hogShape(height, width, hogOptions).length;
    if (dims > L) throw invalidArgument(`dims=${dims} exceeds the ${L} HOG features; use fewer bytes or smaller cells`);
    const m = Math.min(n, o.fitSamples ?? 10000);
    if (m <= dims) throw invalidArgument(`need more than ${dims} images to fit ${dims} dimensions, got ${m}`);
    const pick = new Rng(o.seed ?? 0).permutation(n).subarray(0, m);
    const progress = o.progress ?? noProgress;
    const feats = new Float32Array(m * L); // [m, L]
    const px = width * height;
    pick.forEach((i, r) => {
      hog(x.subarray(i * px, (i + 1) * px), height, width, hogOptions, feats.subarray(r * L, (r + 1) * L));
      if (r % 2000 === 0) progress.update(r, m, `HOG for ${reduce.toUpperCase()}`);
    });
    const fitData = { data: feats, rows: m, cols: L };
    let reducer: Reducer;
    let z: Float32Array;
    if (reduce === 'lda') {
      reducer = new LinearDiscriminantAnalysis({ nComponents: dims }).fit(fitData, Array.from(pick, (i) => o.labels![i]!));
      z = reduceRows(reducer, feats, m, L);
    } else {
      // Randomized subspace iteration on the covariance for the top dims of L directions (the full
      // O(L³) eigensolver costs ~30 s at L = 1296); fitTransform reuses the fit's projections.
      const pca = new PCA({ nComponents: dims, solver: dims < 0.8 * L ? 'covariance-randomized' : 'full', seed: o.seed ?? 0 });
      z = pca.fitTransform(fitData).data;
      reducer = pca;
    }
    return new FeatureCodec(width, height, hogOptions, bytes, reducer, fitQuantizer(z, m, dims));
  }

  /** HOG of images x [n, h·w]: [n, L]. */
  hogFeatures(x: Float32Array, n: number, progress: ProgressSink = noProgress): Float32Array {
    const px = this.width * this.height;
    if (x.length !== n * px) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `images: ${x.length} values, expected ${n}×${this.height}×${this.width}`);
    const L = hogShape(this.height, this.width, this.hogOptions).length;
    const out = new Float32Array(n * L);
    for (let i = 0; i < n; i++) {
      hog(x.subarray(i * px, (i + 1) * px), this.height, this.width, this.hogOptions, out.subarray(i * L, (i + 1) * L));
      if (i % 5000 === 0) progress.update(i, n, 'HOG');
    }
    return out;
  }

  /** Unquantised embeddings [n, dims]: the query side of asymmetric search. */
  embed(x: Float32Array, n: number, progress?: ProgressSink): Float32Array {
    const f = this.hogFeatures(x, n, progress);
    return reduceRows(this.reducer, f, n, f.length / n);
  }

  /** Codes [n, dims] (int8, `codeBytes` bytes per image). */
  encode(x: Float32Array, n: number, progress?: ProgressSink): Int8Array {
    return quantize(this.quantizer, this.embed(x, n, progress));
  }

  /** Embeddings back from codes: [n, dims]. */
  decode(codes: Int8Array): Float32Array {
    return dequantize(this.quantizer, codes);
  }

  /** Embedding of one image file (or encoded bytes), resized to the codec's size. */
  async embedImage(source: string | Uint8Array): Promise<Float32Array> {
    return this.embed(await loadGray(source, this.width, this.height), 1);
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: 'FeatureCodec',
      width: this.width,
      height: this.height,
      hog: this.hogOptions,
      budget: this.budget,
      ...(this.reducer instanceof PCA ? { pca: this.reducer.toJSON() } : { lda: this.reducer.toJSON() }),
      scale: f32ToB64(this.quantizer.scale),
      offset: f32ToB64(this.quantizer.offset),
    };
  }

  static fromJSON(json: unknown): FeatureCodec {
    const o = json as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || o['kind'] !== 'FeatureCodec') throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'not a serialised FeatureCodec');
    const width = o['width'];
    const height = o['height'];
    const budget = o['budget'];
    if (![width, height, budget].every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'FeatureCodec: width, height and budget must be positive integers');
    }
    const reducer: Reducer = o['lda'] !== undefined ? LinearDiscriminantAnalysis.fromJSON(o['lda']) : PCA.fromJSON(o['pca']);
    const dims = reducer.nComponents;
    const hogOptions = (o['hog'] ?? {}) as HogOptions;
    if (hogShape(height as number, width as number, hogOptions).length !== reducer.nFeatures) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'FeatureCodec: reduction input size does not match the HOG settings');
    }
    const q: Quantizer = { dims, scale: b64ToF32(o['scale'], 'scale', dims), offset: b64ToF32(o['offset'], 'offset', dims) };
    return new FeatureCodec(width as number, height as number, hogOptions, budget as number, reducer, q);
  }
}
