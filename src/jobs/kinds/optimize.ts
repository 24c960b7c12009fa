/**
 * The `optimize` kind: the speed–cost navigator (`lep optimize`) as a job; its report, chart and
 * variants land in the job's artifacts. `--model job:ID` takes an earlier job's model.
 */
import { parseMethod } from '../../compress/index.js';
import { fraction, parseFlags, posInt, positive, rangeInt, rangeNum, toArgv, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind } from '../kind.js';
import { DATASET_FLAG, OUT_FLAG, resolveModelRef } from './common.js';

const variantsCheck = (v: string): string | undefined => {
  if (v === 'none') return undefined;
  for (const m of v.split(',').map((s) => s.trim())) {
    try {
      parseMethod(m);
    } catch (err) {
      return `lists '${m}', not a compression method (${(err as Error).message})`;
    }
  }
  return undefined;
};

/** The flags of `lep optimize`. */
export const OPTIMIZE_FLAGS: readonly FlagSpec[] = [
  { name: '--model', value: true, required: true },
  DATASET_FLAG,
  OUT_FLAG,
  { name: '--min-accuracy', value: true, check: fraction },
  { name: '--p99-ms', value: true, check: positive },
  { name: '--rps', value: true, check: positive },
  { name: '--price-core-hour', value: true, check: positive },
  { name: '--price-gpu-hour', value: true, check: positive },
  { name: '--budget-minutes', value: true, check: (v) => (Number(v) > 0 && Number(v) <= 1440 ? undefined : 'must be minutes in (0, 1440]') },
  { name: '--variants', value: true, check: variantsCheck },
  { name: '--distill', value: true },
  { name: '--no-distill', value: false },
  { name: '--connections', value: true, check: rangeInt(1, 1024) },
  { name: '--measure-seconds', value: true, check: rangeNum(0.5, 600) },
  { name: '--limit-train', value: true, check: posInt },
  { name: '--limit-test', value: true, check: posInt },
  { name: '--json', value: false },
];

export const optimizeKind = kind<{ flags: ParsedFlags }>({
  name: 'optimize',
  summary: 'the speed–cost navigator (lep optimize) on the platform; the report is the job artifact',
  flags: OPTIMIZE_FLAGS,
  validate(args, env) {
    const flags = parseFlags('optimize', args, OPTIMIZE_FLAGS);
    flags.set('--model', resolveModelRef('--model', flags.get('--model') as string, env, 'model.onnx'));
    return { flags };
  },
  steps: () => ['optimize'],
  async run(ctx, plan) {
    await ctx.step('optimize', () => ctx.exec('optimize', ['optimize', ...toArgv(plan.flags), '--out', ctx.artifactsDir]));
    ctx.setResult('report', 'report.json');
  },
});
