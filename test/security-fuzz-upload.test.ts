// Seeded fuzzing of compressed photon uploads (issue 21): archives with compression ratios from 1×
// to ~10000× (nested gzip), truncated gzip, lying tar headers, huge declared sizes, floods of tiny
// entries and bit flips. Each must be a 4xx error envelope, never a 5xx or a crash, and the platform
// keeps answering /healthz throughout. A failing case prints its seed and label, so it replays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createPhoton } from '../src/photon/create.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { startTestPlatform, type TestPlatform } from './platform-helpers.js';
import { MiB, TAR_END, gzipParts, postPhoton, settledRss, tarEntry, ustarHeader, watchHealth, zeros, type HealthWatch } from './upload-helpers.js';
import { mulberry32 } from './fixtures/mulberry32.fixture.js';

const SEED = Number(process.env['LEPTON_FUZZ_SEED'] ?? 2101);

const prng = mulberry32;

interface Case {
  label: string;
  body: Uint8Array;
  /** Uncompressed bytes behind the body, when known (to check the refusal reason of high ratios). */
  inflated?: number;
}

let p: TestPlatform;
before(async () => {
  p = await startTestPlatform();
});
after(async () => {
  await p.dispose();
});

async function buildCases(seed: number): Promise<Case[]> {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const noise = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  };
  const { manifest, archive: valid } = await createPhoton({ name: 'fuzz', version: '1', model: mlpModel(mlpWeights([4, 3], seed)) });
  const mj = Buffer.from(JSON.stringify(manifest));
  const cases: Case[] = [];

  // compression ratios 1× … ~1000× (deflate's ceiling): noise mixed with zeros in one entry
  for (let i = 0; i < 8; i++) {
    const target = 10 ** (rnd() * 3.2); // 1 … ~1600
    const size = int(256 * 1024, 16 * MiB);
    const noisy = Math.max(0, Math.min(size, Math.round(size / target)));
    const parts = [ustarHeader('photon.json', mj.length), mj, Buffer.alloc((512 - (mj.length % 512)) % 512), ustarHeader('model.onnx', size), noise(noisy), ...zeros(size - noisy)];
    if (size % 512 !== 0) parts.push(Buffer.alloc(512 - (size % 512)));
    parts.push(TAR_END);
    const inflated = parts.reduce((a, b) => a + b.length, 0);
    const body = await gzipParts(parts);
    cases.push({ label: `ratio ~${(inflated / body.length).toFixed(0)}× (${size} bytes)`, body, inflated });
  }
  // ~10000× and beyond: a gzip inside the gzip (the tar parser would inflate it again, unbounded)
  for (const size of [64 * MiB, 256 * MiB]) {
    const inner = await gzipParts([...tarEntry('model.onnx', size), TAR_END]);
    const body = gzipSync(inner);
    cases.push({ label: `nested gzip ${size / MiB} MiB in ${body.length} bytes (${(size / body.length).toFixed(0)}×)`, body });
  }
  // truncated gzip, of a valid photon and of a bomb
  for (let i = 0; i < 4; i++) cases.push({ label: `valid photon truncated #${i}`, body: valid.subarray(0, int(20, valid.length - 1)) });
  const bomb = await gzipParts([...tarEntry('model.onnx', 200 * MiB), TAR_END]);
  cases.push({ label: 'bomb truncated', body: bomb.subarray(0, int(1000, bomb.length - 10)) });
  // lying tar headers
  const model = Buffer.from(mlpModel(mlpWeights([4, 3], seed)));
  const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);
  const lie = (declared: number, data: Buffer, opts = {}): Buffer[] => [ustarHeader('photon.json', mj.length), mj, pad(mj.length), ustarHeader('model.onnx', declared, opts), data, pad(data.length), TAR_END];
  cases.push({ label: 'header declares fewer bytes than follow', body: await gzipParts(lie(int(1, model.length - 1), model)) });
  cases.push({ label: 'header declares more bytes than follow', body: await gzipParts(lie(model.length + int(513, 100_000), model)) });
  cases.push({ label: 'header declares 1 byte, 300 MiB of zeros follow', body: await gzipParts([...lie(1, Buffer.from('x')), ...zeros(300 * MiB)]) });
  cases.push({ label: 'bad header checksum', body: await gzipParts(lie(model.length, model, { badChecksum: true })) });
  cases.push({ label: 'size field is not octal', body: await gzipParts(lie(0, model, { sizeField: Buffer.from('zzzzzzzzzzz\0') })) });
  // huge declared sizes: octal maximum (8 GiB - 1) and base-256 (2^40, 2^62)
  cases.push({ label: 'declared 8 GiB (octal max)', body: await gzipParts(lie(0, model, { sizeField: Buffer.from('77777777777\0') })) });
  for (const exp of [40, 62]) {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeBigUInt64BE(2n ** BigInt(exp), 4);
    cases.push({ label: `declared 2^${exp} (base-256)`, body: await gzipParts(lie(0, model, { sizeField: field })) });
  }
  // floods of tiny entries and of directories
  for (const n of [int(300, 600), int(3000, 6000)]) {
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const d = noise(int(0, 3));
      parts.push(...tarEntry(`f${i}.bin`, d.length, d));
    }
    parts.push(TAR_END);
    cases.push({ label: `${n} tiny entries`, body: await gzipParts(parts) });
  }
  const dirs: Buffer[] = [];
  for (let i = 0; i < 2000; i++) dirs.push(ustarHeader(`d${i}/`, 0, { type: '5' }));
  cases.push({ label: '2000 directories', body: await gzipParts([...dirs, TAR_END]) });
  // bit flips inside the deflate data of a valid photon (CRC-checked: always detected)
  for (let i = 0; i < 6; i++) {
    const body = Buffer.from(valid);
    const at = int(10, body.length - 17);
    body[at] = body[at]! ^ (1 << int(0, 7));
    cases.push({ label: `bit flip at ${at}`, body });
  }
  // gzip magic then noise; gzip of noise
  cases.push({ label: 'gzip magic + noise', body: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), noise(int(100, 100_000))]) });
  cases.push({ label: 'gzip of noise', body: gzipSync(noise(int(1000, 2 * MiB))) });
  return cases;
}

