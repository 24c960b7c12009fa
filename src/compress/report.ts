/** Compression reports as files: the variant's model.onnx, report.json and a short report.md table. */
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../core/fs.js';
import { type CompressReport } from './compress.js';
import { type ModelMetrics } from './measure.js';

const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;

function row(label: string, m: ModelMetrics): string {
  return `| ${label} | ${kb(m.sizeBytes)} | ${m.params} | ${(m.sparsity * 100).toFixed(1)}% | ${(m.accuracy * 100).toFixed(2)}% | ${m.p50Ms.toFixed(3)} | ${m.p99Ms.toFixed(3)} | ${Math.round(m.throughputB64)} |`;
}

/** Markdown rendering of a report (what `lep compress` prints and writes). */
export function reportMarkdown(r: CompressReport): string {
  const lines = [`# Compression report: ${r.method} on ${r.dataset}`, ''];
  if (r.original && r.variant && r.ratios) {
    lines.push(
      '| model | size | params | sparsity | accuracy | p50 ms (b=1) | p99 ms (b=1) | samples/s (b=64) |',
      '|---|---|---|---|---|---|---|---|',
      row('original', r.original),
      row(r.method, r.variant),
      '',
      `size ratio ${r.ratios.size.toFixed(3)} · accuracy drop ${r.ratios.accuracyDropPoints.toFixed(2)} points · ` +
        `p50 ratio ${r.ratios.p50.toFixed(2)} · p99 ratio ${r.ratios.p99.toFixed(2)} · throughput ratio (b=64) ${r.ratios.throughputB64.toFixed(2)}`,
      '',
      'Latency: onnxruntime CPU, one intra-op thread, sequential calls on this machine.',
    );
  }
  lines.push('', '```json', JSON.stringify(r.details, null, 2), '```', '');
  return lines.join('\n');
}

/** Write model.onnx, report.json and report.md into `dir`; returns the model path. */
export function writeCompressOutput(dir: string, bytes: Uint8Array, report: CompressReport): string {
  ensureDir(dir);
  const model = join(dir, 'model.onnx');
  writeFileAtomic(model, bytes);
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(join(dir, 'report.md'), reportMarkdown(report));
  return model;
}
