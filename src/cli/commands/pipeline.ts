/**
 * `lep pipeline run`: train → compress (optional) → evaluate → gate → register → deploy, as one
 * job on the platform. It prints the job's log as it runs and then each step with its timing and
 * metrics; the exit code is 0 only when every step passed (a failed gate is exit code 1).
 */
import { type Command } from 'commander';
import { type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';
import { intInRange } from '../options.js';
import { followJob, jobsClient, printJob } from './job.js';

interface Flags extends ServerFlag {
  name: string;
  train: string;
  compress?: string;
  minAccuracy: string;
  maxDrop?: string;
  deploy?: string;
  replicas?: string;
  canary?: string;
  threads?: string;
  detach?: boolean;
}

export function register(program: Command): void {
  const pipeline = program.command('pipeline').description('train → compress → evaluate → gate → register → deploy, as one job on the platform');
  pipeline
    .command('run')
    .description("e.g. lep pipeline run --name digits --train '--dataset mnist --arch cnn --epochs 3' --compress int8-dynamic --min-accuracy 0.978 --deploy digits")
    .requiredOption('--name <photon>', 'photon the model is registered as (its next version)')
    .requiredOption('--train <flags>', "lep train's flags, quoted as one argument (--out is the job's own)")
    .option('--compress <method>', 'compress the trained model with this method (see lep compress --help)')
    .requiredOption('--min-accuracy <x>', 'gate: held-out accuracy floor in [0, 1]')
    .option('--max-drop <x>', 'gate, with --compress: largest accuracy lost to compression (default 0.01)')
    .option('--deploy <deployment>', 'create this deployment, or roll it to the new version')
    .option('--replicas <n>', 'replicas when the deployment is created (default 1)')
    .option('--canary <percent>', 'send this share of traffic to the new version first (needs traffic splitting, which the platform does not have yet)')
    .option('--threads <n>', 'threads the job may use', '1')
    .option('--detach', 'submit and print the job id without following it')
    .option('--server <url>', 'platform URL (default LEPTON_SERVER or http://127.0.0.1:8080)')
    .action((f: Flags) =>
      runCommand(async () => {
        const args = ['--name', f.name, '--train', f.train, '--min-accuracy', f.minAccuracy];
        const optional: Array<[string, string | undefined]> = [
          ['--compress', f.compress],
          ['--max-drop', f.maxDrop],
          ['--deploy', f.deploy],
          ['--replicas', f.replicas],
          ['--canary', f.canary],
        ];
        for (const [k, v] of optional) if (v !== undefined) args.push(k, v);
        const client = jobsClient(f);
        const threads = intInRange(f.threads, '--threads', 1, 1024);
        const j = await client.submit({ kind: 'pipeline', name: f.name, args, ...(threads === undefined ? {} : { resources: { threads } }) });
        if (f.detach) return out.line(j.id);
        out.info(`pipeline ${j.id}: ${j.steps.map((s) => s.name).join(' → ')}`);
        const end = await followJob(client, j.id);
        if (end) printJob(end);
      }),
    );
}
