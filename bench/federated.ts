// Federated-learning benchmark (reported, not asserted), after McMahan et al. 2017 (arXiv 1602.05629):
// the paper's 2NN (784-200-200-10), 100 clients, C = 0.1, E = 1, B = 10 on the real MNIST, through the
// real server and HTTP clients on loopback with secure aggregation on. Reports rounds to 97% test
// accuracy for IID, Dirichlet(0.5) and the pathological 2-shards split next to the paper's Table 1 (C = 0.1, B = 10),
// then the secure-aggregation overhead (time per round, bytes per client, with/without) at 10 and
// 100 clients per round.
// Also: Dirichlet 0.5's final accuracy against centralised training of the same model for the same
// number of example passes, and (--cnn) the paper's CNN, E = 5, B = 10, IID, to 99% within 30 minutes.
// Run: npx tsx bench/federated.ts [--resume] [--max-rounds 1000] [--only iid|dirichlet|shards|centralised|none] [--skip-overhead] [--cnn] [--cnn-minutes 30] [--lr 0.1] [--tag NAME]
//      npx tsx bench/federated.ts --smoke     (mnist-small, 10 clients, 3 rounds: checks the wiring in ~1 min)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { Rng } from '../src/core/rng.js';
import { loadDataset, subset } from '../src/data/index.js';
import { buildModel, evaluateVector, getVector, resolveArch, trainLocal } from '../src/federated/model.js';
import { simulate, type SimulateOptions, type SimulationMetrics } from '../src/federated/simulate.js';
import { parsePartition } from '../src/federated/partition.js';
import { record } from './lib/report.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const smoke = args.includes('--smoke');
const OUT = new URL(`./out/federated${smoke ? '-smoke' : ''}/`, import.meta.url).pathname;
// Each simulation checkpoints into its folder under OUT and resumes from it, so a second run would
// otherwise continue the first one's rounds and report them as its own: start clean unless --resume.
if (!args.includes('--resume') && flag('--only') !== 'centralised' && existsSync(OUT)) {
  for (const d of readdirSync(OUT, { withFileTypes: true }).filter((e) => e.isDirectory())) rmSync(join(OUT, d.name), { recursive: true, force: true });
}
mkdirSync(OUT, { recursive: true });

/**
 * McMahan et al. 2017 (arXiv 1602.05629), rounds to 97% for the 2NN with FedAvg E = 1, B = 10,
 * C = 0.1: IID 87, pathological non-IID (2 shards of 300 per client) 664. These are Table 1's
 * C = 0.1, B = 10 cells (the effect of C), not Table 2 (Table 2 varies E and B for the CNN and the
 * LSTM). The paper has no Dirichlet split. The paper's PDF was not readable from this machine: the
 * figures were cross-checked against a transcription of Tables 1-2 (a GitHub-hosted blog summary of
 * the paper, found by the code search) and against a reproduction script quoting 87 for this cell.
 * CNN, E = 5, B = 10, C = 0.1, to 99% (IID / non-IID): Table 2 gives 20 / 229; Table 1's same cell
 * gives 18 / 206.
 */
const PAPER: Record<string, number | null> = { iid: 87, 'dirichlet:0.5': null, 'shards:2': 664 };
const PAPER_CNN_IID = 20;
const PAPER_SOURCE = 'arXiv 1602.05629 Table 1 (2NN, C=0.1, B=10) and Table 2 (CNN E=5 B=10), checked against a secondary transcription, not the PDF';

const maxRounds = Number(flag('--max-rounds') ?? (smoke ? 3 : 1000));
// lr 0.1: of 0.05 / 0.1 / 0.2 over 20 IID rounds (92.7 / 95.0 / 96.0%), 0.2 learns fastest; 0.1 is
// kept for every partition because the pathological split is the one a large step destabilises
const lr = Number(flag('--lr') ?? 0.1);
const tag = flag('--tag');
const cnnMinutes = Number(flag('--cnn-minutes') ?? 30);
const only = flag('--only');
const base: Omit<SimulateOptions, 'partition' | 'out'> = smoke
  ? { clients: 10, fraction: 0.3, epochs: 1, batchSize: 10, lr, rounds: maxRounds, dataset: 'mnist-small', arch: '2nn', target: 0.97, stopAtTarget: true }
  : { clients: 100, fraction: 0.1, epochs: 1, batchSize: 10, lr, rounds: maxRounds, dataset: 'mnist', arch: '2nn', target: 0.97, stopAtTarget: true };

