/**
 * `lep explain`: attributions for one input of an ONNX model or a registered photon, computed on the
 * native engine's op table with autograd (so any supported graph, including a PyTorch export).
 * Writes DIR/attributions.json and DIR/heatmap.png (the input with the attribution over it) and
 * prints the top class and, for integrated gradients, the completeness delta.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { configFromEnv } from '../../core/config.js';
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { makeDirs, writeFileAtomic } from '../../core/fs.js';
import {
  EXPLAIN_METHODS, IG_RULES, BASELINE_NAMES, argmax, explainerForOnnx, explainWithPicture, explanationJson, imageSample, isExplainMethod, numericSample,
  type BaselineName, type ExplainOptions, type ImageSpec, type IntegrationRule,
} from '../../explain/index.js';
import { PhotonRegistry } from '../../photon/registry.js';
import { cliPhotonCodec } from '../master-key.js';
import { out, runCommand } from '../output.js';
import { parseNum, parsePosInt } from '../options.js';

interface Flags {
  model?: string;
  photon?: string;
  image?: string;
  input?: string;
  method: string;
  target?: string;
  steps?: string;
  baseline: string;
  rule: string;
  window?: string;
  stride?: string;
  occludeWith?: string;
  out: string;
  json?: boolean;
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function loadModel(f: Flags): Promise<{ bytes: Uint8Array; image?: ImageSpec; labels?: string[]; name: string }> {
  if ((f.model === undefined) === (f.photon === undefined)) throw invalidArgument('give exactly one of --model FILE.onnx and --photon NAME[@VERSION]');
  if (f.model !== undefined) return { bytes: readFile(f.model, 'model'), name: f.model };
  const cfg = configFromEnv();
  const codec = cliPhotonCodec(cfg.home);
  const p = await new PhotonRegistry({ home: cfg.home, ...(codec ? { codec } : {}) }).load(f.photon!);
  if (p.manifest.explain === false) throw new LeptonError('LEPTON_ERR_FORBIDDEN', `photon ${p.ref} turns explanations off (explain: false in its manifest)`);
  return { bytes: p.files.get(p.manifest.model)!, ...(p.manifest.image && { image: p.manifest.image }), ...(p.manifest.labels && { labels: p.manifest.labels }), name: p.ref };
}

function methodOptions(f: Flags): ExplainOptions {
  if (!isExplainMethod(f.method)) throw invalidArgument(`--method must be one of ${EXPLAIN_METHODS.join(', ')}, got ${JSON.stringify(f.method)}`);
  if (!(BASELINE_NAMES as readonly string[]).includes(f.baseline)) throw invalidArgument(`--baseline must be one of ${BASELINE_NAMES.join(', ')}`);
  if (!(IG_RULES as readonly string[]).includes(f.rule)) throw invalidArgument(`--rule must be one of ${IG_RULES.join(', ')}`);
  const win = parsePosInt(f.window, '--window');
  const stride = parsePosInt(f.stride, '--stride');
  const target = parseNum(f.target, '--target', (n) => Number.isInteger(n) && n >= 0, 'a class index');
  const steps = parsePosInt(f.steps, '--steps');
  const fill = parseNum(f.occludeWith, '--occlude-with');
  return {
    method: f.method,
    baseline: f.baseline as BaselineName,
    rule: f.rule as IntegrationRule,
    ...(target !== undefined && { target }),
    ...(steps !== undefined && { steps }),
    ...(win !== undefined && { window: win }),
    ...(stride !== undefined && { stride }),
    ...(fill !== undefined && { baselineValue: fill }),
  };
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('attribute a prediction to the input (saliency, integrated gradients, occlusion); writes attributions.json and heatmap.png')
    .option('--model <file>', 'ONNX model (any graph the native engine supports)')
    .option('--photon <ref>', 'a registered photon, name or name@version')
    .option('--image <file>', 'input image (decoded as the photon/model expects)')
    .option('--input <file>', 'input as JSON numbers: [..] or {"inputs": [..]}')
    .option('--method <name>', EXPLAIN_METHODS.join(' | '), 'ig')
    .option('--target <k>', 'class to explain (default: the top class)')
    .option('--steps <n>', 'integrated gradients: integration points (default 64)')
    .option('--baseline <name>', `integrated gradients: ${BASELINE_NAMES.join(' | ')}`, 'zeros')
    .option('--rule <name>', `integrated gradients: ${IG_RULES.join(' | ')}`, 'riemann-middle')
    .option('--window <n>', 'occlusion: window side in pixels (default 4)')
    .option('--stride <n>', 'occlusion: stride (default: the window)')
    .option('--occlude-with <x>', 'occlusion: value of an occluded pixel (default 0)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--json', 'print the summary as JSON')
    .action((f: Flags) =>
      runCommand(async () => {
        const opts = methodOptions(f);
        if ((f.image === undefined) === (f.input === undefined)) throw invalidArgument('give exactly one of --image FILE and --input FILE.json');
        const model = await loadModel(f);
        const m = explainerForOnnx(model.bytes, model.image);
        let x: Float32Array;
        if (f.image !== undefined) {
          x = await imageSample(m, readFile(f.image, 'image'), model.image);
        } else {
          let raw: unknown;
          try {
            raw = JSON.parse(Buffer.from(readFile(f.input!, 'input')).toString('utf8'));
          } catch (err) {
            throw err instanceof LeptonError ? err : new LeptonError('LEPTON_ERR_INVALID_JSON', `${f.input} is not valid JSON`, { cause: err });
          }
          x = numericSample(m, raw);
        }
        const t0 = performance.now();
        const { explanation: e, png } = await explainWithPicture(m, x, opts);
        const seconds = (performance.now() - t0) / 1000;
        makeDirs(f.out);
        const top = argmax(e.scores);
        const label = (k: number) => model.labels?.[k] ?? String(k);
        const files = { attributions: join(f.out, 'attributions.json'), ...(png && { heatmap: join(f.out, 'heatmap.png') }) };
        writeFileAtomic(files.attributions, JSON.stringify({ model: model.name, top, topLabel: label(top), seconds, ...explanationJson(e) }) + '\n');
        if (png && files.heatmap) writeFileAtomic(files.heatmap, png);
        const summary = { top, topLabel: label(top), target: e.target, method: e.method, delta: e.delta ?? null, fx: e.fx ?? null, fBaseline: e.fBaseline ?? null, seconds, files };
        if (f.json) return out.json(summary);
        const rel = e.delta !== undefined && e.fx !== undefined && e.fBaseline !== undefined ? Math.abs(e.delta) / Math.max(1e-12, Math.abs(e.fx - e.fBaseline)) : undefined;
        out.line(
          `top class ${top} (${label(top)}, logit ${e.scores[top]!.toFixed(4)}); ${e.method} for class ${e.target}` +
            (e.delta !== undefined ? `; delta ${e.delta.toExponential(3)} (${(rel! * 100).toFixed(3)}% of F(x) − F(baseline) = ${(e.fx! - e.fBaseline!).toFixed(4)})` : '') +
            ` → ${Object.values(files).join(', ')}`,
        );
      }),
    );
}
