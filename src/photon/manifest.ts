/**
 * The `photon.json` manifest: the schema of a packaged model (files with sha256, input/output
 * schema, preprocessing, labels, batching, handler, optional training metrics and example inputs)
 * and its validation, with messages a user can act on.
 */
import { MODEL_NAME_PATTERN } from '../core/names.js';
import { LeptonError } from '../core/errors.js';

export const MANIFEST_FILE = 'photon.json';
export const MANIFEST_SCHEMA = 1;

/**
 * Photon names follow the model name rule (src/core/names.ts): Triton's `[A-Za-z0-9_.-]`, a letter
 * or digit first, so the name a file or model has is the name OIP clients call. They are only
 * keys of the registry index (objects are stored by sha256), never file names.
 */
export const NAME_PATTERN = MODEL_NAME_PATTERN;
/** How the name rule reads in messages. */
export const NAME_RULE = 'letters, digits, _ . and -, starting with a letter or digit, at most 128 characters';
/** Versions: 1, 2, 1.4 or 1.4.2, with an optional -prerelease tag. */
export const VERSION_PATTERN = /^[0-9]{1,9}(\.[0-9]{1,9}){0,2}(-[0-9a-z.]{1,32})?$/;
/** Paths inside an archive: relative, forward slashes, no dot segments. */
const PATH_PATTERN = /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/;

export interface TensorSpec {
  name: string;
  dtype: string;
  /** Dims; a string marks a dynamic dim (the batch, usually 'N'). */
  shape: Array<number | string>;
}

export interface ImagePreprocess {
  width: number;
  height: number;
  channels: 1 | 3;
  /** 'unit' scales to [0,1]; mean/std normalise per channel after that. Default 'unit'. */
  normalize?: 'unit' | { mean: number[]; std: number[] };
}

export interface BatchingSettings {
  /** Largest batch one engine run takes. Default 64. */
  maxBatch: number;
  /** Longest a request waits for its batch to fill, in ms. Default 2. */
  maxWaitMs: number;
  /** Queued items beyond which requests get 429. Default 1024. */
  maxQueue: number;
  /** Per-request deadline in ms; on expiry 504 and the item is dropped. Default 30000. */
  timeoutMs: number;
  /** When set, the wait adapts to meet this p99 latency target (ms) instead of using maxWaitMs. */
  p99TargetMs?: number;
}

