// Our recurrent exports pass onnx.checker's full check (with shape inference) and declare opset ≥ 14,
// where ONNX RNN/LSTM/GRU have their current definitions. Needs /usr/bin/python3 with the onnx package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { buildModule, namedArch } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';

const PY = '/usr/bin/python3';
const hasOnnx = spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
const CHECK = `
import onnx, sys
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print(max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")))
`;

for (const arch of ['rnn', 'lstm', 'gru'] as const) {
  test(`${arch} classifier (2 layers): onnx.checker full check passes, opset ≥ 14`, { skip: !hasOnnx && 'python3 onnx not installed' }, () => {
    const a = namedArch(arch, 10, { hidden: 8, layers: 2 });
    const bytes = exportOnnx(buildModule(a.model, { rng: new Rng(1) }), { inputShape: a.inputShape });
    const dir = mkdtempSync(join(tmpdir(), 'lep-seq-check-'));
    try {
      writeFileSync(join(dir, 'm.onnx'), bytes);
      const r = spawnSync(PY, ['-c', CHECK, join(dir, 'm.onnx')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Number(r.stdout.trim()) >= 14, `opset ${r.stdout.trim()}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
