/**
 * Image bytes (PNG, JPEG, WebP, …) → model input: a CHW Float32Array resized to the model's size.
 * sharp (libvips) does the decoding; this module bounds what it will decode and maps its failures
 * to typed errors, because it sits directly behind the model server's image route.
 */
import type Sharp from 'sharp';
import { LeptonError, invalidArgument } from '../core/errors.js';

// sharp (a native binding, ~0.3 s to load) is imported on first use, so a replica or a `lep`
// command that never decodes an image does not pay for it (issue 12). Servers that take images
// call preloadImageDecoder() once listening, so the first request does not pay either.
let sharpLoading: Promise<typeof Sharp> | undefined;

/** Load the image decoder now (idempotent); later decodes start at once. */
export function preloadImageDecoder(): Promise<typeof Sharp> {
  return (sharpLoading ??= import('sharp').then((m) => m.default));
}

export { encodePng } from './png.js';

/** Default pixel budget for an input image (width × height, before resizing). */
export const DEFAULT_LIMIT_INPUT_PIXELS = 4096 * 4096;
/** Formats decodeImage accepts (sharp's metadata().format names). */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'webp', 'gif', 'tiff']);
/** Largest output side accepted; a model input larger than this is a caller mistake. */
const MAX_OUTPUT_SIDE = 8192;

export interface DecodeImageOptions {
  /** Output width in pixels (the image is stretched to width×height). */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** 1 = grayscale (luminance), 3 = RGB. Alpha is flattened onto black. */
  channels: 1 | 3;
  /**
   * Absent: raw 0–255 values. 'unit': divided by 255 into [0, 1]. `{mean, std}`: per channel,
   * (v/255 − mean[c]) / std[c], the torchvision ToTensor+Normalize convention.
   */
  normalize?: { mean: number[]; std: number[] } | 'unit';
  /** Refuse images whose header claims more pixels than this. Default DEFAULT_LIMIT_INPUT_PIXELS. */
  limitInputPixels?: number;
}

function checkOptions(opts: DecodeImageOptions): void {
  const side = (v: unknown, name: string): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_OUTPUT_SIDE) {
      throw invalidArgument(`decodeImage: ${name} must be an integer in [1, ${MAX_OUTPUT_SIDE}], got ${String(v)}`);
    }
  };
  side(opts.width, 'width');
  side(opts.height, 'height');
  if (opts.channels !== 1 && opts.channels !== 3) {
    throw invalidArgument(`decodeImage: channels must be 1 or 3, got ${String(opts.channels)}`);
  }
  const lim = opts.limitInputPixels;
  if (lim !== undefined && (!Number.isInteger(lim) || lim < 1)) {
    throw invalidArgument(`decodeImage: limitInputPixels must be a positive integer, got ${String(lim)}`);
  }
  const n = opts.normalize;
  if (n !== undefined && n !== 'unit') {
    if (typeof n !== 'object' || !Array.isArray(n.mean) || !Array.isArray(n.std)) {
      throw invalidArgument("decodeImage: normalize must be 'unit' or {mean: number[], std: number[]}");
    }
    if (n.mean.length !== opts.channels || n.std.length !== opts.channels) {
      throw invalidArgument(`decodeImage: normalize.mean and normalize.std need ${opts.channels} value(s) each`);
    }
    if (!n.mean.every(Number.isFinite) || !n.std.every((s) => Number.isFinite(s) && s > 0)) {
      throw invalidArgument('decodeImage: normalize.mean must be finite and normalize.std finite and > 0');
    }
  }
}

function decodeError(err: unknown): LeptonError {
  if (err instanceof LeptonError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) {
    return new LeptonError('LEPTON_ERR_IMAGE_TOO_LARGE', `image exceeds the input pixel limit: ${msg}`, { cause: err });
  }
  return new LeptonError('LEPTON_ERR_IMAGE_DECODE', `cannot decode image: ${msg}`, { cause: err });
}

/**
 * Decode `bytes` into a CHW Float32Array of length channels×height×width.
 * The header is checked against `limitInputPixels` before any pixel is decoded, so a tiny file that
 * claims 100k×100k pixels is refused with LEPTON_ERR_IMAGE_TOO_LARGE; unreadable or truncated bytes
 * give LEPTON_ERR_IMAGE_DECODE; SVG, PDF and other non-raster formats give LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE.
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeImageOptions): Promise<Float32Array> {
  checkOptions(opts);
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new LeptonError('LEPTON_ERR_IMAGE_DECODE', 'cannot decode image: no bytes were given');
  }
  const limit = opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  const { width, height, channels } = opts;
  // failOn 'truncated' rejects cut-off files instead of returning a half-grey image.
  const input = { limitInputPixels: limit, failOn: 'truncated' as const };

  const sharp = await preloadImageDecoder();
  let w = 0;
  let h = 0;
  let format = '';
  try {
    const meta = await sharp(bytes, input).metadata();
    w = meta.width ?? 0;
    h = meta.height ?? 0;
    format = meta.format ?? '';
  } catch (err) {
    throw decodeError(err);
  }
  // Raster formats only: SVG/PDF would run a renderer (and its resource loading) on client bytes.
  if (!ACCEPTED_FORMATS.has(format)) {
    throw new LeptonError(
      'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE',
      `image format ${format || 'unknown'} is not accepted; send ${[...ACCEPTED_FORMATS].join(', ')}`,
    );
  }
  if (w < 1 || h < 1) throw new LeptonError('LEPTON_ERR_IMAGE_DECODE', 'cannot decode image: it has no size');
  if (w * h > limit) {
    throw new LeptonError(
      'LEPTON_ERR_IMAGE_TOO_LARGE',
      `image is ${w}x${h} = ${w * h} pixels, above the limit of ${limit}; resize it before sending`,
      { details: { width: w, height: h, limitInputPixels: limit } },
    );
  }

  let data: Buffer;
  try {
    let pipe = sharp(bytes, input).rotate().flatten({ background: '#000000' });
    pipe = channels === 1 ? pipe.grayscale() : pipe.toColourspace('srgb');
    const out = await pipe
      .resize(width, height, { fit: 'fill' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.info.channels !== channels || out.data.length !== width * height * channels) {
      throw new LeptonError('LEPTON_ERR_IMAGE_DECODE', `cannot decode image: unexpected decoder output (${out.info.channels} channel(s), ${out.data.length} bytes)`);
    }
    data = out.data;
  } catch (err) {
    throw decodeError(err);
  }
  return toChw(data, width, height, channels, opts.normalize);
}

/** HWC uint8 (sharp's raw layout) → CHW float32 with the requested scaling. */
function toChw(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  normalize: DecodeImageOptions['normalize'],
): Float32Array {
  const plane = width * height;
  const out = new Float32Array(plane * channels); // [c, h, w]
  for (let c = 0; c < channels; c++) {
    let scale = 1;
    let shift = 0;
    if (normalize === 'unit') scale = 1 / 255;
    else if (normalize) {
      const std = normalize.std[c] as number;
      scale = 1 / (255 * std);
      shift = -(normalize.mean[c] as number) / std;
    }
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (data[i * channels + c] as number) * scale + shift;
  }
  return out;
}
