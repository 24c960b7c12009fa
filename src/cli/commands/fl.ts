/**
 * `lep fl server|client|simulate`: federated learning (src/federated). The server checks client
 * tokens (scope fl:<task>) in the control plane's token store under LEPTON_HOME, the same tokens
 * `lep token create --scope fl:<task>` issues; `--issue-token` creates one there directly.
 */
import { type Command } from 'commander';
import { configFromEnv } from '../../core/config.js';
import { invalidArgument } from '../../core/errors.js';
import { loadDataset, subset } from '../../data/index.js';
import { Store } from '../../deploy/store.js';
import { SqliteTokenStore } from '../../deploy/token-store-sqlite.js';
import { FlClient } from '../../federated/client.js';
import { resolveArch } from '../../federated/model.js';
import { parsePartition, partition, type PartitionSpec } from '../../federated/partition.js';
import { FlServer } from '../../federated/server.js';
import { simulate } from '../../federated/simulate.js';
import { STRATEGY_NAMES, makeStrategy, type StrategyOptions } from '../../federated/strategy.js';
import { issueToken } from '../../secure/index.js';
import { out, runCommand } from '../output.js';
import { parseNum, parsePosInt, isPositive } from '../options.js';

interface Common {
  strategy: string;
  mu?: string;
  serverLr?: string;
  epochs: string;
  batch: string;
  lr: string;
  insecureAggregation?: boolean;
  dpClip?: string;
  dpNoise?: string;
  seed: string;
}

function common(c: Command): Command {
  return c
    .option('--strategy <name>', STRATEGY_NAMES.join(' | '), 'fedavg')
    .option('--mu <x>', 'FedProx proximal μ (default 0.01)')
    .option('--server-lr <x>', 'FedAdam server learning rate η (default 0.01)')
    .option('--epochs <n>', 'local epochs E per round', '1')
    .option('--batch <n>', 'local batch size B', '10')
    .option('--lr <x>', 'client SGD learning rate', '0.05')
    .option('--insecure-aggregation', 'turn secure aggregation off (the server then sees each update)')
    .option('--dp-clip <C>', 'differential privacy: clip each update to L2 norm C')
    .option('--dp-noise <sigma>', 'differential privacy: noise multiplier σ (std σ·C on the sum)')
    .option('--seed <n>', 'seed of the initial model and client selection', '0');
}

function strategyOf(f: Common) {
  const o: StrategyOptions = {};
  const mu = parseNum(f.mu, '--mu', (n) => n >= 0, 'a number ≥ 0');
  const lr = parseNum(f.serverLr, '--server-lr', isPositive, 'a positive number');
  if (mu !== undefined) o.mu = mu;
  if (lr !== undefined) o.lr = lr;
  return makeStrategy(f.strategy, o);
}

function dpOf(f: Common) {
  if ((f.dpClip === undefined) !== (f.dpNoise === undefined)) throw invalidArgument('--dp-clip and --dp-noise go together');
  if (f.dpClip === undefined) return undefined;
  return { clip: parseNum(f.dpClip, '--dp-clip', isPositive, 'a positive number'), noise: parseNum(f.dpNoise!, '--dp-noise', (n) => n >= 0, 'a number ≥ 0') };
}

const local = (f: Common) => ({ epochs: parsePosInt(f.epochs, '--epochs'), batchSize: parsePosInt(f.batch, '--batch'), lr: parseNum(f.lr, '--lr', isPositive, 'a positive number') });

function partitionOf(f: { partition?: string; alpha?: string; shards?: string }): PartitionSpec {
  if (f.alpha !== undefined) return { kind: 'dirichlet', alpha: parseNum(f.alpha, '--alpha', isPositive, 'a positive number') };
  if (f.shards !== undefined) return { kind: 'shards', perClient: parsePosInt(f.shards, '--shards') };
  return parsePartition(f.partition ?? 'iid');
}

