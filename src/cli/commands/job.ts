/**
 * `lep job run|list|status|logs|cancel|rm|artifacts|download|export`: training and other jobs on the
 * platform, through the typed jobs client. `run` takes the kind and, after `--`, the same flags as
 * the matching `lep` command; the server checks them before queueing (a mistake is exit code 2).
 */
import { writeFileSync } from 'node:fs';
import { type Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { JobsClient, type Job } from '../../client/jobs.js';
import { loadToken, serverOf, type ServerFlag } from '../auth-client.js';
import { writeJobExport, type K8sFlags } from '../k8s-export.js';
import { out, runCommand } from '../output.js';
import { intInRange } from '../options.js';

export function jobsClient(f: ServerFlag): JobsClient {
  const token = loadToken();
  return new JobsClient(serverOf(f), { ...(token === undefined ? {} : { token }), timeoutMs: 60_000 });
}

const fmtNum = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v));

/** The job as a few readable lines: state, steps with timing and metrics, epochs, result. */
export function printJob(j: Job): void {
  const ended = j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled';
  out.line(`${j.id} ${j.kind} "${j.name}": ${j.state}${ended ? ` (exit code ${j.exitCode ?? '-'}): ${j.reason ?? ''}` : ''}`);
  for (const s of j.steps) {
    const m = Object.entries(s.metrics).map(([k, v]) => `${k} ${fmtNum(v)}`).join(', ');
    out.line(`  ${s.name.padEnd(9)} ${s.state.padEnd(9)} ${s.seconds === null ? '' : `${s.seconds.toFixed(1)} s`}${m ? `  ${m}` : ''}${s.reason && s.state !== 'succeeded' ? `  (${s.reason})` : ''}`);
  }
  for (const e of j.metrics) {
    out.line(`  ${e.step} epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}${e.testAccuracy === null ? '' : ` test_acc ${e.testAccuracy.toFixed(4)}`}`);
  }
  const result = Object.entries(j.result).map(([k, v]) => `${k} ${fmtNum(v)}`).join(', ');
  if (result) out.line(`  result: ${result}`);
}

/** Print the job's log as it comes until it ends; the exit code says how it ended (0 only for succeeded). */
export async function followJob(client: JobsClient, id: string, since = 0): Promise<Job | undefined> {
  let job: Job | undefined;
  for await (const e of client.follow(id, since)) {
    if (e.type === 'line') out.line(e.line.stream === 'system' ? `» ${e.line.line}` : e.line.line);
    else job = e.job;
  }
  if (job && job.state !== 'succeeded') process.exitCode = 1;
  return job;
}

interface RunFlags extends ServerFlag {
  name?: string;
  threads?: string;
  follow?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const job = program.command('job').description('run training, compression and optimisation jobs on the platform (lep up)');
  const server = (c: Command): Command => c.option('--server <url>', 'platform URL (default LEPTON_SERVER or http://127.0.0.1:8080)');

  server(
    job
      .command('run')
      .description('submit a job: lep job run train -- --dataset mnist --arch cnn --epochs 3 [--photon NAME]')
      .argument('<kind>', 'train | compress | optimize | pipeline')
      .argument('[args...]', 'after --: the flags of the matching lep command (--out is the job’s own)')
      .option('--name <name>', 'a label for the job')
      .option('--threads <n>', 'threads the job may use', '1')
      .option('--follow', 'print the log until the job ends; exit code 0 only if it succeeded')
      .option('--json', 'print the submitted job as JSON'),
  ).action((kind: string, args: string[], f: RunFlags) =>
    runCommand(async () => {
      const client = jobsClient(f);
      const threads = intInRange(f.threads, '--threads', 1, 1024);
      const j = await client.submit({ kind, args, ...(f.name ? { name: f.name } : {}), ...(threads === undefined ? {} : { resources: { threads } }) });
      if (f.json && !f.follow) return out.json(j);
      out.info(`submitted ${j.id} (${j.state}); follow it with: lep job logs ${j.id} --follow`);
      if (!f.follow) return out.line(j.id);
      const end = await followJob(client, j.id);
      if (end) printJob(end);
    }),
  );

