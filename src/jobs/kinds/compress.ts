/**
 * The `compress` kind: `lep compress` with its own flags (the job picks `--out`; `--model job:ID`
 * takes an earlier job's model), its report's accuracies as step metrics, and with `--photon NAME`
 * the compressed model registered as a new photon version. The pipeline reuses `compressStep`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../../core/errors.js';
import { parseMethod, type CompressReport } from '../../compress/index.js';
import { fraction, integer, oneOf, parseFlags, posInt, rangeInt, toArgv, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind, type JobContext } from '../kind.js';
import { commandFlags, DATASET_FLAG, OUT_FLAG, PHOTON_FLAG, resolveModelRef } from './common.js';

const methodCheck = (v: string): string | undefined => {
  try {
    parseMethod(v);
    return undefined;
  } catch (err) {
    return `is not a compression method (${(err as Error).message})`;
  }
};

/** The flags of `lep compress`. */
export const COMPRESS_FLAGS: readonly FlagSpec[] = [
  { name: '--model', value: true, required: true },
  { name: '--method', value: true, required: true, check: methodCheck },
  DATASET_FLAG,
  OUT_FLAG,
  { name: '--epochs', value: true, check: rangeInt(0, 1000) },
  { name: '--lr', value: true, check: (v) => (Number(v) > 0 && Number(v) < 10 ? undefined : 'must be a number in (0, 10)') },
  { name: '--calibration', value: true, check: oneOf(['minmax', 'percentile']) },
  { name: '--calibration-samples', value: true, check: posInt },
  { name: '--temperature', value: true, check: (v) => (Number(v) > 0 && Number(v) <= 100 ? undefined : 'must be a number in (0, 100]') },
  { name: '--alpha', value: true, check: fraction },
  { name: '--limit-train', value: true, check: posInt },
  { name: '--limit-test', value: true, check: posInt },
  { name: '--seed', value: true, check: integer },
  { name: '--json', value: false },
];

export interface CompressPlan {
  flags: ParsedFlags;
  photon: string | undefined;
}

/** Run `lep compress` into `outDir` as step `step`; returns the accuracies its report measured on the test split. */
export async function compressStep(ctx: JobContext, step: string, flags: ParsedFlags, outDir: string): Promise<{ accuracy: number; original: number; modelPath: string; metrics: Record<string, number> }> {
  return ctx.step(step, async (s) => {
    await ctx.exec(step, ['compress', ...toArgv(flags), '--out', outDir]);
    let report: CompressReport;
    try {
      report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as CompressReport;
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_IO', `compress finished but its report.json cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (!report.variant || !report.original) throw new LeptonError('LEPTON_ERR_INTERNAL', 'the compress report has no measurements');
    s.set('method', report.method);
    s.set('accuracy', report.variant.accuracy);
    s.set('original_accuracy', report.original.accuracy);
    s.set('size_bytes', report.variant.sizeBytes);
    s.set('original_size_bytes', report.original.sizeBytes);
    return {
      accuracy: report.variant.accuracy,
      original: report.original.accuracy,
      modelPath: join(outDir, 'model.onnx'),
      metrics: { accuracy: report.variant.accuracy, original_accuracy: report.original.accuracy, size_bytes: report.variant.sizeBytes },
    };
  });
}

export const compressKind = kind<CompressPlan>({
  name: 'compress',
  summary: 'lep compress on the platform (--model FILE or job:ID); --photon NAME registers the variant as a new photon version',
  flags: [...COMPRESS_FLAGS, PHOTON_FLAG],
  validate(args, env) {
    const flags = parseFlags('compress', args, [...COMPRESS_FLAGS, PHOTON_FLAG]);
    flags.set('--model', resolveModelRef('--model', flags.get('--model') as string, env, 'model.onnx'));
    const photon = flags.get('--photon');
    return { flags: commandFlags(flags), photon: typeof photon === 'string' ? photon : undefined };
  },
  steps: (p) => ['compress', ...(p.photon ? ['register'] : [])],
  async run(ctx, plan) {
    const r = await compressStep(ctx, 'compress', plan.flags, ctx.artifactsDir);
    ctx.setResult('accuracy', r.accuracy);
    const photon = plan.photon;
    if (photon) {
      const dataset = plan.flags.get('--dataset') as string;
      const ref = await ctx.step('register', async (s) => {
        const ref = await ctx.registerPhoton({ name: photon, modelPath: r.modelPath, dataset, metrics: r.metrics });
        s.set('photon', ref);
        return ref;
      });
      ctx.setResult('photon', ref);
    }
  },
});
