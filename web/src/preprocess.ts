// Preprocessing shared by the playground and the edge export: the sample digit, the canvas as the
// photon's input tensor (its image size, gray or RGB, normalized as its manifest says), and the top
// classes of a score row, computed as the model server does.
export interface Image { width: number; height: number; channels: 1 | 3; normalize?: 'unit' | { mean: number[]; std: number[] } }

export const CANVAS = 224;

/** The sample digit: a hand-drawn-looking 7, the same strokes every time. */
export function drawSample(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, CANVAS, CANVAS);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 18;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(55, 50);
  ctx.lineTo(170, 50);
  ctx.lineTo(95, 190);
  ctx.stroke();
}

/** The canvas as the photon's input: resized to its image size, gray or RGB, normalized as the manifest says. */
export function canvasTensor(canvas: HTMLCanvasElement, im: Image): Float32Array {
  const small = document.createElement('canvas');
  small.width = im.width;
  small.height = im.height;
  const sctx = small.getContext('2d')!;
  sctx.drawImage(canvas, 0, 0, im.width, im.height);
  const px = sctx.getImageData(0, 0, im.width, im.height).data;
  const n = im.width * im.height;
  const out = new Float32Array(n * im.channels);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!];
    const vals = im.channels === 1 ? [(0.299 * r + 0.587 * g + 0.114 * b) / 255] : [r / 255, g / 255, b / 255];
    vals.forEach((v, c) => {
      const norm = im.normalize && im.normalize !== 'unit' ? (v - im.normalize.mean[c]!) / im.normalize.std[c]! : v;
      out[i * im.channels + c] = norm; // HWC, as the server's decoder gives
    });
  }
  return out;
}

export function top(scores: Float32Array, labels: string[] | undefined, k = 3): Array<{ index: number; label: string; score: number }> {
  // raw logits become probabilities (as the server does for rows that are not already a distribution)
  const max = Math.max(...scores);
  const sum = scores.reduce((s, v) => s + Math.exp(v - max), 0);
  const isDist = scores.every((v) => v >= 0 && v <= 1) && Math.abs(scores.reduce((s, v) => s + v, 0) - 1) < 1e-3;
  const p = Array.from(scores, (v) => (isDist ? v : Math.exp(v - max) / sum));
  return p.map((score, index) => ({ index, label: labels?.[index] ?? String(index), score })).sort((a, b) => b.score - a.score).slice(0, k);
}