  server(job.command('list').description('jobs, oldest first').option('--json', 'print JSON')).action((f: ServerFlag & { json?: boolean }) =>
    runCommand(async () => {
      const jobs = await jobsClient(f).list();
      if (f.json) return out.json(jobs);
      if (jobs.length === 0) return out.line('no jobs yet; submit one with: lep job run train -- --dataset mnist --epochs 3');
      out.line(['ID'.padEnd(16), 'KIND'.padEnd(9), 'STATE'.padEnd(10), 'CREATED'.padEnd(24), 'REASON'].join(' '));
      for (const j of jobs) out.line([j.id.padEnd(16), j.kind.padEnd(9), j.state.padEnd(10), j.createdAt.padEnd(24), j.reason ?? ''].join(' '));
    }),
  );

  server(job.command('status').description('a job: state, steps, per-epoch metrics, result').argument('<id>').option('--json', 'print JSON')).action((id: string, f: ServerFlag & { json?: boolean }) =>
    runCommand(async () => {
      const j = await jobsClient(f).get(id);
      if (f.json) return out.json(j);
      printJob(j);
    }),
  );

  server(
    job
      .command('logs')
      .description("a job's log (every line has a sequence number; --since resumes after one)")
      .argument('<id>')
      .option('--follow', 'keep printing until the job ends')
      .option('--since <seq>', 'only lines after this sequence number', '0'),
  ).action((id: string, f: ServerFlag & { follow?: boolean; since: string }) =>
    runCommand(async () => {
      const client = jobsClient(f);
      const since = intInRange(f.since, '--since', 0, Number.MAX_SAFE_INTEGER);
      if (f.follow) {
        await followJob(client, id, since);
        return;
      }
      for (const l of (await client.logs(id, { since })).lines) out.line(l.stream === 'system' ? `» ${l.line}` : l.line);
    }),
  );

  server(job.command('cancel').description('cancel: SIGTERM to the job’s processes, SIGKILL after a grace period').argument('<id>')).action((id: string, f: ServerFlag) =>
    runCommand(async () => printJob(await jobsClient(f).cancel(id))),
  );

  server(job.command('rm').description('remove an ended job with its log and artifacts').argument('<id>')).action((id: string, f: ServerFlag) =>
    runCommand(async () => out.line(`removed ${(await jobsClient(f).remove(id)).removed}`)),
  );

  server(job.command('artifacts').description('the files a job wrote').argument('<id>')).action((id: string, f: ServerFlag) =>
    runCommand(async () => {
      for (const a of await jobsClient(f).artifacts(id)) out.line(`${String(a.bytes).padStart(10)}  ${a.path}`);
    }),
  );

  server(job.command('export').description('write a train job as Kubernetes objects: an Indexed Job of --nnodes ranks + a headless Service (docs/scale-out.md)').argument('<id>'))
    .option('--k8s', 'Kubernetes objects (the only format)')
    .requiredOption('--nnodes <n>', 'ranks (pods) of the process group, 2 to 256')
    .option('--image <img>', 'runtime image built from the Containerfile')
    .option('--namespace <ns>', 'namespace of both objects (default default)')
    .option('--dist-secret <name>', 'Secret (key secret) with the ranks\' shared secret (default lepton-dist-secret)')
    .option('--out <dir>', 'directory to write into', '.')
    .action((id: string, f: ServerFlag & K8sFlags & { k8s?: boolean; nnodes: string; distSecret?: string; out: string }) =>
      runCommand(async () => {
        if (f.k8s !== true) throw invalidArgument('give --k8s (the only export format)');
        const nnodes = intInRange(f.nnodes, '--nnodes', 2, 256)!;
        writeJobExport(await jobsClient(f).get(id), nnodes, f, f.out);
      }),
    );

  server(job.command('download').description('download one artifact').argument('<id>').argument('<path>', 'as listed by lep job artifacts').requiredOption('--out <file>', 'where to write it')).action(
    (id: string, path: string, f: ServerFlag & { out: string }) =>
      runCommand(async () => {
        const bytes = await jobsClient(f).artifact(id, path);
        writeFileSync(f.out, bytes);
        out.line(`wrote ${f.out} (${bytes.length} bytes)`);
      }),
  );
}
