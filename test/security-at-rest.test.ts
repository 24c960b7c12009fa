// Encrypted photon registry: tampered or truncated objects are refused with a clear error (never
// loaded or unpacked half-way); plaintext objects are sealed; and `lep login` writes a 0600 token
// file that `lep deployment` then sends (401 without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LeptonError } from '../src/core/errors.js';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { envelopeCodec, loadKeyRing } from '../src/deploy/keyring.js';
import { isEnvelope } from '../src/secure/envelope.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { startTestPlatform } from './platform-helpers.js';

const run = promisify(execFile);
const LEP = new URL('../bin/lep.js', import.meta.url).pathname;

async function tinyArchive(version: string): Promise<Uint8Array> {
  return (await createPhoton({ name: 'tiny', version, model: mlpModel(mlpWeights([4, 8, 3], 3)), labels: ['a', 'b', 'c'] })).archive;
}

test('encrypted registry objects: tamper and truncation are refused, nothing is unpacked', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-rest-'));
  try {
    const ring = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
    assert.equal(statSync(join(home, 'master.key')).mode & 0o777, 0o600);
    // a plaintext object from before encryption was configured gets sealed
    await new PhotonRegistry({ home }).add(await tinyArchive('1'));
    const reg = new PhotonRegistry({ home, codec: envelopeCodec(ring) });
    assert.equal(await reg.seal(), 1);
    await reg.add(await tinyArchive('2'));
    const path = reg.objectPath(reg.resolve('tiny@2').sha256);
    const good = readFileSync(path);
    assert.ok(isEnvelope(good));
    assert.ok(isEnvelope(readFileSync(reg.objectPath(reg.resolve('tiny@1').sha256))));
    assert.equal((await reg.load('tiny@2')).ref, 'tiny@2');

    const refused = async (what: string, bytes: Uint8Array): Promise<void> => {
      writeFileSync(path, bytes);
      await assert.rejects(reg.load('tiny@2'), (e: unknown) => {
        assert.ok(e instanceof LeptonError, what);
        assert.ok(['LEPTON_ERR_DECRYPT', 'LEPTON_ERR_INTEGRITY'].includes(e.code), `${what}: ${e.code}`);
        assert.match(e.message, /tiny@2/);
        return true;
      });
    };
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10]! ^= 0x01;
    await refused('flipped ciphertext byte', flipped);
    const header = Buffer.from(good);
    header[40]! ^= 0x80;
    await refused('flipped header byte', header);
    await refused('truncated', good.subarray(0, good.length - 100));
    await refused('truncated into the header', good.subarray(0, 50));
    assert.equal(existsSync(join(home, 'photons', 'unpacked')), false, 'nothing was unpacked');
    // the wrong master key is refused too, and no key at all gives a hint
    writeFileSync(path, good);
    const other = loadKeyRing({ path: join(home, 'other.key'), create: true })!;
    await assert.rejects(new PhotonRegistry({ home, codec: envelopeCodec(other) }).load('tiny@2'), /another master key|DECRYPT|unknown|key/i);
    await assert.rejects(new PhotonRegistry({ home }).load('tiny@2'), /encrypted/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('lep login keeps the token in a 0600 file that lep deployment sends', { timeout: 60_000 }, async () => {
  const p = await startTestPlatform();
  const cliHome = mkdtempSync(join(tmpdir(), 'lepton-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LEPTON_HOME: cliHome, LEPTON_SERVER: p.url, LEPTON_LOG_LEVEL: 'silent' };
  delete env['LEPTON_TOKEN'];
  try {
    const denied = await run(process.execPath, [LEP, 'deployment', 'list'], { env }).catch((e: { code: number; stderr: string }) => e);
    assert.notEqual((denied as { code?: number }).code ?? 0, 0);
    assert.match((denied as { stderr: string }).stderr, /LEPTON_ERR_UNAUTHENTICATED.*lep login/);
    const bad = await run(process.execPath, [LEP, 'login', '--token', 'lep_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], { env }).catch((e: { stderr: string }) => e);
    assert.match((bad as { stderr: string }).stderr, /UNAUTHENTICATED/);
    assert.equal(existsSync(join(cliHome, 'token')), false, 'a refused token is not saved');
    await run(process.execPath, [LEP, 'login', '--token', p.token], { env });
    assert.equal(statSync(join(cliHome, 'token')).mode & 0o777, 0o600);
    const ok = await run(process.execPath, [LEP, 'deployment', 'list'], { env });
    assert.match(ok.stdout, /no deployments/);
    const created = await run(process.execPath, [LEP, 'token', 'create', '--name', 'ci', '--scope', 'read', '--expires', '1d'], { env });
    assert.match(created.stdout.trim(), /^lep_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await run(process.execPath, [LEP, 'token', 'list'], { env });
    assert.match(list.stdout, /ci\s+read\s+active/);
    assert.equal(list.stdout.includes(created.stdout.trim()), false);
  } finally {
    await p.dispose();
    rmSync(cliHome, { recursive: true, force: true });
  }
});
