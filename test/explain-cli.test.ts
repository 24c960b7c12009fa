// `lep explain` end to end (issue 14): an exported CNN and an MLP with a flat [784]-style input,
// from a PNG and from JSON numbers; attributions.json and heatmap.png are written, the summary names
// the top class and IG's delta; bad arguments exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { Sequential, Conv2d, ReLU, MaxPool2d, Flatten, Linear } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';

const ROOT = resolve(import.meta.dirname, '..');
const lep = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

test('lep explain: IG from a PNG on a CNN, saliency from JSON on a flat-input MLP, occlusion; bad flags exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-explain-'));
  try {
    const rng = new Rng(4);
    const cnn = new Sequential(new Conv2d(1, 4, 3, { rng, padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 8 * 8, 3, { rng }));
    writeFileSync(join(dir, 'cnn.onnx'), exportOnnx(cnn, { inputShape: [1, 16, 16] }));
    const mlp = new Sequential(new Linear(256, 8, { rng }), new ReLU(), new Linear(8, 3, { rng }));
    writeFileSync(join(dir, 'mlp.onnx'), exportOnnx(mlp, { inputShape: [256] }));
    const px = Buffer.from(Array.from({ length: 256 }, (_, i) => ((i * 37) % 256)));
    await sharp(px, { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(join(dir, 'x.png'));

    const r1 = lep(['--model', join(dir, 'cnn.onnx'), '--image', join(dir, 'x.png'), '--method', 'ig', '--steps', '64', '--out', join(dir, 'ig')]);
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stdout, /^top class \d \(\d, logit -?\d+\.\d+\); ig for class \d; delta -?\d\.\d+e[-+]\d+ \(\d+\.\d+% of F\(x\) − F\(baseline\)/);
    const a1 = JSON.parse(readFileSync(join(dir, 'ig', 'attributions.json'), 'utf8')) as { attributions: number[]; delta: number; fx: number; fBaseline: number; dims: number[] };
    assert.equal(a1.attributions.length, 256);
    assert.deepEqual(a1.dims, [1, 16, 16]);
    const sum = a1.attributions.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - (a1.fx - a1.fBaseline) - a1.delta) < 1e-4);
    const meta = await sharp(readFileSync(join(dir, 'ig', 'heatmap.png'))).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 224, 224]);

    writeFileSync(join(dir, 'x.json'), JSON.stringify({ inputs: [Array.from(px, (v) => v / 255)] }));
    const r2 = lep(['--model', join(dir, 'mlp.onnx'), '--input', join(dir, 'x.json'), '--method', 'saliency', '--target', '2', '--json', '--out', join(dir, 'sal')]);
    assert.equal(r2.status, 0, r2.stderr);
    const s2 = JSON.parse(r2.stdout) as { target: number; files: { heatmap?: string } };
    assert.equal(s2.target, 2);
    assert.ok(s2.files.heatmap, 'a 256-value input is drawn as a 16×16 picture');

    const r3 = lep(['--model', join(dir, 'cnn.onnx'), '--image', join(dir, 'x.png'), '--method', 'occlusion', '--window', '4', '--out', join(dir, 'occ')]);
    assert.equal(r3.status, 0, r3.stderr);
    assert.match(r3.stdout, /occlusion for class/);

    // A registered photon: its labels name the top class, its image settings decode the PNG.
    const env = { ...process.env, LEPTON_HOME: join(dir, 'home') };
    const create = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'photon', 'create', '--name', 'tiny', '--model', join(dir, 'cnn.onnx'), '--labels', 'ant,bee,cat', '--image', '16x16:gray'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env });
    assert.equal(create.status, 0, create.stderr);
    const r4 = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', '--photon', 'tiny', '--image', join(dir, 'x.png'), '--method', 'saliency', '--out', join(dir, 'ph')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env });
    assert.equal(r4.status, 0, r4.stderr);
    assert.match(r4.stdout, /^top class \d \((ant|bee|cat), logit/);

    for (const [args, msg] of [
      [['--model', join(dir, 'cnn.onnx'), '--image', join(dir, 'x.png'), '--method', 'lime'], /--method must be one of saliency, ig, occlusion/],
      [['--model', join(dir, 'cnn.onnx'), '--method', 'ig'], /exactly one of --image FILE and --input/],
      [['--model', join(dir, 'cnn.onnx'), '--image', join(dir, 'x.png'), '--target', '9'], /target must be a class index in \[0, 3\)/],
    ] as const) {
      const r = lep([...args, '--out', join(dir, 'bad')]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
