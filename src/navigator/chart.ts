/**
 * The report's chart, hand-built SVG (no charting dependency): cost per million requests (x, log)
 * against p99 latency (y, log), one colour per variant, the Pareto front joined by a line, the p99
 * target as a dashed line over a shaded "meets p99" band, and the recommendation starred.
 * `renderPng` rasterises the same SVG through sharp.
 */
import sharp from 'sharp';
import { type PricedPoint, configKey } from './types.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const W = 900;
const H = 540;
const M = { left: 80, right: 230, top: 56, bottom: 64 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

const fmt = (v: number): string => (v >= 1 ? String(+v.toPrecision(3)) : v.toPrecision(1));

export interface ChartInput {
  title: string;
  points: readonly PricedPoint[];
  front: readonly PricedPoint[];
  pick: PricedPoint | null;
  p99TargetMs: number;
  minAccuracy: number;
}

export function renderSvg(c: ChartInput): string {
  const pts = c.points.filter((p) => !p.probeOnly && Number.isFinite(p.costPerMillion) && p.costPerMillion > 0 && p.p99Ms > 0);
  const xs = pts.map((p) => p.costPerMillion);
  const ys = [...pts.map((p) => p.p99Ms), c.p99TargetMs];
  const x0 = Math.min(...xs, 1e-3) / 1.5;
  const x1 = Math.max(...xs, 1e-2) * 1.5;
  const y0 = Math.max(0.05, Math.min(...ys) / 1.5);
  const y1 = Math.max(...ys) * 1.5;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (v: number) => M.left + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * pw;
  const Y = (v: number) => M.top + ph - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph;
  const variants = [...new Set(c.points.map((p) => p.variant))];
  const color = (v: string) => COLORS[variants.indexOf(v) % COLORS.length]!;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="30" font-size="18" font-weight="bold" fill="#222">${esc(c.title)}</text>`);
  // Band where p99 meets the target.
  const ty = Y(Math.min(Math.max(c.p99TargetMs, y0), y1));
  out.push(`<rect x="${M.left}" y="${ty}" width="${pw}" height="${M.top + ph - ty}" fill="#e8f5e9"/>`);
  for (const t of logTicks(x0, x1)) {
    out.push(`<line x1="${X(t)}" y1="${M.top}" x2="${X(t)}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${X(t)}" y="${M.top + ph + 18}" font-size="11" text-anchor="middle" fill="#444">$${fmt(t)}</text>`);
  }
  for (const t of logTicks(y0, y1)) {
    out.push(`<line x1="${M.left}" y1="${Y(t)}" x2="${M.left + pw}" y2="${Y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${Y(t) + 4}" font-size="11" text-anchor="end" fill="#444">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<line x1="${M.left}" y1="${ty}" x2="${M.left + pw}" y2="${ty}" stroke="#2e7d32" stroke-dasharray="6 4" stroke-width="1.5"/>`);
  out.push(`<text x="${M.left + pw - 4}" y="${ty - 6}" font-size="11" text-anchor="end" fill="#2e7d32">p99 target ${c.p99TargetMs} ms</text>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 18}" font-size="13" text-anchor="middle" fill="#222">cost per million requests (USD, log scale)</text>`);
  out.push(`<text transform="translate(22 ${M.top + ph / 2}) rotate(-90)" font-size="13" text-anchor="middle" fill="#222">p99 latency, ms (log scale)</text>`);
  // The front is 3-D (accuracy too); the staircase joins only the points no other front point beats on
  // both cost and p99, which is the 2-D trade-off this chart shows.
  const stairs = c.front
    .filter((p) => !c.front.some((q) => q.costPerMillion <= p.costPerMillion && q.p99Ms <= p.p99Ms && (q.costPerMillion < p.costPerMillion || q.p99Ms < p.p99Ms)))
    .sort((a, b) => a.costPerMillion - b.costPerMillion);
  if (stairs.length > 1) {
    const path = stairs.map((p, i) => (i === 0 ? `M${X(p.costPerMillion)},${Y(p.p99Ms)}` : `H${X(p.costPerMillion)}V${Y(p.p99Ms)}`)).join('');
    out.push(`<path d="${path}" fill="none" stroke="#555" stroke-width="1.2" stroke-dasharray="3 3"/>`);
  }
  for (const p of pts) {
    const onFront = c.front.includes(p);
    const below = p.accuracy < c.minAccuracy;
    out.push(
      `<circle cx="${X(p.costPerMillion)}" cy="${Y(p.p99Ms)}" r="${onFront ? 6 : 4}" fill="${below ? '#fff' : color(p.variant)}" stroke="${color(p.variant)}" stroke-width="${onFront ? 2.5 : 1.5}" opacity="${onFront ? 1 : 0.7}"><title>${esc(`${p.variant} ${configKey(p.config)}: ${p.rps.toFixed(0)} req/s, p99 ${p.p99Ms.toFixed(1)} ms, $${p.costPerMillion.toPrecision(3)}/M`)}</title></circle>`,
    );
  }
  if (c.pick) {
    const x = X(c.pick.costPerMillion);
    const y = Y(c.pick.p99Ms);
    const star = Array.from({ length: 10 }, (_, i) => {
      const r = i % 2 === 0 ? 13 : 5.5;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      return `${(x + r * Math.cos(a)).toFixed(1)},${(y + r * Math.sin(a)).toFixed(1)}`;
    }).join(' ');
    out.push(`<polygon points="${star}" fill="#ffd700" stroke="#222" stroke-width="1"/>`);
    out.push(`<text x="${x + 14}" y="${y - 10}" font-size="12" font-weight="bold" fill="#222">${esc(`pick: ${c.pick.variant} ${configKey(c.pick.config)}`)}</text>`);
  }
  // Legend: variant, its accuracy, and marker meaning.
  const lx = W - M.right + 18;
  out.push(`<text x="${lx}" y="${M.top + 4}" font-size="13" font-weight="bold" fill="#222">variant (accuracy)</text>`);
  variants.forEach((v, i) => {
    const acc = c.points.find((p) => p.variant === v)?.accuracy ?? 0;
    const y = M.top + 26 + i * 22;
    const below = acc < c.minAccuracy;
    out.push(`<circle cx="${lx + 6}" cy="${y - 4}" r="5" fill="${below ? '#fff' : color(v)}" stroke="${color(v)}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 18}" y="${y}" font-size="12" fill="#222">${esc(`${v} (${(acc * 100).toFixed(1)}%)`)}</text>`);
  });
  const ly = M.top + 40 + variants.length * 22;
  out.push(`<text x="${lx}" y="${ly}" font-size="11" fill="#555">big: Pareto front (acc, p99, cost)</text>`);
  out.push(`<text x="${lx}" y="${ly + 16}" font-size="11" fill="#555">hollow: below accuracy floor</text>`);
  out.push(`<text x="${lx}" y="${ly + 32}" font-size="11" fill="#555">green band: meets p99</text>`);
  out.push(`<text x="${lx}" y="${ly + 48}" font-size="11" fill="#555">★ recommendation</text>`);
  out.push('</svg>');
  return out.join('\n');
}

export async function renderPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}
