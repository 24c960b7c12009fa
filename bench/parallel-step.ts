/**
 * Where the time of a --workers 2 step goes, without process start-up or evaluation: one CNN epoch
 * on the first N fashion-mnist images at global batch 128, each configuration in worker threads of
 * this process, interleaved over rounds so a loaded machine's drift hits all alike:
 *   w1      one rank, kernel threads 1 (the baseline of the issue's 1.6× target)
 *   w1-k2   one rank, kernel threads 2 (the old default)
 *   w1-b64  one rank at batch 64 (is a half batch less efficient per image?)
 *   2x-b64  two independent ranks at batch 64 with no collectives (contention alone)
 *   w2      --workers 2 (threads transport): the collectives' time is reported separately
 * Usage: npx tsx bench/parallel-step.ts [--images 7680] [--rounds 2]
 */
import { loadDataset, type ImageDataset } from '../src/data/index.js';
import { launchThreads } from '../src/parallel/index.js';
import { shared } from '../src/cli/train-parallel.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const images = Number(arg('images', '7680'));
const rounds = Number(arg('rounds', '2'));
const only = arg('only', 'w1,w1-b64,2x-b64,w2').split(',');
const bucketMb = process.argv.includes('--bucket-mb') ? Number(arg('bucket-mb', '1')) : undefined;

const train = shared(loadDataset('fashion-mnist', { limitTrain: images, limitTest: 10 }).train);
const entry = new URL('./parallel-peers/step-probe-rank.ts', import.meta.url);
type Out = { seconds: number; cpu: number; syncMs: number; collectives: number; gcMs: number; gcs: number; majorGcs: number };
const configs: Record<string, { worldSize: number; globalBatch: number; mode: 'sync' | 'nosync'; kernelThreads?: number }> = {
  w1: { worldSize: 1, globalBatch: 128, mode: 'sync' },
  'w1-k2': { worldSize: 1, globalBatch: 128, mode: 'sync', kernelThreads: 2 },
  'w1-b64': { worldSize: 1, globalBatch: 64, mode: 'sync' },
  '2x-b64': { worldSize: 2, globalBatch: 128, mode: 'nosync' },
  w2: { worldSize: 2, globalBatch: 128, mode: 'sync' },
};
const { loadavg } = await import('node:os');
for (let round = 1; round <= rounds; round++) {
  for (const name of only) {
    const c = configs[name]!;
    const outs = await launchThreads<object, Out>({ worldSize: c.worldSize, entry, data: { train, globalBatch: c.globalBatch, mode: c.mode, kernelThreads: c.kernelThreads ?? 1, ...(bucketMb !== undefined && { bucketBytes: bucketMb * 2 ** 20 }) } });
    const s = Math.max(...outs.map((o) => o.seconds));
    // nosync ranks each train on all the images: scale by the images processed in all
    const done = c.mode === 'nosync' ? images * c.worldSize : images;
    const per60k = (s * 60000) / done;
    const cpu = (outs.reduce((a, o) => a + o.cpu, 0) * 60000) / done;
    const sync = outs.map((o) => `${(o.syncMs / 1000).toFixed(2)}`).join('/');
    console.log(`round ${round} ${name.padEnd(7)} ${per60k.toFixed(1).padStart(6)} s/60k-epoch  thread cpu ${cpu.toFixed(1)} s/60k  collectives ${sync} s  gc ${outs.map((o) => `${(o.gcMs / 1000).toFixed(2)} s/${o.gcs} (${o.majorGcs} major)`).join(', ')}  load ${loadavg()[0]!.toFixed(2)}`);
  }
}