export function register(program: Command): void {
  const fl = program.command('fl').description('federated learning: server, client and loopback simulation (FedAvg, FedProx, FedAdam; secure aggregation on by default)');

  common(fl.command('server').description('run a federated server for a task'))
    .requiredOption('--task <name>', 'task name; clients need a token with scope fl:<task>')
    .option('--model-spec <arch|file>', 'mlp | cnn | 2nn | path to a JSON model spec', '2nn')
    .option('--rounds <n>', 'rounds R', '10')
    .option('--clients-per-round <n>', 'clients selected per round K', '10')
    .option('--min-clients <n>', 'fewest updates a round aggregates (else it is retried) M', '2')
    .option('--deadline <s>', 'per-phase deadline in seconds', '120')
    .option('--dataset <name>', 'test set to evaluate on after each round (mnist, mnist-small, fashion-mnist)')
    .option('--out <dir>', 'checkpoint folder (resumes from it after a restart)')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', '7070')
    .option('--issue-token <name>', 'issue an fl:<task> token in the token store and print it once')
    .action((f: Common & { task: string; modelSpec: string; rounds: string; clientsPerRound: string; minClients: string; deadline: string; dataset?: string; out?: string; host: string; port: string; issueToken?: string }) =>
      runCommand(async () => {
        const tokens = new SqliteTokenStore(new Store(configFromEnv().home).db);
        if (f.issueToken !== undefined) {
          const t = await issueToken(tokens, { name: f.issueToken, scopes: [`fl:${f.task}`] });
          out.info(`issued token ${t.record.id} with scope fl:${f.task} (shown once):`);
          out.line(t.token);
        }
        const dp = dpOf(f);
        const server = new FlServer({
          task: f.task,
          arch: resolveArch(f.modelSpec),
          rounds: parsePosInt(f.rounds, '--rounds'),
          clientsPerRound: parsePosInt(f.clientsPerRound, '--clients-per-round'),
          minClients: parsePosInt(f.minClients, '--min-clients'),
          strategy: strategyOf(f),
          tokens,
          local: local(f),
          secure: f.insecureAggregation !== true,
          deadlineMs: parseNum(f.deadline, '--deadline', isPositive, 'a positive number') * 1000,
          seed: Number(f.seed),
          ...(f.out !== undefined && { checkpointDir: f.out }),
          ...(f.dataset !== undefined && { test: loadDataset(f.dataset).test }),
          ...(dp && { dp }),
          onRound: (r) => out.info(`round ${r.round}: acc ${r.accuracy === undefined ? '-' : (r.accuracy * 100).toFixed(2) + '%'} clients ${r.clients}/${r.selected} ${r.seconds.toFixed(1)}s${r.dpNoiseStd !== undefined ? ` dp σ=${r.dpNoiseMultiplier} std ${r.dpNoiseStd.toExponential(2)}` : ''}`),
        });
        const url = await server.listen(f.host, parsePosInt(f.port, '--port'));
        out.info(`federated server for task ${f.task} on ${url} (${server.round} rounds done so far)`);
        try {
          const history = await server.run();
          await server.drain();
          out.json({ rounds: history.length, final: history.at(-1) });
        } finally {
          await server.close();
        }
      }),
    );

  fl.command('client')
    .description('run one federated client on a slice of a dataset')
    .requiredOption('--server <url>', 'federated server URL')
    .requiredOption('--token <t>', 'token with scope fl:<task> (or env LEPTON_FL_TOKEN)', process.env['LEPTON_FL_TOKEN'])
    .requiredOption('--partition <i/N>', 'this client holds slice i of N (0-based)')
    .option('--dataset <name>', 'mnist | mnist-small | fashion-mnist', 'mnist')
    .option('--split <kind>', 'iid | dirichlet:<a> | shards:<s>', 'iid')
    .option('--alpha <a>', 'Dirichlet α (same as --split dirichlet:<a>)')
    .option('--shards <s>', 'shards per client (same as --split shards:<s>)')
    .option('--id <name>', 'client id (default client-<i>)')
    .option('--seed <n>', 'partition seed (must match the other clients)', '0')
    .action((f: { server: string; token: string; partition: string; dataset: string; split: string; alpha?: string; shards?: string; id?: string; seed: string }) =>
      runCommand(async () => {
        const m = /^(\d+)\/(\d+)$/.exec(f.partition);
        if (!m || Number(m[1]) >= Number(m[2])) throw invalidArgument('--partition must be i/N with 0 ≤ i < N');
        const [i, n] = [Number(m[1]), Number(m[2])];
        const { train } = loadDataset(f.dataset);
        const parts = partition(train.y, train.numClasses, n, partitionOf({ partition: f.split, ...(f.alpha !== undefined && { alpha: f.alpha }), ...(f.shards !== undefined && { shards: f.shards }) }), Number(f.seed));
        const data = subset(train, parts[i]!);
        out.info(`client ${f.id ?? `client-${i}`}: ${data.n} local examples`);
        const r = await new FlClient({ server: f.server.replace(/\/$/, ''), token: f.token, clientId: f.id ?? `client-${i}`, data, seed: Number(f.seed) + i, onRoundDone: (round, loss) => out.info(`round ${round}: local loss ${loss.toFixed(4)}`) }).run();
        out.json(r);
      }),
    );

  common(fl.command('simulate').description('simulate a federated run on loopback: real server, real HTTP clients in worker threads'))
    .option('--clients <n>', 'number of clients', '100')
    .option('--fraction <C>', 'fraction of clients per round', '0.1')
    .option('--partition <p>', 'iid | dirichlet:<alpha> | shards:<per-client>', 'iid')
    .option('--rounds <n>', 'rounds R', '10')
    .option('--dataset <name>', 'mnist | mnist-small', 'mnist')
    .option('--arch <name>', 'mlp | cnn | 2nn', '2nn')
    .option('--target <acc>', 'accuracy for rounds-to-target', '0.97')
    .option('--workers <n>', 'worker threads running clients', '2')
    .requiredOption('--out <dir>', 'folder for metrics.json, accuracy.svg/png and the checkpoint')
    .action((f: Common & { clients: string; fraction: string; partition: string; rounds: string; dataset: string; arch: string; target: string; workers: string; out: string }) =>
      runCommand(async () => {
        const dp = dpOf(f);
        const strategy = strategyOf(f);
        const m = await simulate({
          clients: parsePosInt(f.clients, '--clients'),
          fraction: parseNum(f.fraction, '--fraction', (n) => n > 0 && n <= 1, 'in (0, 1]'),
          partition: parsePartition(f.partition),
          rounds: parsePosInt(f.rounds, '--rounds'),
          dataset: f.dataset,
          arch: f.arch,
          strategy: strategy.name,
          strategyOptions: { ...(f.mu !== undefined && { mu: Number(f.mu) }), ...(f.serverLr !== undefined && { lr: Number(f.serverLr) }) },
          ...local(f),
          secure: f.insecureAggregation !== true,
          target: parseNum(f.target, '--target', (n) => n > 0 && n <= 1, 'in (0, 1]'),
          workers: parsePosInt(f.workers, '--workers'),
          seed: Number(f.seed),
          out: f.out,
          ...(dp && { dp }),
          onProgress: (line) => out.info(line),
        });
        out.json({ roundsToTarget: m.roundsToTarget, target: m.target, finalAccuracy: m.finalAccuracy, secondsPerRound: m.secondsPerRound, bytesPerClientPerRound: m.bytes.perClientPerRound, out: f.out });
      }),
    );
}
