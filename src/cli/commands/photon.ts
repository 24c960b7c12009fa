/**
 * `lep photon create|list|remove|run`: package a model into the registry, inspect it, delete it,
 * or serve it. LEPTON_HOME is read here (configFromEnv), never below the CLI.
 */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { configFromEnv } from '../../core/config.js';
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { createPhoton, parseImageSpec } from '../../photon/create.js';
import { NAME_RULE, parseRef, validName } from '../../photon/manifest.js';
import { PhotonRegistry } from '../../photon/registry.js';
import { exportWeb } from '../../photon/web-export.js';
import { holdLifeline } from '../../serve/lifeline.js';
import { runReplica } from '../../serve/replica.js';
import { type ReplicaConfig } from '../../serve/replica-launcher.js';
import { cliPhotonCodec } from '../master-key.js';
import { exampleFromFile, metricsBeside } from '../photon-examples.js';
import { out, runCommand } from '../output.js';
import { intInRange } from '../options.js';

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

function labelsFrom(f: { labels?: string; labelsFile?: string }): string[] | undefined {
  if (f.labels !== undefined && f.labelsFile !== undefined) throw invalidArgument('give --labels or --labels-file, not both');
  if (f.labels !== undefined) return f.labels.split(',').map((s) => s.trim());
  if (f.labelsFile !== undefined) {
    const text = new TextDecoder().decode(readFile(f.labelsFile, 'labels file'));
    return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  }
  return undefined;
}

interface CreateFlags { name: string; model: string; labels?: string; labelsFile?: string; image?: string; handler?: string; setVersion?: string; maxBatch?: string; maxWaitMs?: string; example: string[]; metrics?: string }
interface RunFlags { name?: string; model?: string; port: string; host: string; maxBatch?: string; maxWaitMs?: string; maxQueue?: string; threads?: string; engine: string; replicaId?: string; p99TargetMs?: string; timeoutMs?: string }