export interface FileEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface PhotonManifest {
  schema: typeof MANIFEST_SCHEMA;
  name: string;
  version: string;
  /** ISO 8601 creation time. */
  created: string;
  description?: string;
  /** Path (in `files`) of the ONNX model the server loads. */
  model: string;
  files: FileEntry[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  image?: ImagePreprocess;
  labels?: string[];
  batching: BatchingSettings;
  /** Path (in `files`) of an ES module exporting a PhotonHandler. */
  handler?: string;
  /** false turns off POST /explain for this photon (attributions can reveal model internals). Default on. */
  explain?: boolean;
  /** Where the model came from when a platform job made it: the job, its dataset, what it measured. */
  provenance?: Provenance;
  /** What the model measured when it was trained (metrics.json's numbers, e.g. accuracy, test_loss). */
  metrics?: Record<string, number>;
  /** Example inputs (the console's playground offers them): each one row of the first input, flat. */
  examples?: PhotonExample[];
}

export interface PhotonExample {
  name: string;
  /** One row of the first input, flattened (784 values for a 28×28 gray image), preprocessed as the model takes it. */
  data: number[];
  /** The expected answer, when known. */
  label?: string;
}

/** At most this many examples, each at most this many values (a 224×224 RGB image is 150,528). */
export const MAX_EXAMPLES = 16;
export const MAX_EXAMPLE_VALUES = 200_000;

function checkMetrics(c: Checker, m: unknown): void {
  c.need(isObj(m) && Object.keys(m).length <= 64 && Object.values(m).every((v) => typeof v === 'number' && Number.isFinite(v)), 'metrics must be {name: finite number} with at most 64 entries');
}

function checkExamples(c: Checker, ex: unknown, inputs: unknown): void {
  if (!c.need(Array.isArray(ex) && ex.length <= MAX_EXAMPLES, `examples must be an array of at most ${MAX_EXAMPLES}`)) return;
  // the per-row size of the first input, when its dims after the batch are fixed
  const shape = Array.isArray(inputs) && isObj(inputs[0]) && Array.isArray(inputs[0]['shape']) ? (inputs[0]['shape'] as unknown[]).slice(1) : [];
  const per = shape.every((d) => Number.isInteger(d) && (d as number) > 0) ? shape.reduce<number>((a, d) => a * (d as number), 1) : undefined;
  (ex as unknown[]).forEach((e, i) => {
    const ok = isObj(e) && typeof e['name'] === 'string' && e['name'].length > 0 && e['name'].length <= 100 && Array.isArray(e['data']) && e['data'].length > 0
      && e['data'].length <= MAX_EXAMPLE_VALUES && e['data'].every((v) => typeof v === 'number' && Number.isFinite(v)) && (e['label'] === undefined || (typeof e['label'] === 'string' && e['label'].length <= 200));
    if (!c.need(ok, `examples[${i}] must be {name, data: [finite numbers], label?}`)) return;
    const n = ((e as Record<string, unknown>)['data'] as unknown[]).length;
    if (per !== undefined) c.need(n === per, `examples[${i}] has ${n} values; the first input takes ${per} per row`);
  });
}

export interface Provenance {
  job: string;
  dataset: string;
  metrics: Record<string, number>;
}

function checkProvenance(c: Checker, p: unknown): void {
  const ok = isObj(p) && typeof p['job'] === 'string' && p['job'].length <= 64 && typeof p['dataset'] === 'string' && p['dataset'].length <= 64
    && isObj(p['metrics']) && Object.keys(p['metrics']).length <= 64 && Object.values(p['metrics']).every((v) => typeof v === 'number' && Number.isFinite(v));
  c.need(ok, 'provenance must be {job, dataset, metrics: {name: number}}');
}

export const DEFAULT_BATCHING: BatchingSettings = { maxBatch: 64, maxWaitMs: 2, maxQueue: 1024, timeoutMs: 30_000 };

class Checker {
  readonly problems: string[] = [];
  need(ok: boolean, message: string): boolean {
    if (!ok) this.problems.push(message);
    return ok;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown, max = 2 ** 31): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= max;

export function validName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

export function validVersion(v: unknown): v is string {
  return typeof v === 'string' && VERSION_PATTERN.test(v);
}

export function validPath(p: unknown): p is string {
  return typeof p === 'string' && PATH_PATTERN.test(p);
}

function checkTensors(c: Checker, list: unknown, field: string): void {
  if (!c.need(Array.isArray(list) && list.length > 0, `${field} must be a non-empty array`)) return;
  (list as unknown[]).forEach((t, i) => {
    if (!c.need(isObj(t), `${field}[${i}] must be an object`)) return;
    const o = t as Record<string, unknown>;
    c.need(typeof o['name'] === 'string' && o['name'].length > 0, `${field}[${i}].name must be a non-empty string`);
    c.need(typeof o['dtype'] === 'string', `${field}[${i}].dtype must be a string`);
    c.need(
      Array.isArray(o['shape']) && o['shape'].every((d) => (typeof d === 'string' && d.length > 0) || (Number.isInteger(d) && (d as number) >= 0)),
      `${field}[${i}].shape must be an array of sizes or symbolic names`,
    );
  });
}

function checkImage(c: Checker, im: unknown): void {
  if (!c.need(isObj(im), 'image must be an object')) return;
  const o = im as Record<string, unknown>;
  c.need(isPosInt(o['width'], 16384) && isPosInt(o['height'], 16384), 'image.width and image.height must be integers in 1..16384');
  c.need(o['channels'] === 1 || o['channels'] === 3, 'image.channels must be 1 or 3');
  const n = o['normalize'];
  if (n !== undefined && n !== 'unit') {
    const ch = o['channels'] as number;
    const ok = isObj(n) && [n['mean'], n['std']].every((a) => Array.isArray(a) && a.length === ch && a.every((x) => typeof x === 'number' && Number.isFinite(x)));
    c.need(ok && (n['std'] as number[]).every((x) => x !== 0), `image.normalize must be 'unit' or {mean, std} with ${String(ch)} finite values (std non-zero)`);
  }
}

function checkBatching(c: Checker, b: unknown): void {
  if (!c.need(isObj(b), 'batching must be an object')) return;
  const o = b as Record<string, unknown>;
  c.need(isPosInt(o['maxBatch'], 65536), 'batching.maxBatch must be an integer in 1..65536');
  c.need(Number.isFinite(o['maxWaitMs']) && (o['maxWaitMs'] as number) >= 0 && (o['maxWaitMs'] as number) <= 10_000, 'batching.maxWaitMs must be in 0..10000');
  c.need(isPosInt(o['maxQueue'], 1_000_000), 'batching.maxQueue must be an integer in 1..1000000');
  c.need(isPosInt(o['timeoutMs'], 3_600_000), 'batching.timeoutMs must be an integer in 1..3600000');
  if (o['p99TargetMs'] !== undefined) c.need(Number.isFinite(o['p99TargetMs']) && (o['p99TargetMs'] as number) > 0, 'batching.p99TargetMs must be a positive number');
}

/** Validate an untrusted manifest object; throws LEPTON_ERR_INVALID_ARGUMENT listing every problem. */
export function validateManifest(raw: unknown): PhotonManifest {
  const c = new Checker();
  if (!isObj(raw)) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'photon.json must be a JSON object');
  const m = raw;
  c.need(m['schema'] === MANIFEST_SCHEMA, `schema must be ${MANIFEST_SCHEMA}`);
  c.need(validName(m['name']), `name must be ${NAME_RULE}`);
  c.need(validVersion(m['version']), `version must look like 1, 1.2 or 1.2.3`);
  c.need(typeof m['created'] === 'string' && !Number.isNaN(Date.parse(m['created'])), 'created must be an ISO date');
  if (m['description'] !== undefined) c.need(typeof m['description'] === 'string' && m['description'].length <= 2000, 'description must be a string of at most 2000 chars');
  const files = m['files'];
  const paths = new Set<string>();
  if (c.need(Array.isArray(files) && files.length > 0 && files.length <= 64, 'files must list 1..64 entries')) {
    (files as unknown[]).forEach((f, i) => {
      const o = isObj(f) ? f : {};
      const ok = validPath(o['path']) && typeof o['sha256'] === 'string' && /^[0-9a-f]{64}$/.test(o['sha256']) && Number.isInteger(o['bytes']) && (o['bytes'] as number) >= 0;
      if (c.need(ok, `files[${i}] needs a safe relative path, a hex sha256 and a byte count`)) {
        c.need(!paths.has(o['path'] as string) && o['path'] !== MANIFEST_FILE, `files[${i}].path is duplicated or reserved`);
        paths.add(o['path'] as string);
      }
    });
  }
  c.need(typeof m['model'] === 'string' && paths.has(m['model']), 'model must name one of files');
  if (m['handler'] !== undefined) c.need(typeof m['handler'] === 'string' && paths.has(m['handler']) && /\.(m?js)$/.test(m['handler']), 'handler must name a .js/.mjs file listed in files');
  checkTensors(c, m['inputs'], 'inputs');
  checkTensors(c, m['outputs'], 'outputs');
  if (m['image'] !== undefined) checkImage(c, m['image']);
  if (m['labels'] !== undefined) {
    c.need(Array.isArray(m['labels']) && m['labels'].length <= 100_000 && m['labels'].every((l) => typeof l === 'string' && l.length <= 200), 'labels must be an array of strings');
  }
  checkBatching(c, m['batching']);
  if (m['provenance'] !== undefined) checkProvenance(c, m['provenance']);
  if (m['metrics'] !== undefined) checkMetrics(c, m['metrics']);
  if (m['examples'] !== undefined) checkExamples(c, m['examples'], m['inputs']);
  if (m['explain'] !== undefined) c.need(typeof m['explain'] === 'boolean', 'explain must be true or false');
  if (c.problems.length > 0) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `invalid photon.json: ${c.problems.join('; ')}`, { details: { problems: c.problems } });
  }
  return raw as unknown as PhotonManifest;
}

/** Parse `name` or `name@version`. */
export function parseRef(ref: string): { name: string; version?: string } {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  if (!validName(name) || (version !== undefined && !validVersion(version))) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `'${ref}' is not a photon reference; use NAME or NAME@VERSION (name: ${NAME_RULE})`);
  }
  return version === undefined ? { name } : { name, version };
}

/** Order versions numerically part by part (1.10 after 1.9); prerelease sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [ca, pa] = a.split('-', 2) as [string, string | undefined];
  const [cb, pb] = b.split('-', 2) as [string, string | undefined];
  const xa = ca.split('.').map(Number);
  const xb = cb.split('.').map(Number);
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const d = (xa[i] ?? 0) - (xb[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa === pb) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return pa < pb ? -1 : 1;
}
