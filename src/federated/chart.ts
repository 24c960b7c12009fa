/**
 * The simulation's accuracy-per-round chart: a hand-built SVG line chart (one line per series,
 * the target accuracy dashed), rasterised to PNG through sharp. Small on purpose: the navigator's
 * chart sits in a higher layer, and this one needs only linear axes.
 */
import sharp from 'sharp';

export interface Series {
  label: string;
  /** [round, accuracy in 0..1] */
  points: Array<[number, number]>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const W = 760;
const H = 440;
const M = { left: 64, right: 24, top: 48, bottom: 56 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function accuracySvg(title: string, series: readonly Series[], target?: number): string {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map(([r]) => r));
  const yLo = Math.max(0, Math.floor((Math.min(1, ...all.map(([, a]) => a), target ?? 1) - 0.05) * 10) / 10);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (r: number) => M.left + (r / xMax) * pw;
  const Y = (a: number) => M.top + ph - ((a - yLo) / (1 - yLo)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="28" font-size="16" font-weight="bold" fill="#222">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const a = yLo + ((1 - yLo) * i) / 5;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${Y(a)}" y2="${Y(a)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${Y(a) + 4}" font-size="11" text-anchor="end" fill="#555">${(a * 100).toFixed(0)}%</text>`);
  }
  const step = Math.max(1, Math.ceil(xMax / 10));
  for (let r = 0; r <= xMax; r += step) out.push(`<text x="${X(r)}" y="${H - M.bottom + 18}" font-size="11" text-anchor="middle" fill="#555">${r}</text>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" font-size="12" text-anchor="middle" fill="#333">round</text>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  if (target !== undefined && target > yLo) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${Y(target)}" y2="${Y(target)}" stroke="#888" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - M.right - 4}" y="${Y(target) - 6}" font-size="11" text-anchor="end" fill="#666">target ${(target * 100).toFixed(1)}%</text>`);
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = s.points.map(([r, a]) => `${X(r).toFixed(1)},${Y(Math.max(yLo, a)).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${M.left + 10}" y="${M.top + 18 + 16 * i}" font-size="12" fill="${c}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
