// `lep photon create|list|remove|run` end to end in child processes with a temporary LEPTON_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL, expected, postJson, sampleRows } from './fixtures/serve-helpers.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

function lep(home: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lep photon create, list, run, remove', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-cli-test-'));
  try {
    const model = join(home, 'digits.onnx');
    writeFileSync(model, MODEL);
    const c1 = lep(home, ['photon', 'create', '--name', 'digits', '--model', model, '--labels', '0,1,2,3,4,5,6,7,8,9', '--image', '28x28:gray']);
    assert.equal(c1.code, 0, c1.stderr);
    assert.match(c1.stdout, /created digits@1 sha256:[0-9a-f]{12}/);
    assert.match(lep(home, ['photon', 'create', '--name', 'digits', '--model', model]).stdout, /created digits@2/);
    const bad = lep(home, ['photon', 'create', '--name', 'Digits!', '--model', model]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /LEPTON_ERR_INVALID_ARGUMENT/);
    assert.equal(lep(home, ['photon', 'create', '--name', 'x', '--model', join(home, 'missing.onnx')]).code, 2);
    const list = JSON.parse(lep(home, ['photon', 'list', '--json']).stdout) as Array<{ name: string; versions: Array<{ version: string }> }>;
    assert.deepEqual(list.map((p) => [p.name, p.versions.map((v) => v.version)]), [['digits', ['1', '2']]]);

    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'photon', 'run', '--name', 'digits@1', '--port', '0', '--max-wait-ms', '1'], {
      env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /serving digits@1 at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`lep photon run exited (${code}): ${out}`)));
      });
      const x = sampleRows(1, 2);
      const r = (await (await postJson(url, { inputs: [Array.from(x)] })).json()) as { model: string; predictions: Array<{ index: number; label: string }> };
      assert.equal(r.model, 'digits@1');
      assert.equal(r.predictions[0]!.label, String(expected(x, 1)[0]!.index));
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }

    assert.match(lep(home, ['photon', 'remove', 'digits@1']).stdout, /removed digits@1/);
    assert.equal(lep(home, ['photon', 'remove', 'digits@1']).code, 2);
    assert.equal(lep(home, ['photon', 'run', '--name', 'nothing', '--port', '0']).code, 2);
    assert.equal(lep(home, ['photon', 'run', '--port', '0']).code, 2);
    assert.match(lep(home, ['photon', 'list']).stdout, /digits\s+2/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a replica spawned with an IPC lifeline stops when its parent goes away', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-cli-test-'));
  const model = join(home, 'digits.onnx');
  writeFileSync(model, MODEL);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'photon', 'run', '--model', model, '--port', '0'], {
    env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/serving .* at http:\/\/127\.0\.0\.1:\d+/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`lep photon run exited early (${code}): ${out}`)));
    });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Closing the channel is what the replica sees when a SIGKILLed supervisor's end of it closes.
    child.disconnect();
    assert.equal(await exited, 0);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});

// Issue 12: a bare model keeps its file's name (Triton's rule), so an OIP client finds it where Triton would serve it.
test('lep photon run --model torch_cnn.onnx answers /v2/models/torch_cnn', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-cli-test-'));
  const model = join(home, 'torch_cnn.onnx');
  writeFileSync(model, MODEL);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'photon', 'run', '--model', model, '--port', '0'], {
    env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`lep photon run exited early (${code}): ${out}`)));
    });
    const meta = await fetch(`${url}/v2/models/torch_cnn`);
    assert.equal(meta.status, 200);
    assert.equal(((await meta.json()) as { name: string }).name, 'torch_cnn');
    const x = sampleRows(1, 4);
    const r = await fetch(`${url}/v2/models/torch_cnn/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array.from(x) }] }),
    });
    const body = (await r.json()) as { model_name: string; outputs: Array<{ data: number[] }> };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.model_name, 'torch_cnn');
    const logits = body.outputs[0]!.data;
    assert.equal(logits.indexOf(Math.max(...logits)), expected(x, 1)[0]!.index);
    // the old, rewritten name is not an alias
    assert.equal((await fetch(`${url}/v2/models/torch-cnn`)).status, 404);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});