test(`fuzzed compressed uploads are all 4xx envelopes and the platform stays responsive (seed ${SEED})`, { timeout: 300_000 }, async () => {
  const cases = await buildCases(SEED);
  const rssBefore = await settledRss();
  const health = watchHealth(p);
  const wrong: string[] = [];
  let h: HealthWatch;
  try {
    for (const c of cases) {
      const r = await postPhoton(p, c.body);
      const envelope = typeof r.code === 'string' && /^LEPTON_ERR_[A-Z_]+$/.test(r.code) && typeof r.message === 'string';
      if (r.status < 400 || r.status >= 500 || !envelope) wrong.push(`${c.label}: ${r.status} ${r.text.slice(0, 200)}`);
      // well past the 200× bound: it must be refused for its size, not read through
      else if (c.inflated !== undefined && c.inflated > 200 * c.body.length + 2 * MiB && !/ratio|larger than/.test(r.message ?? '')) {
        wrong.push(`${c.label}: refused for another reason (${r.message})`);
      }
      if (r.ms > 5000) wrong.push(`${c.label}: took ${r.ms} ms`);
    }
  } finally {
    h = await health.stop();
  }
  assert.deepEqual(wrong, [], `seed ${SEED}`);
  assert.deepEqual(h.failures, []);
  assert.ok(h.maxGapMs < 1000, `no /healthz answer for ${h.maxGapMs} ms`);
  // a valid upload still works afterwards, and the refusals kept no memory
  const { archive } = await createPhoton({ name: 'after-fuzz', version: '1', model: mlpModel(mlpWeights([4, 3], 1)) });
  assert.equal((await postPhoton(p, archive)).status, 201);
  const grown = (await settledRss(600)) - rssBefore;
  assert.ok(grown < 150 * MiB, `RSS grew by ${(grown / MiB).toFixed(0)} MiB over the fuzz run`);
});
