/**
 * Checkpoints: a model's state dict (PyTorch names, so `safetensors.torch.load_file` +
 * `load_state_dict` work on it) plus its architecture in the safetensors metadata, and optionally
 * the optimizer state (under "optimizer.*") to resume training exactly.
 */
import { readFileSync } from 'node:fs';
import { LeptonError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { type Rng } from '../core/rng.js';
import { type Module } from './module.js';
import { type Optimizer } from './optim/optimizer.js';
import { buildModule } from './layer-registry.js';
import { type ModelArch } from './spec.js';
import { encodeSafetensors, decodeSafetensors, type SafeTensor } from './safetensors.js';

const ARCH_KEY = 'lepton.arch';
const OPT_PREFIX = 'optimizer.';

export interface CheckpointExtras {
  /** Include this optimizer's state (for resuming). */
  optimizer?: Optimizer;
  /** Extra string metadata (epoch, accuracy…). */
  metadata?: Record<string, string>;
}

export interface Checkpoint {
  arch: ModelArch | null;
  /** Model tensors by state-dict name. */
  state: Map<string, { shape: number[]; data: Float32Array }>;
  /** Optimizer buffers by "<param index>.<name>", if saved. */
  optimizerState: Map<string, Float32Array>;
  optimizerStep: number;
  metadata: Record<string, string>;
}

/** Serialise a model (and optionally its optimizer) to safetensors bytes. */
export function checkpointBytes(model: Module, arch: ModelArch | null, extras: CheckpointExtras = {}): Uint8Array {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of model.stateDict()) tensors.set(name, { dtype: 'F32', shape: [...t.shape], data: t.data });
  const metadata: Record<string, string> = { format: 'pt', ...extras.metadata };
  if (arch) metadata[ARCH_KEY] = JSON.stringify(arch);
  if (extras.optimizer) {
    metadata['lepton.optimizer_step'] = String(extras.optimizer.stepCount);
    for (const [k, b] of extras.optimizer.stateTensors()) tensors.set(OPT_PREFIX + k, { dtype: 'F32', shape: [b.length], data: b });
  }
  return encodeSafetensors(tensors, metadata);
}

export function saveCheckpoint(path: string, model: Module, arch: ModelArch | null, extras: CheckpointExtras = {}): void {
  writeFileAtomic(path, checkpointBytes(model, arch, extras));
}

/** Parse checkpoint bytes. Non-F32 model tensors and a malformed arch are LEPTON_ERR_CORRUPT_FILE. */
export function parseCheckpoint(bytes: Uint8Array): Checkpoint {
  const f = decodeSafetensors(bytes);
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  const optimizerState = new Map<string, Float32Array>();
  for (const [name, t] of f.tensors) {
    if (!(t.data instanceof Float32Array)) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `checkpoint tensor '${name}' is ${t.dtype}; only F32 is supported`);
    }
    if (name.startsWith(OPT_PREFIX)) optimizerState.set(name.slice(OPT_PREFIX.length), t.data);
    else state.set(name, { shape: t.shape, data: t.data });
  }
  let arch: ModelArch | null = null;
  const raw = f.metadata[ARCH_KEY];
  if (raw !== undefined) {
    try {
      arch = JSON.parse(raw) as ModelArch;
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `checkpoint architecture is not valid JSON`, { cause: err });
    }
    if (typeof arch !== 'object' || arch === null || !Array.isArray(arch.inputShape) || typeof arch.model !== 'object') {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'checkpoint architecture lacks inputShape/model');
    }
  }
  return { arch, state, optimizerState, optimizerStep: Number(f.metadata['lepton.optimizer_step'] ?? 0), metadata: f.metadata };
}

export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `cannot read checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseCheckpoint(bytes);
}

/** Rebuild the model a checkpoint describes, with its weights. */
export function modelFromCheckpoint(ckpt: Checkpoint, rng?: Rng): { model: Module; arch: ModelArch } {
  if (!ckpt.arch) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'checkpoint has no architecture (lepton.arch metadata); load it into a model you build');
  const model = buildModule(ckpt.arch.model, rng ? { rng } : {});
  model.loadStateDict(ckpt.state);
  return { model, arch: ckpt.arch };
}