const log = (s: string): void => console.log(s);
const results: Record<string, unknown> = { config: base, paper: PAPER, paperCnnIid: PAPER_CNN_IID, paperVerified: 'secondary', paperSource: PAPER_SOURCE, load: os.loadavg() };

// 1. rounds to 97%
const partitions = ['iid', 'dirichlet:0.5', 'shards:2'].filter((p) => only === undefined || p.startsWith(only));
const rtt: Array<{ partition: string; rounds: number | null; ran: number; best: number | null; final: number | null; secondsPerRound: number; evalSecondsPerRound: number; startupSeconds: number; paper: number | null }> = [];
for (const p of partitions) {
  log(`\n== ${p}: ${base.clients} clients, C=${base.fraction}, E=${base.epochs}, B=${base.batchSize}, lr ${lr}, up to ${maxRounds} rounds ==`);
  const m: SimulationMetrics = await simulate({ ...base, partition: parsePartition(p), out: join(OUT, p.replace(':', '-')), onProgress: log });
  rtt.push({ partition: p, rounds: m.roundsToTarget, ran: m.rounds.length, best: m.bestAccuracy, final: m.finalAccuracy, secondsPerRound: m.secondsPerRound, evalSecondsPerRound: m.evalSecondsPerRound, startupSeconds: m.startupSeconds, paper: PAPER[p] ?? null });
}
results['roundsToTarget'] = rtt;

/** Centralised SGD of the same model from the same initial weights for `passes` example passes. */
function centralised(passes: number): number {
  const { train, test } = loadDataset(base.dataset);
  const arch = resolveArch(base.arch);
  const w = getVector(buildModel(arch, 0));
  const full = Math.floor(passes / train.n);
  const rest = passes - full * train.n;
  // train once and add the delta (a map calling trainLocal per coordinate would train 199k times)
  const apply = (d: Float32Array): void => {
    for (let i = 0; i < w.length; i++) w[i]! += d[i]!;
  };
  if (full > 0) apply(trainLocal(arch, w, train, { epochs: full, batchSize: base.batchSize, lr }).delta);
  if (rest > 0) {
    const part = subset(train, new Rng(1).permutation(train.n).subarray(0, rest));
    apply(trainLocal(arch, w, part, { epochs: 1, batchSize: base.batchSize, lr, seed: 1 }).delta);
  }
  return evaluateVector(arch, w, test).accuracy;
}

// --only centralised: the baseline alone, against the Dirichlet run already in OUT (its metrics.json)
const dir =
  rtt.find((r) => r.partition === 'dirichlet:0.5') ??
  (only === 'centralised'
    ? ((m: SimulationMetrics) => ({ ran: m.rounds.length, best: m.bestAccuracy, final: m.finalAccuracy }))(JSON.parse(readFileSync(join(OUT, 'dirichlet-0.5', 'metrics.json'), 'utf8')) as SimulationMetrics)
    : undefined);
if (dir && dir.ran > 0) {
  // each round: K clients × their samples × E; with C·clients clients of n/clients samples on average
  const passes = Math.round(dir.ran * base.fraction * loadDataset(base.dataset).train.n * base.epochs);
  log(`\n== centralised baseline: ${passes} example passes (= ${dir.ran} federated rounds) ==`);
  const acc = centralised(passes);
  results['dirichletVsCentralised'] = { passes, rounds: dir.ran, centralisedAccuracy: acc, federatedBest: dir.best, federatedFinal: dir.final };
  log(`centralised ${(acc * 100).toFixed(2)}% vs federated Dirichlet 0.5 final ${dir.final === null ? '-' : (dir.final * 100).toFixed(2) + '%'} (best ${dir.best === null ? '-' : (dir.best * 100).toFixed(2) + '%'})`);
}

if (args.includes('--cnn')) {
  log(`\n== CNN (2 conv), E=5, B=10, IID, target 99%, at most ${cnnMinutes} minutes ==`);
  const m = await simulate({ ...base, arch: 'cnn', epochs: 5, target: 0.99, partition: { kind: 'iid' }, maxSeconds: cnnMinutes * 60, out: join(OUT, 'cnn-iid'), onProgress: log });
  results['cnn'] = { roundsToTarget: m.roundsToTarget, roundsRun: m.rounds.length, bestAccuracy: m.bestAccuracy, accuracyByRound: m.rounds.map((r) => r.accuracy), secondsPerRound: m.secondsPerRound, evalSecondsPerRound: m.evalSecondsPerRound, seconds: m.seconds, paper: PAPER_CNN_IID };
  log(`CNN: ${m.roundsToTarget === null ? `99% not reached in ${m.rounds.length} rounds (${m.seconds.toFixed(0)} s), best ${((m.bestAccuracy ?? 0) * 100).toFixed(2)}%` : `99% at round ${m.roundsToTarget}`}`);
}

