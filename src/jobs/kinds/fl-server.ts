/**
 * The `fl-server` kind: a federated-learning server (`lep fl server`) as a job on the platform. Its
 * checkpoints go to the job's artifacts (`--out`), clients connect to `--host`/`--port` with an
 * `fl:<task>` token from `lep token create`; `--issue-token` is refused here because the token it
 * prints would sit in the job's log, readable by any read-scoped caller.
 */
import { isDatasetName, DATASET_NAMES } from '../../data/index.js';
import { nonNegInt, parseFlags, posInt, positive, rangeInt, toArgv, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind } from '../kind.js';
import { OUT_FLAG } from './common.js';

/** The flags of `lep fl server`. */
export const FL_SERVER_FLAGS: readonly FlagSpec[] = [
  // checked by lep fl server when the job runs: the strategy registry lives in the federated layer
  { name: '--strategy', value: true },
  { name: '--mu', value: true, check: positive },
  { name: '--server-lr', value: true, check: positive },
  { name: '--epochs', value: true, check: posInt },
  { name: '--batch', value: true, check: posInt },
  { name: '--lr', value: true, check: positive },
  { name: '--insecure-aggregation', value: false },
  { name: '--dp-clip', value: true, check: positive },
  { name: '--dp-noise', value: true, check: (v) => (Number(v) >= 0 && v.trim() !== '' ? undefined : 'must be a number ≥ 0') },
  { name: '--seed', value: true, check: nonNegInt },
  { name: '--task', value: true, required: true, check: (v) => (/^[a-z0-9][a-z0-9-]{0,62}$/.test(v) ? undefined : 'must be lowercase letters, digits and dashes') },
  { name: '--model-spec', value: true },
  { name: '--rounds', value: true, check: posInt },
  { name: '--clients-per-round', value: true, check: posInt },
  { name: '--min-clients', value: true, check: posInt },
  { name: '--deadline', value: true, check: positive },
  { name: '--dataset', value: true, check: (v) => (isDatasetName(v) ? undefined : `must be one of ${DATASET_NAMES.join(', ')}`) },
  OUT_FLAG,
  { name: '--host', value: true },
  { name: '--port', value: true, check: rangeInt(0, 65535) },
  { name: '--issue-token', value: true, reserved: "its token would be printed into the job's log; create one with lep token create --scope fl:<task>" },
];

export const flServerKind = kind<{ flags: ParsedFlags }>({
  name: 'fl-server',
  summary: 'a federated-learning server (lep fl server); checkpoints are the job artifacts',
  flags: FL_SERVER_FLAGS,
  validate: (args) => ({ flags: parseFlags('fl-server', args, FL_SERVER_FLAGS) }),
  steps: () => ['serve'],
  async run(ctx, plan) {
    await ctx.step('serve', () => ctx.exec('serve', ['fl', 'server', ...toArgv(plan.flags), '--out', ctx.artifactsDir]));
  },
});
