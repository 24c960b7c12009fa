// safetensors encode/decode, validation of damaged files, and checkpoint save → load → same model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { LeptonError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { encodeSafetensors, decodeSafetensors, type SafeTensor } from './safetensors.js';
import { saveCheckpoint, loadCheckpoint, modelFromCheckpoint, parseCheckpoint } from './checkpoint.js';
import { buildModule } from './layer-registry.js';
import { namedArch } from './architectures.js';
import { Adam } from './optim/adam.js';

const corrupt = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE' && re.test(e.message));

function sample(): Uint8Array {
  const t = new Map<string, SafeTensor>([
    ['a', { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['b', { dtype: 'I64', shape: [1], data: BigInt64Array.from([7n]) }],
    ['c', { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) }],
  ]);
  return encodeSafetensors(t, { note: 'hi' });
}

test('safetensors round trip: header layout, alignment, dtypes, metadata', () => {
  const bytes = sample();
  const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + hlen) % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + hlen)).toString()) as Record<string, { data_offsets: number[] }>;
  assert.deepEqual(header['a']!.data_offsets, [0, 16]);
  assert.deepEqual(header['b']!.data_offsets, [16, 24]);
  const f = decodeSafetensors(bytes);
  assert.deepEqual(Array.from(f.tensors.get('a')!.data as Float32Array), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(f.tensors.get('b')!.data as BigInt64Array), [7n]);
  assert.deepEqual(f.tensors.get('c')!.shape, [3]);
  assert.equal(f.metadata['note'], 'hi');
});

test('damaged files are LEPTON_ERR_CORRUPT_FILE', () => {
  const good = sample();
  corrupt(() => decodeSafetensors(good.subarray(0, 5)), /too short/);
  corrupt(() => decodeSafetensors(good.subarray(0, good.length - 3)), /truncated|trailing|ends at/);
  const big = good.slice();
  new DataView(big.buffer).setBigUint64(0, 1n << 40n, true);
  corrupt(() => decodeSafetensors(big), /header length/);
  const withHeader = (h: unknown, data = 16) => {
    const j = Buffer.from(JSON.stringify(h));
    const out = new Uint8Array(8 + j.length + data);
    new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
    out.set(j, 8);
    return out;
  };
  corrupt(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12)), /overlap/);
  corrupt(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)), /ends at/);
  corrupt(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } })), /needs 12/);
  corrupt(() => decodeSafetensors(withHeader({ a: { dtype: 'X9', shape: [4], data_offsets: [0, 16] } })), /dtype/);
  corrupt(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } })), /gap/);
  corrupt(() => decodeSafetensors(withHeader([1, 2])), /object/);
  const notJson = good.slice();
  notJson[8] = 0x7b + 1;
  corrupt(() => decodeSafetensors(notJson), /JSON/);
});

test('checkpoint save → load rebuilds the same model, with optimizer state for resuming', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-ckpt-'));
  try {
    const arch = namedArch('mlp');
    const model = buildModule(arch.model, { rng: new Rng(4) });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    for (const p of model.parameters()) p.gradBuffer().fill(0.1);
    opt.step();
    const path = join(dir, 'model.safetensors');
    saveCheckpoint(path, model, arch, { optimizer: opt, metadata: { epoch: '1' } });
    const ck = loadCheckpoint(path);
    assert.deepEqual(ck.arch, arch);
    assert.equal(ck.optimizerStep, 1);
    assert.equal(ck.metadata['epoch'], '1');
    assert.equal(ck.optimizerState.size, 8); // 4 params × (exp_avg, exp_avg_sq)
    const { model: back } = modelFromCheckpoint(ck);
    const x = Tensor.uniform([2, 784], new Rng(5), 0, 1);
    assert.deepEqual(back.forward(x).toArray(), model.forward(x).toArray());
    // Names a PyTorch nn.Sequential would use.
    assert.deepEqual([...ck.state.keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
    const bytes = readFileSync(path);
    assert.throws(() => parseCheckpoint(bytes.subarray(0, bytes.length - 100)), /CORRUPT|truncated|ends at/);
    assert.throws(() => loadCheckpoint(join(dir, 'missing.safetensors')), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
