/**
 * FeatureCodec: image → compact code of at most `bytes` bytes (default 256). HOG describes shape,
 * PCA keeps the `dims` directions that carry most of its variance, and int8 quantisation stores
 * one byte per direction. The size is asserted when the codec is built, not trusted.
 */
import { Rng } from '../core/rng.js';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { PCA } from '../ml/pca.js';
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
  /** PCA dimensions kept (one byte each). Default = bytes. */
  dims?: number;
  /** Images used to fit PCA and the quantiser. Default 10000. */
  fitSamples?: number;
  seed?: number;
  progress?: ProgressSink;
}

export class FeatureCodec {
  private constructor(
    readonly width: number,
    readonly height: number,
    readonly hogOptions: HogOptions,
    readonly budget: number,
    readonly pca: PCA,
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
    const dims = o.dims ?? bytes;
    if (!Number.isInteger(dims) || dims < 1 || dims > bytes) throw invalidArgument(`dims must be an integer in [1, ${bytes}] (one byte each), got ${dims}`);
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
      if (r % 2000 === 0) progress.update(r, m, 'HOG for PCA');
    });
    const pca = new PCA({ nComponents: dims, solver: 'full' }).fit({ data: feats, rows: m, cols: L });
    const z = pca.transform({ data: feats, rows: m, cols: L }).data;
    return new FeatureCodec(width, height, hogOptions, bytes, pca, fitQuantizer(z, m, dims));
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
    return this.pca.transform({ data: f, rows: n, cols: f.length / n }).data;
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
      pca: this.pca.toJSON(),
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
    const pca = PCA.fromJSON(o['pca']);
    const dims = pca.nComponents;
    const hogOptions = (o['hog'] ?? {}) as HogOptions;
    if (hogShape(height as number, width as number, hogOptions).length !== pca.nFeatures) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'FeatureCodec: PCA input size does not match the HOG settings');
    }
    const q: Quantizer = { dims, scale: b64ToF32(o['scale'], 'scale', dims), offset: b64ToF32(o['offset'], 'offset', dims) };
    return new FeatureCodec(width as number, height as number, hogOptions, budget as number, pca, q);
  }
}