// 2. secure aggregation overhead: same run with and without, 10 and 100 clients per round
const overhead: Array<Record<string, unknown>> = [];
if (!args.includes('--skip-overhead')) {
  const perRound = smoke ? [10] : [10, 100];
  for (const k of perRound) {
    for (const secure of [false, true]) {
      const o: SimulateOptions = { ...base, clients: k, fraction: 1, rounds: 3, stopAtTarget: false, partition: { kind: 'iid' }, secure, out: join(OUT, `overhead-${k}-${secure ? 'secure' : 'plain'}`), onProgress: log };
      log(`\n== overhead: ${k} clients per round, secure aggregation ${secure ? 'on' : 'off'} ==`);
      const m = await simulate(o);
      // start-up is outside the rounds now; round 1 still warms up the JIT: time the later rounds
      const steady = m.rounds.slice(1);
      const secondsPerRound = steady.reduce((s, r) => s + r.seconds, 0) / Math.max(1, steady.length);
      overhead.push({ clientsPerRound: k, secure, secondsPerRound, evalSecondsPerRound: m.evalSecondsPerRound, load: os.loadavg()[0], bytesUpPerClientPerRound: m.bytes.perClientPerRound, bytesDownPerClientPerRound: m.bytes.serverOut / Math.max(1, m.rounds.reduce((s, r) => s + r.clients, 0)) });
    }
  }
}
results['secureAggregationOverhead'] = overhead;

// The report's ratios (bench/run-all.ts): rounds to 97% against the paper's Table 1 cell, where it
// has one; accuracy against centralised training; secure aggregation's cost per round. No targets:
// issue 16 set none as ratios, these are tracked so compare.ts can flag a regression.
for (const r of rtt) {
  if (r.paper !== null && r.rounds !== null) record({ id: `rounds-to-97-${r.partition.replace(':', '-')}-vs-paper`, what: `FedAvg 2NN rounds to 97%, ${r.partition}`, ours: r.rounds, peer: r.paper, peerName: 'McMahan et al. 2017, Table 1', unit: 'rounds' });
}
const dvc = results['dirichletVsCentralised'] as { centralisedAccuracy: number; federatedFinal: number | null } | undefined;
if (dvc && dvc.federatedFinal !== null) record({ id: 'dirichlet-accuracy-vs-centralised', what: 'FedAvg Dirichlet 0.5 final accuracy, same example passes', ours: dvc.federatedFinal, peer: dvc.centralisedAccuracy, peerName: 'centralised SGD, same model', unit: 'accuracy', better: 'higher' });
for (const k of smoke ? [10] : [10, 100]) {
  const plain = overhead.find((o) => o['clientsPerRound'] === k && o['secure'] === false);
  const sec = overhead.find((o) => o['clientsPerRound'] === k && o['secure'] === true);
  if (plain && sec) record({ id: `secure-agg-round-${k}-vs-plain`, what: `secure aggregation, s/round at ${k} clients per round`, ours: sec['secondsPerRound'] as number, peer: plain['secondsPerRound'] as number, peerName: 'plain FedAvg round', unit: 's/round' });
}
const resultsFile = join(OUT, tag ? `results-${tag}.json` : 'results.json');
writeFileSync(resultsFile, JSON.stringify(results, null, 2));

log('\n| partition | rounds to 97% (ours) | rounds run | best accuracy | s/round (+eval) | paper (Table 1) |');
log('|---|---|---|---|---|---|');
for (const r of rtt) {
  log(`| ${r.partition} | ${r.rounds ?? `not reached`} | ${r.ran} | ${r.best === null ? '-' : (r.best * 100).toFixed(2) + '%'} | ${r.secondsPerRound.toFixed(2)} (+${r.evalSecondsPerRound.toFixed(2)}) | ${r.paper ?? 'n/a'} |`);
}
if (overhead.length) {
  log('\n| clients/round | secure agg | s/round | KB up per client per round | KB down per client per round |');
  log('|---|---|---|---|---|');
  for (const o of overhead) {
    log(`| ${o['clientsPerRound']} | ${o['secure'] ? 'on' : 'off'} | ${(o['secondsPerRound'] as number).toFixed(2)} | ${((o['bytesUpPerClientPerRound'] as number) / 1024).toFixed(0)} | ${((o['bytesDownPerClientPerRound'] as number) / 1024).toFixed(0)} |`);
  }
}
log(`\nload average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\nresults: ${resultsFile}`);