export function register(program: Command): void {
  const photon = program.command('photon').description('package models as photons, list, remove and serve them');

  photon
    .command('create')
    .description('package an ONNX model (plus labels, image preprocessing, handler) into the registry')
    .requiredOption('--name <name>', 'photon name: letters, digits, _ . - (the name OIP clients call)')
    .requiredOption('--model <file>', 'ONNX model file')
    .option('--labels <a,b,c>', 'class labels, comma separated')
    .option('--labels-file <file>', 'class labels, one per line')
    .option('--image <WxH[:gray|rgb]>', 'accept images: decode, resize to WxH, grayscale or RGB, scale to [0,1]')
    .option('--handler <file>', 'ES module exporting a handler (routes / postprocess)')
    .option('--set-version <v>', 'version (default: the next integer)')
    .option('--max-batch <n>', 'default max batch when served')
    .option('--max-wait-ms <ms>', 'default max wait when served')
    .option('--example <file>', 'an example input the console offers: an image (with --image) or a JSON array of numbers; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--metrics <file>', "the model's training metrics (JSON; default: metrics.json beside --model, when there)")
    .action((f: CreateFlags) =>
      runCommand(async () => {
        if (!validName(f.name)) throw invalidArgument(`--name '${f.name}' must be ${NAME_RULE}`);
        const cfg = configFromEnv();
        const codec = cliPhotonCodec(cfg.home);
        const registry = new PhotonRegistry({ home: cfg.home, ...(codec ? { codec } : {}) });
        const labels = labelsFrom(f);
        const maxBatch = intInRange(f.maxBatch, '--max-batch', 1, 65536);
        const maxWaitMs = intInRange(f.maxWaitMs, '--max-wait-ms', 0, 10000);
        const image = f.image ? parseImageSpec(f.image) : undefined;
        const examples = [];
        for (const file of f.example) examples.push(await exampleFromFile(file, image));
        const metrics = metricsBeside(f.model, f.metrics);
        const { archive, manifest } = await createPhoton({
          name: f.name,
          version: f.setVersion ?? registry.nextVersion(f.name),
          model: readFile(f.model, 'model'),
          ...(labels ? { labels } : {}),
          ...(image ? { image } : {}),
          ...(f.handler ? { handlerSource: readFile(f.handler, 'handler') } : {}),
          ...(examples.length > 0 ? { examples } : {}),
          ...(metrics ? { metrics } : {}),
          batching: { ...(maxBatch === undefined ? {} : { maxBatch }), ...(maxWaitMs === undefined ? {} : { maxWaitMs }) },
        });
        const entry = await registry.add(archive);
        out.line(`created ${manifest.name}@${manifest.version} sha256:${entry.sha256.slice(0, 12)} (${entry.bytes} bytes)`);
      }),
    );

  photon
    .command('list')
    .description('list photons and their versions')
    .option('--json', 'print JSON')
    .action((f: { json?: boolean }) =>
      runCommand(() => {
        const list = new PhotonRegistry({ home: configFromEnv().home }).list();
        if (f.json) return out.json(list);
        if (list.length === 0) return out.line('no photons yet; create one with: lep photon create --name NAME --model FILE.onnx');
        out.line(['NAME'.padEnd(24), 'VERSION'.padEnd(9), 'SIZE'.padStart(10), '  SHA256        CREATED'].join(' '));
        for (const p of list) {
          for (const v of p.versions) {
            out.line([p.name.padEnd(24), v.version.padEnd(9), String(v.bytes).padStart(10), ` ${v.sha256.slice(0, 12)}  ${v.created}`].join(' '));
          }
        }
      }),
    );

  photon
    .command('export')
    .description('write a photon as a static web folder that runs it offline in a browser (onnxruntime-web)')
    .requiredOption('--web <dir>', 'the folder to write (new or empty)')
    .argument('<ref>', 'NAME or NAME@VERSION')
    .action((ref: string, f: { web: string }) =>
      runCommand(async () => {
        parseRef(ref);
        const cfg = configFromEnv();
        const codec = cliPhotonCodec(cfg.home);
        const loaded = await new PhotonRegistry({ home: cfg.home, ...(codec ? { codec } : {}) }).load(ref);
        const r = exportWeb(f.web, loaded);
        out.line(`wrote ${loaded.ref} to ${r.dir} (${r.files.length} files); serve it with any static server, e.g. python3 -m http.server -d ${r.dir}`);
      }),
    );

  photon
    .command('remove')
    .description('remove a photon (all versions) or one version')
    .argument('<ref>', 'NAME or NAME@VERSION')
    .action((ref: string) =>
      runCommand(async () => {
        parseRef(ref);
        const removed = await new PhotonRegistry({ home: configFromEnv().home }).remove(ref);
        out.line(`removed ${ref.split('@')[0]}@${removed.map((r) => r.version).join(', ')}`);
      }),
    );

  photon
    .command('run')
    .description('serve a photon (or a bare ONNX model) over HTTP')
    .option('--name <ref>', 'photon NAME or NAME@VERSION from the registry')
    .option('--model <file>', 'serve an ONNX file directly')
    .option('--port <n>', 'port (0 = any free port)', '8080')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--max-batch <n>', 'most rows per engine run')
    .option('--max-wait-ms <ms>', 'longest wait for a batch to fill')
    .option('--max-queue <n>', 'queued rows before 429')
    .option('--timeout-ms <ms>', 'per-request deadline (504 after)')
    .option('--p99-target-ms <ms>', 'adaptive batching: pick the wait to meet this p99')
    .option('--threads <n>', 'engine intra-op threads')
    .option('--engine <name>', 'ort | native', 'ort')
    .option('--replica-id <id>', 'x-lepton-replica value (default hostname:pid)')
    .action((f: RunFlags) =>
      runCommand(async () => {
        // Before any model or engine loads: a replica whose supervisor died, even while this
        // process was still starting, exits instead of serving on. runReplica then drains instead.
        holdLifeline((why) => {
          out.info(`${why}: supervisor gone before the server started; exiting`);
          process.exit(0);
        });
        if ((f.name === undefined) === (f.model === undefined)) throw invalidArgument('give exactly one of --name NAME[@VERSION] or --model FILE.onnx');
        if (f.engine !== 'ort' && f.engine !== 'native') throw invalidArgument(`--engine must be ort or native, got ${f.engine}`);
        const cfg = configFromEnv();
        const batching = {
          ...(f.maxBatch === undefined ? {} : { maxBatch: intInRange(f.maxBatch, '--max-batch', 1, 65536)! }),
          ...(f.maxWaitMs === undefined ? {} : { maxWaitMs: intInRange(f.maxWaitMs, '--max-wait-ms', 0, 10000)! }),
          ...(f.maxQueue === undefined ? {} : { maxQueue: intInRange(f.maxQueue, '--max-queue', 1, 1_000_000)! }),
          ...(f.timeoutMs === undefined ? {} : { timeoutMs: intInRange(f.timeoutMs, '--timeout-ms', 1, 3_600_000)! }),
          ...(f.p99TargetMs === undefined ? {} : { p99TargetMs: intInRange(f.p99TargetMs, '--p99-target-ms', 1, 60_000)! }),
        };
        const threads = intInRange(f.threads, '--threads', 1, 256);
        // The same config a launched replica gets (serve/replica-launcher.ts), served in the foreground.
        const config: ReplicaConfig = {
          ...(f.name ? { ref: f.name, home: cfg.home } : { modelFile: f.model! }),
          host: f.host,
          port: intInRange(f.port, '--port', 0, 65535)!,
          engine: f.engine,
          batching,
          ...(threads === undefined ? {} : { threads }),
          ...(f.replicaId ? { replicaId: f.replicaId } : {}),
        };
        const codec = f.name ? cliPhotonCodec(cfg.home) : undefined;
        const handle = await runReplica(config, {
          home: cfg.home,
          logger: createLogger({ level: cfg.logLevel, name: 'serve' }),
          ...(codec ? { codec } : {}),
          onStopped: (why) => {
            out.info(`${why}: drained, stopped`);
            process.exit(0);
          },
        });
        const example = handle.context.manifest.inputs[0];
        const width = example?.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1) ?? 1;
        out.line(`serving ${handle.ref} at ${handle.url} (replica ${handle.replicaId})`);
        out.info(
          `try: python3 -c 'import json; print(json.dumps({"inputs": [[0.5] * ${width}]}))' | curl -s ${handle.url}/predict -H 'content-type: application/json' -d @-`,
        );
        await new Promise(() => {}); // serve until a signal
      }),
    );
}
