/**
 * The heat-map picture of an attribution: the input in grey, positive attribution in red and
 * negative in blue over it, opacity growing with |attribution| (channels summed per pixel, scaled
 * by the 99th percentile so one hot pixel does not wash out the rest). Small inputs (28×28) are
 * enlarged with nearest-neighbour sampling so each pixel stays a crisp square. Encoded with sharp.
 */

export interface HeatmapOptions {
  /** Output width in pixels at least this (integer upscaling). Default 224. */
  minWidth?: number;
  /** Largest overlay opacity. Default 0.75. */
  alpha?: number;
}

function percentile(values: Float32Array, q: number): number {
  const s = Float32Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
}

/** RGB pixels [H, W, 3] of the overlay, before enlarging (exported for tests). */
export function overlayPixels(input: Float32Array, attributions: Float32Array, dims: readonly [number, number, number], o: HeatmapOptions = {}): Uint8Array {
  const [C, H, W] = dims;
  const n = H * W;
  const a = new Float32Array(n);
  const grey = new Float32Array(n);
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < n; p++) {
      a[p]! += attributions[c * n + p]!;
      grey[p]! += input[c * n + p]! / C;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grey) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const scale = percentile(a.map(Math.abs), 0.99) || Math.max(...a.map(Math.abs)) || 1;
  const maxAlpha = o.alpha ?? 0.75;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const g = (0.15 + 0.7 * ((grey[p]! - lo) / span)) * 255; // keep the picture visible but muted
    const t = Math.min(1, Math.abs(a[p]!) / scale) * maxAlpha;
    const [r, gg, b] = a[p]! >= 0 ? [255, 40, 20] : [30, 90, 255];
    out[p * 3] = Math.round(g * (1 - t) + r * t);
    out[p * 3 + 1] = Math.round(g * (1 - t) + gg * t);
    out[p * 3 + 2] = Math.round(g * (1 - t) + b * t);
  }
  return out;
}

/** PNG bytes of the overlay. */
export async function heatmapPng(input: Float32Array, attributions: Float32Array, dims: readonly [number, number, number], o: HeatmapOptions = {}): Promise<Buffer> {
  const [, H, W] = dims;
  const px = overlayPixels(input, attributions, dims, o);
  const k = Math.max(1, Math.ceil((o.minWidth ?? 224) / W));
  // Imported here: the model server loads this module with its explain route, and most replicas never draw a heatmap.
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 3 } })
    .resize(W * k, H * k, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
